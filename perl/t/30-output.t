# Output through real pipes: print, printf, syswrite, fd 1 directly, system() and forked children; stderr apart;
# per-stream caps; bytes unchanged.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);

my $f = FarmTest->start;
for my $round (1, 2) {
  my $r = $f->run(fixture('syswrite.pl'));
  is $r->{out}, "print|printf|syswrite|fd1\n", "print, printf, syswrite, POSIX::write on fd 1 (round $round)";
  $r = $f->run(fixture('system-child.pl'));
  is $r->{out}, "from perl\nfrom system\nfrom forked child\nchild exit 0\n", 'system() and a forked child';
  is $r->{exitCode}, 1, 'exit code';
  $r = $f->run(fixture('stderr.pl'));
  is $r->{out}, "OK - on stdout\n", 'stdout alone';
  is $r->{err}, "on stderr\na warning\n", 'stderr and warn captured apart';
  is $r->{exitCode}, 0, 'a warning does not change the code (not fatal)';
}

my $r = $f->run(fixture('big-output.pl'), [], maxOutputBytes => 1000);
is length $r->{out}, 1000, 'stdout capped';
ok $r->{stdoutTruncated}, 'stdoutTruncated';
is length $r->{err}, 1000, 'stderr capped';
ok $r->{stderrTruncated}, 'stderrTruncated';
is $r->{exitCode}, 0, 'the plugin was not blocked by the cap';
$r = $f->run(fixture('big-output.pl'), [], maxOutputBytes => 200000);
is length $r->{out}, 100001, 'all of it under a larger cap';
ok !$r->{stdoutTruncated}, 'not truncated';

$r = $f->run(fixture('bytes.pl'));
is $r->{out}, "20\xc2\xb0C \xe9\n", 'bytes unchanged: UTF-8 without use utf8, and Latin-1 (no double encoding)';

$r = $f->run(fixture('use-open.pl'));
is $r->{out}, "OK - 20\xc2\xb0C\n", 'use open :std applies to that plugin';
$r = $f->run(fixture('use-open.pl'));
is $r->{out}, "OK - 20\xc2\xb0C\n", 'also when the sub comes from the farm';
$r = $f->run(fixture('bytes.pl'));
is $r->{out}, "20\xc2\xb0C \xe9\n", 'but not to the next plugin';

$r = $f->run(fixture('ok.pl'), [], env => { MG_TEST_VAR => 'x' });
ok $r->{exitCode} == 0, 'env accepted';
is $f->close_and_wait, 0, 'farm exits 0';
done_testing;
