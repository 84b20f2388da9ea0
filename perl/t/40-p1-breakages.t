# What breaks under p1.pl works here: __END__/__DATA__, file-scope lexicals in named subs, no implicit strict,
# FindBin + use lib + a sibling module, Debian's check_file_age, modulinos, #! -w, two plugins bundling one
# package; and the header variants all run.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);

my $f = FarmTest->start;
for my $round (1, 2) {
  my $r = $f->run(fixture('data-section.pl'));
  is $r->{out}, "OK - data: alpha beta\n", "__DATA__ (round $round)";
  $r = $f->run(fixture('end-section.pl'));
  is $r->{out}, "OK - 3 lines of POD after __END__, first: =head1 NAME\n", "__END__ with POD after it (round $round)";
  $r = $f->run(fixture('lexical-sub.pl'), ["run$round"]);
  is $r->{out}, "OK - x=run$round\n", 'a file-scope lexical in a named sub sees this run\'s value';
  is $r->{err}, '', 'no "will not stay shared" warning';
  $r = $f->run(fixture('no-strict.pl'));
  is $r->{out}, "OK - no strict here\n", 'no implicit strict';
  $r = $f->run(fixture('modulino.pl'), ['a', 'b']);
  is $r->{out}, "OK - modulino ran with a b\n", 'a modulino runs (caller is empty at the top level)';
  is $r->{exitCode}, 0, 'modulino exit code';
  my $fb = fixture('findbin', 'check_uses_sibling.pl');
  (my $dir = $fb) =~ s{/[^/]+\z}{};
  $r = $f->run($fb);
  is $r->{out}, "OK - sibling says hello from $dir\n", 'FindBin + use lib + sibling module, no PERL5LIB';
  $r = $f->run(fixture('warn-w.pl'));
  like $r->{err}, qr/\AUse of uninitialized value \$u in concatenation .* at \Q${\ fixture('warn-w.pl')}\E line 5\.\n\z/, '#! -w turns warnings on, with the plugin\'s own line';
  is $r->{exitCode}, 0, 'and they are not fatal';
  is $f->run(fixture('init-block.pl'))->{out}, "OK - init ran\n", "INIT blocks run before the plugin (round $round)";
  for my $p (qw(epn-plus.pl epn-minus.pl implicit.pl env-shebang.pl)) {
    is $f->run(fixture($p))->{exitCode}, 0, "$p runs (the header is Node's business)";
  }
}

SKIP: {
  my $cfa = '/usr/lib/nagios/plugins/check_file_age';
  skip 'Debian monitoring-plugins not installed', 6 unless -f $cfa && -f '/usr/lib/nagios/plugins/utils.pm';
  for my $round (1, 2) {
    my $r = $f->run($cfa, ['-f', $cfa, '-w', '999999999', '-c', '999999999']);
    like $r->{out}, qr/\AFILE_AGE OK: \Q$cfa\E is \d+ seconds old and \d+ bytes \| age=/, "check_file_age OK (round $round)";
    is $r->{exitCode}, 0, 'exit 0';
    $r = $f->run($cfa, ['-f', '/nonexistent/file']);
    is $r->{exitCode}, 2, 'check_file_age CRITICAL for a missing file';
  }
}

# two plugins bundling the same package with different code (R15): each keeps its own
for my $round (1, 2) {
  is $f->run(fixture('shared-a.pl'))->{out}, "OK - lib A\n", "shared-a sees its own package (round $round)";
  my $r = $f->run(fixture('shared-b.pl'));
  is $r->{out}, "OK - lib B\n", "shared-b sees its own package (round $round)";
  is $r->{err}, '', 'and no redefinition warning';
}
like $f->stderr, qr/shared-b\.pl redefines subs of other code/, 'the farm logs the clash';
is $f->close_and_wait, 0, 'farm exits 0';
done_testing;
