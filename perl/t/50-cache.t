# The compile cache: run-time state never leaks between checks, an edited file is recompiled, invalidate,
# cache:false, and modules loaded at run time are preloaded into the farm.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);
use File::Temp qw(tempdir);
use Time::HiRes ();

my $f = FarmTest->start;
my @counts = map { $f->run(fixture('counter.pl'))->{out} } 1 .. 50;
is $counts[0], "count=1\n", 'our $count++ is 1 on run 1';
is $counts[49], "count=1\n", 'and on run 50';
is scalar(grep { $_ ne "count=1\n" } @counts), 0, 'and on every run between';

my $dir = tempdir(CLEANUP => 1);
my $plugin = "$dir/edited.pl";
sub write_plugin {
  my ($text) = @_;
  open my $fh, '>', "$plugin.tmp" or die $!;
  print $fh "#!/usr/bin/perl\n# nagios: +epn\nprint \"$text\\n\";\nexit 0;\n";
  close $fh;
  rename "$plugin.tmp", $plugin or die $!;
}
write_plugin('version one');
is $f->run($plugin)->{out}, "version one\n", 'first version';
my $r = $f->run($plugin);
is $r->{out}, "version one\n", 'first version again';
ok !$r->{compiled}, 'from the cache';
write_plugin('version two, longer');
$r = $f->run($plugin);
is $r->{out}, "version two, longer\n", 'an edited file (new inode, size, mtime) is compiled again';
ok $r->{compiled}, 'compiled';
is $f->run($plugin)->{out}, "version two, longer\n", 'and then cached';
# the same size, rewritten in place within the same second: mtime (ns) and ctime still change
open my $fh, '+<', $plugin or die $!;
seek $fh, 0, 0;
my $text = do { local $/; <$fh> };
$text =~ s/version two/VERSION TWO/;
seek $fh, 0, 0;
print $fh $text;
close $fh;
is $f->run($plugin)->{out}, "VERSION TWO, longer\n", 'an in-place edit of the same size is seen too';

# invalidate
$f->send({ type => 'invalidate', file => $plugin });
$r = $f->run($plugin);
ok $r->{compiled}, 'invalidate: the next run compiles again';
is $r->{out}, "VERSION TWO, longer\n", 'same output';

# cache: false compiles every time and leaves the cached entry alone
$r = $f->run(fixture('ok.pl'));
$r = $f->run(fixture('ok.pl'));
ok !$r->{compiled}, 'ok.pl cached';
for (1, 2) {
  $r = $f->run(fixture('ok.pl'), [], cache => 0);
  ok $r->{compiled}, 'cache:false compiles for this run';
  is $r->{out}, "OK - fine\n", 'and runs';
}
ok !$f->run(fixture('ok.pl'))->{compiled}, 'the cached entry is still used afterwards';

# compile of a plugin that exits in BEGIN (compiled in each check's child): a real answer, not a shortcut
$f->run(fixture('begin-exit.pl'));
my $c = $f->compile(fixture('begin-exit.pl'));
ok !$c->{ok}, 'compile of a plugin that exits while compiling is not ok';
like $c->{problem}{message}, qr/exit\(3\) called while compiling/, 'and says why';

# a deleted file
unlink $plugin;
$r = $f->run($plugin);
is $r->{problem}{kind}, 'compile', 'a deleted plugin is a compile problem';
like $r->{out}, qr/Can't open perl script/, 'that says so';

SKIP: {
  skip 'Monitoring::Plugin not installed', 3 unless eval { require Monitoring::Plugin; 1 };
  my @runs = map { $f->run(fixture('heavy-mp.pl'), ['-w', '10', '-c', '20']) } 1 .. 4;
  is $runs[-1]{out}, "HEAVY OK - value is 5 | value=5;10;20\n", 'Monitoring::Plugin plugin output';
  ok scalar @{ $runs[0]{newModules} || [] }, 'the first run reports the modules it loaded';
  ok !$runs[-1]{newModules}, 'later runs load nothing new: the farm preloaded them';
}
is $f->close_and_wait, 0, 'farm exits 0';
done_testing;
