# How a farm ends: EOF on stdin kills running checks; --max-checks; a new parent pid; bad options.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture farm_script);
use POSIX ();
use Time::HiRes qw(time sleep);

# EOF on stdin: the running checks' groups are killed, the farm exits 0
my $f = FarmTest->start;
my @ids = map { $f->start_run(fixture('slow.pl'), [], timeoutMs => 60000) } 1 .. 3;
my @pgids = map { $f->wait_for($_, 'started')->{pid} } @ids;
sleep 0.3;
ok FarmTest::group_alive($_), "check $_ runs" for @pgids;
my $t0 = time;
is $f->close_and_wait(10), 0, 'EOF on stdin: the farm exits 0';
cmp_ok time - $t0, '<', 5, 'promptly';
ok !FarmTest::group_alive($_), "check group $_ was killed" for @pgids;

# --max-checks: N checks, answered, then exit 0; more runs are refused
$f = FarmTest->start('--max-checks', 3);
my @r = map { $f->run(fixture('ok.pl')) } 1 .. 3;
is scalar(grep { $_->{exitCode} == 0 } @r), 3, 'three checks answered';
is $f->wait_exit(10), 0, '--max-checks 3: exit 0 after the third';

$f = FarmTest->start('--max-checks=2');
my $a = $f->start_run(fixture('sleep-then-ok.pl'), ['0.3']);
my $b = $f->start_run(fixture('sleep-then-ok.pl'), ['0.3']);
my $c = $f->start_run(fixture('ok.pl'));
like $f->wait_for($c, 'error')->{message}, qr/shutting down/, 'a run past --max-checks gets an error';
is $f->result($a)->{out}, "OK - slept\n", 'checks in flight finish';
is $f->result($b)->{out}, "OK - slept\n", 'both';
is $f->wait_exit(10), 0, 'then exit 0';

# --preload
$f = FarmTest->start('--preload', 'Data::Dumper,Storable', '--preload=No::Such::Module');
like $f->stderr, qr/--preload No::Such::Module failed/, 'a failed --preload is logged';
is $f->run(fixture('ok.pl'))->{exitCode}, 0, 'and the farm works';
is $f->close_and_wait, 0, 'exit 0';

# bad option
my $out = qx{"$^X" "${\ farm_script()}" --bogus 2>&1 </dev/null};
is $? >> 8, 2, 'an unknown option exits 2';
like $out, qr/unknown option '--bogus'/, 'and says so';

# a new parent: the worker died without closing the farm's stdin (it was PID 1, or the pipe is shared)
pipe my $to_farm_r, my $to_farm_w or die;
pipe my $from_farm_r, my $from_farm_w or die;
my $middle = fork // die;
if (!$middle) {
  my $farm = fork // POSIX::_exit(1);
  if (!$farm) {
    open STDIN, '<&', $to_farm_r or POSIX::_exit(1);
    open STDOUT, '>&', $from_farm_w or POSIX::_exit(1);
    exec $^X, farm_script() or POSIX::_exit(1);
  }
  syswrite $from_farm_w, "farm-pid $farm\n";
  sleep 1;
  POSIX::_exit(0);    # the farm's parent goes away; its stdin stays open (we hold the write end)
}
close $to_farm_r;
close $from_farm_w;
my $farm_pid;
while (my $line = <$from_farm_r>) { if ($line =~ /\Afarm-pid (\d+)/) { $farm_pid = $1; last } }
waitpid $middle, 0;
my $gone;
for (1 .. 50) { if (!FarmTest::alive($farm_pid)) { $gone = 1; last } sleep 0.1 }
ok $gone, 'the farm exits when its parent pid changes, although stdin is still open';
close $to_farm_w;
done_testing;
