# The vfork launcher (perl/mg-launcher.pl) spoken to over its pipes, and MgWorkhorse::GroupKill on a real group:
# results and exec errors as the spawn helper gives them, one run at a time, the launcher surviving the
# timeout of its plugin (TERM and KILL) alone in its group afterwards.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest ();
use lib FarmTest::repo_dir() . '/perl/lib';
use Fcntl ();
use File::Temp qw(tempdir);
use IPC::Open3 qw(open3);
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);
use MgWorkhorse::GroupKill qw(signal_own_group group_members);

plan skip_all => 'Proc::FastSpawn is not installed (libproc-fastspawn-perl)' unless eval { require Proc::FastSpawn; 1 };

my $script = FarmTest::repo_dir() . '/perl/mg-launcher.pl';
my $tmp    = tempdir(CLEANUP => 1);
# An fd without close-on-exec, as a careless parent may leave: the launcher must not pass it on to plugins.
open my $leak, '<', '/dev/null' or die;
fcntl $leak, Fcntl::F_SETFD(), 0 or die;
my $pid    = open3(my $in, my $out, undef, $^X, $script);
$in->autoflush(1);
my $json = JSON::PP->new;
sub next_msg { my $l = <$out> // return undef; return $json->decode($l) }
sub run_msg {
  my ($id, $argv, %o) = @_;
  my %m = (type => 'run', id => $id, argv => [ map { encode_base64($_, '') } @$argv ], env => [],
    timeoutMs => 5000, killGraceMs => 500, maxOutputBytes => 65536, pipeDrainMs => 100, %o);
  print $in $json->encode(\%m), "\n";
}
sub result_of {
  my ($id) = @_;
  while (my $m = next_msg()) { return $m if $m->{type} ne 'started' && ($m->{id} // -1) == $id }
  return undef;
}
sub others { my ($pgid) = @_; return grep { $_ != $pgid } group_members($pgid) }

my $ready = next_msg();
is_deeply [ @$ready{qw(type pid)} ], [ 'ready', $pid ], 'ready with its pid';
is getpgrp($pid), $pid, 'the launcher leads its own process group';

run_msg(1, [ '/bin/sh', '-c', 'echo "out $FOO"; echo err >&2; exit 3' ], env => [ encode_base64('FOO=bar', '') ]);
my $r = result_of(1);
is_deeply [ @$r{qw(exitCode signal timedOut)}, decode_base64($r->{stdout}), decode_base64($r->{stderr}) ],
  [ 3, undef, JSON::PP::false, "out bar\n", "err\n" ], 'exit code, stdout, stderr, env';

run_msg(2, ['/nonexistent/plugin']);
is result_of(2)->{spawnError}{errno}, Errno::ENOENT(), 'a missing plugin: ENOENT, nothing spawned';
my $noexec = "$tmp/noexec";
open my $fh, '>', $noexec or die; print $fh "#!/bin/sh\n"; close $fh; chmod 0644, $noexec;
run_msg(3, [$noexec]);
is result_of(3)->{spawnError}{errno}, Errno::EACCES(), 'a file without the exec bit: EACCES';
run_msg(4, [ '/bin/echo', 'x' x 200_000 ]);
is result_of(4)->{spawnError}{errno}, Errno::E2BIG(), 'an argument over MAX_ARG_STRLEN: E2BIG';
run_msg(5, ['/bin/pwd'], cwd => encode_base64('/nonexistent-dir', ''));
is result_of(5)->{spawnError}{errno}, Errno::ENOENT(), 'a missing cwd: ENOENT';

run_msg(6, [ '/bin/sleep', '0.3' ]);
# While run 6 sleeps: how the launcher waits for its plugin's exit (a pidfd, or SIGCHLD where there is none).
sub pidfds { scalar grep { (readlink($_) // '') =~ /pidfd/ } glob "/proc/$pid/fd/*" }
sub children { open my $c, '<', "/proc/$pid/task/$pid/children" or return 0; return (<$c> // '') =~ /\d/ ? 1 : 0 }
for (1 .. 200) { last if children(); sleep 0.01 }    # until the sleep runs
is pidfds(), $ENV{MG_LAUNCHER_PORTABLE} ? 0 : 1,
  $ENV{MG_LAUNCHER_PORTABLE} ? "MG_LAUNCHER_PORTABLE=$ENV{MG_LAUNCHER_PORTABLE}: no pidfd" : 'a pidfd for the plugin in flight';
run_msg(7, ['/bin/true']);
my ($busy, $done);
while (my $m = next_msg()) {
  $busy = $m if $m->{type} eq 'error';
  if ($m->{type} eq 'result') { $done = $m; last }
}
like $busy->{message}, qr/^busy with run 6/, 'a second run while one is in flight is refused';
is_deeply [ $busy->{id}, $done->{id}, $done->{exitCode} ], [ 7, 6, 0 ], 'and the first one finishes';

run_msg(8, [ '/bin/sh', '-c', 'trap "" TERM; sleep 1000 & echo "child=$!"; wait' ], timeoutMs => 200, killGraceMs => 200);
$r = result_of(8);
is_deeply [ @$r{qw(timedOut signal forcefullyKilled)} ], [ JSON::PP::true, 9, JSON::PP::true ], 'TERM ignored: KILL after the grace';
ok kill(0, $pid), 'the launcher survived the KILL phase';
is_deeply [ others($pid) ], [], 'and is alone in its group again';

run_msg(9, [ '/bin/sh', '-c', 'sleep 1000' ], timeoutMs => 200);
$r = result_of(9);
is_deeply [ @$r{qw(timedOut signal forcefullyKilled)} ], [ JSON::PP::true, 15, JSON::PP::false ], 'a timeout: TERM';
ok kill(0, $pid), 'the launcher survived the TERM to its group';

run_msg(10, [ '/bin/sh', '-c', 'echo "ppid=$PPID"' ]);
is decode_base64(result_of(10)->{stdout}), "ppid=$pid\n", 'and runs the next plugin itself';

# The run's pipe ends are close-on-exec: the plugin holds stdin, stdout, stderr and nothing else (the 3 is the
# listing's own directory handle), or a daemon it leaves behind could keep another run's pipe open.
run_msg(13, [ $^X, '-e', 'opendir my $d, "/proc/self/fd" or die; print join ",", sort grep { /^\d+$/ } readdir $d' ]);
is decode_base64(result_of(13)->{stdout}), '0,1,2,3', 'the plugin inherits fds 0, 1 and 2 only';

# The quiet start watches only the exit at first: a plugin that writes more than a pipe holds before it exits
# must still get its pipes drained (it would block, then time out), and output a descendant writes after the
# plugin's exit, within the pipe-drain window, is kept.
run_msg(14, [ $^X, '-e', 'print "x" x 300_000; print STDERR "y" x 100_000' ], timeoutMs => 5000, maxOutputBytes => 1_000_000);
$r = result_of(14);
is_deeply [ $r->{exitCode}, $r->{timedOut}, length decode_base64($r->{stdout}), length decode_base64($r->{stderr}) ],
  [ 0, JSON::PP::false, 300_000, 100_000 ], 'a plugin writing 400 kB before its exit: all of it, no timeout';
run_msg(15, [ '/bin/sh', '-c', '(sleep 0.2; echo late) & echo early' ], pipeDrainMs => 3000);
is decode_base64(result_of(15)->{stdout}), "early\nlate\n", 'output of a descendant after the exit, within the drain window';
run_msg(16, [ '/bin/sh', '-c', 'sleep 30 & echo early' ], pipeDrainMs => 200);
$r = result_of(16);
is_deeply [ $r->{exitCode}, decode_base64($r->{stdout}) ], [ 0, "early\n" ], 'a descendant holding the pipes past the drain window: answered';
for (1 .. 100) { last if !others($pid); sleep 0.02 }
is_deeply [ others($pid) ], [], 'and the descendant is killed';

# Pipes closed long before the exit: the exit must still be seen (pidfd, SIGCHLD, or the launcher's own look).
run_msg(17, [ '/bin/sh', '-c', 'exec >&- 2>&-; sleep 0.3; exit 4' ], timeoutMs => 20_000);
$r = result_of(17);
is_deeply [ @$r{qw(exitCode timedOut)} ], [ 4, JSON::PP::false ], 'a plugin that closes stdout and stderr, then exits later';

kill TERM => $pid;
run_msg(11, [ '/bin/sh', '-c', 'kill 0; echo never' ]);
$r = result_of(11);
is_deeply [ $r->{signal}, $r->{aborted}, decode_base64($r->{stdout}) ], [ 15, JSON::PP::false, '' ],
  "TERM to the launcher, and a plugin's kill 0 to the shared group, do not stop the launcher";
run_msg(12, ['/bin/true']);
is result_of(12)->{exitCode}, 0, 'it still runs plugins';

close $in;
waitpid $pid, 0;
is $?, 0, 'EOF on stdin: the launcher exits 0';

subtest 'GroupKill: TERM spares the caller, KILL finds every other member in /proc' => sub {
  pipe my $r, my $w or die;
  my $leader = fork // die;
  if (!$leader) {
    POSIX::setsid();
    my @kids = map { my $k = fork // POSIX::_exit(9); if (!$k) { $SIG{TERM} = 'IGNORE'; sleep 0.05 while 1; POSIX::_exit(0) } $k } 1 .. 3;
    sleep 0.2;
    my $after_term = (signal_own_group('TERM') && group_members($$) == 3) ? 1 : 0;
    my $killed = signal_own_group('KILL');
    waitpid $_, 0 for @kids;
    syswrite $w, join(' ', $after_term, $killed >= 3 ? 1 : 0, scalar(group_members($$))) . "\n";
    POSIX::_exit(0);
  }
  close $w;
  my $line = <$r>;
  waitpid $leader, 0;
  is $?, 0, 'the caller survived both';
  is $line, "1 1 0\n", 'TERM-ignoring members stayed after TERM, KILL killed all 3, none left';
};

done_testing;
