# The farm and its modules compile, and its POD is clean.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(repo_dir);
use File::Spec;
use Pod::Checker ();

my $repo = repo_dir();
my $farm = File::Spec->catfile($repo, 'perl', 'mg-epn-farm.pl');
my $lib  = File::Spec->catdir($repo, 'perl', 'lib');
for my $file ($farm, glob File::Spec->catfile($lib, 'MgWorkhorse', '*.pm')) {
  my $out = qx{"$^X" -I"$lib" -c "$file" 2>&1};
  is $?, 0, "perl -c $file" or diag $out;
  like $out, qr/syntax OK\s*\z/, "no warnings from perl -c $file";
}
my $checker = Pod::Checker->new(-warnings => 2);
open my $null, '>', File::Spec->devnull or die;
$checker->parse_from_file($farm, $null);
is $checker->num_errors, 0, 'POD has no errors';
is $checker->num_warnings, 0, 'POD has no warnings';
done_testing;
