#!/usr/bin/perl
# The spawn helper of mg-workhorse: one small, long-lived process that forks and execs plugins for the Node
# worker, so that the large Node process never forks on its event loop. Code first, POD at the end.
use strict;
use warnings;
use Errno qw(EINTR EAGAIN);
use IO::Poll qw(POLLIN POLLOUT POLLERR POLLHUP POLLNVAL);
use POSIX qw(WNOHANG);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

# perl/lib next to this script, found from __FILE__ as the farm does (install.sh copies perl/ whole). A plain
# dirname, not File::Spec: that would load Cwd too, half a megabyte in a process meant to stay small. A
# relative path is fine: this process never changes its directory.
BEGIN { unshift @INC, (__FILE__ =~ m{\A(.*)/} ? $1 : '.') . '/lib' }
use MgWorkhorse::RawFds ();
use MgWorkhorse::Streams ();
use MgWorkhorse::RunLoop
  qw(run_timers next_timeout terminate kill_group keep_output write_queue nonblocking wake_on_signals drain_wake);
use MgWorkhorse::SpawnerProtocol qw(decode_line parse_run new_run ready_line started_line error_line result_line);

use constant READ_CHUNK       => 65536;
use constant DEBUG            => $ENV{MG_SPAWNER_DEBUG} || 0;

my %runs;        # id  => run
my %run_of_pid;  # pid => run
my $poll     = IO::Poll->new;
my $streams  = MgWorkhorse::Streams->new(    # each run's 'out', 'err' and 'exec' pipe, by fileno
  watch   => sub { nonblocking('mg-spawner', $_[0], 1); $poll->mask($_[0] => POLLIN) },
  unwatch => sub { $poll->remove($_[0]) },
  close   => sub { close $_[0] },
  fd      => sub { fileno $_[0] },
);
my $in_buf   = '';
my $out_buf  = '';
my $stdin_open = 1;
my $stdout_ok  = 1;
my $stopping   = 0;    # set by a signal or a dead stdout
my $stopped    = 0;    # stop_all() has run

# fds our parent left open without close-on-exec would pass to every plugin (see MgWorkhorse::RawFds)
MgWorkhorse::RawFds::close_inherited_fds();
open my $dev_null, '<', '/dev/null' or die "mg-spawner: /dev/null: $!\n";    # every plugin's stdin

my ($wake_r) = wake_on_signals('mg-spawner', \$stopping);    # CHLD, TERM, INT, HUP wake poll()
nonblocking('mg-spawner', $_) for \*STDIN, \*STDOUT;
$poll->mask($wake_r => POLLIN);
$poll->mask(\*STDIN => POLLIN);
binmode $_ for \*STDIN, \*STDOUT;

emit(ready_line());
main_loop();
exit 0;

### the loop: poll, read requests and plugin output, reap, run timers, answer
sub main_loop {
  while (1) {
    if (($stopping || !$stdin_open) && !$stopped) { $stopped = 1; stop_all() }
    write_answers() if length $out_buf;    # one write per loop turn for all answers queued in the last one
    last if $stopped && !%runs && ($out_buf eq '' || !$stdout_ok);
    $poll->mask(\*STDOUT => length $out_buf && $stdout_ok ? POLLOUT : 0);
    my $n = $poll->poll(next_timeout(\%runs));
    if ($n < 0 && $! != EINTR) { die "mg-spawner: poll: $!\n" }
    drain_wake($wake_r) if $poll->events($wake_r);
    read_requests() if $stdin_open && $poll->events(\*STDIN);
    for my $fd ($streams->fds) {
      my $s = $streams->of($fd) or next;
      read_stream(@$s) if $poll->events($s->[0]{fh}{$s->[1]});
    }
    reap();
    run_timers(\%runs, sub { $streams->close(@_) }, \&maybe_finish);
  }
}

### stdin: one JSON object per line; see PROTOCOL
sub read_requests {
  my $n = sysread STDIN, $in_buf, READ_CHUNK, length $in_buf;
  return if !defined $n && $! == EAGAIN;
  if (!$n) { $stdin_open = 0; $poll->remove(\*STDIN); return }
  while ((my $nl = index $in_buf, "\n") >= 0) {
    my $line = substr $in_buf, 0, $nl + 1, '';
    handle_request(decode_line($line));
  }
}

sub handle_request {
  my ($m) = @_;
  my $type = $m->{type} // '';
  my $id   = $m->{id};
  if ($type eq 'cancel' && defined $id) {
    my $run = $runs{$id} or return;
    if (!$run->{exited}) { $run->{aborted} = 1; terminate($run) }
    return;
  }
  if ($type ne 'run' || !defined $id || $id !~ /^\d+$/ || $runs{$id}) {
    return protocol_error($id, "not a valid request: type=$type");
  }
  my ($error, $argv, $env, $cwd) = parse_run($m);
  return protocol_error($id, $error) if defined $error;
  start_run($id, $argv, $env, $cwd, $m);
}

sub protocol_error { emit(error_line(@_)) }

### fork, new session (own process group), stdin from /dev/null, exec; exec failures come back on a pipe
sub start_run {
  my ($id, $argv, $env, $cwd, $m) = @_;
  my $run = new_run($id, $m);
  $runs{$id} = $run;
  my ($out_r, $out_w, $err_r, $err_w, $exec_r, $exec_w);
  unless (pipe($out_r, $out_w) && pipe($err_r, $err_w) && pipe($exec_r, $exec_w)) {
    return spawn_failed($run, $! + 0);
  }
  my $pid = fork;
  return spawn_failed($run, $! + 0) unless defined $pid;
  if ($pid == 0) {
    # In the child: only async-safe work until exec; never return into the loop.
    $SIG{$_} = 'DEFAULT' for qw(CHLD TERM INT HUP PIPE);
    # A new process group, not a new session: setsid() would also make the kernel create a scheduler
    # autogroup per plugin, which halved the fork rate here (measured). This helper has no controlling
    # terminal (Node starts it detached), so its plugins have none either, as with setsid().
    setpgrp(0, 0);
    POSIX::dup2(fileno $dev_null, 0);
    POSIX::dup2(fileno $out_w, 1);
    POSIX::dup2(fileno $err_w, 2);
    for my $kv (@$env) { my ($k, $v) = split /=/, $kv, 2; $ENV{$k} = $v // '' }
    if (!defined $cwd || chdir $cwd) {
      no warnings 'exec';
      exec { $argv->[0] } @$argv;
    }
    syswrite $exec_w, pack('N', $! + 0);
    POSIX::_exit(127);
  }
  close $_ for $out_w, $err_w, $exec_w;
  setpgrp($pid, $pid);    # also from this side, so a kill(-pid) right after fork cannot miss the group
  $run->{pid} = $pid;
  $run_of_pid{$pid} = $run;
  $streams->add($run, out => $out_r);
  $streams->add($run, err => $err_r);
  $streams->add($run, exec => $exec_r);
  emit(started_line($id, $pid));
  print STDERR "mg-spawner: run $id pid $pid: @$argv\n" if DEBUG;
}

### read plugin output: keep up to the cap, count and drop the rest (the pipe must drain or the plugin blocks)
sub read_stream {
  my ($run, $name) = @_;
  my $fh = $run->{fh}{$name};
  my $n = sysread $fh, my $chunk, READ_CHUNK;
  return if !defined $n && $! == EAGAIN;
  if (!$n) { $streams->close($run, $name); return maybe_finish($run) }
  if ($name eq 'exec') { $run->{spawn_errno} = unpack 'N', $chunk; return }
  keep_output($run, $name, $chunk, $n);
}

### reap every exited child; a plugin's exit starts the pipe-drain window
sub reap {
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    my $run = delete $run_of_pid{$pid} or next;
    $run->{exited} = 1;
    $run->{status} = $?;
    $run->{drain_at} = clock_gettime(CLOCK_MONOTONIC) + $run->{drain} if $run->{open};
    maybe_finish($run);
  }
}

### stdin closed or TERM/INT/HUP: stop every run as if aborted, answer them, then exit
sub stop_all {
  $stdin_open = 0;
  for my $run (values %runs) {
    next if $run->{exited};
    $run->{aborted} = 1;
    terminate($run);
  }
}

sub spawn_failed {
  my ($run, $errno) = @_;
  $run->{spawn_errno} = $errno;
  $run->{exited} = 1;
  maybe_finish($run);
}

sub maybe_finish {
  my ($run) = @_;
  return if $run->{done} || !$run->{exited} || $run->{open} > 0;
  $run->{done} = 1;
  delete $runs{ $run->{id} };
  emit(result_line($run));
}

### stdout: answers are queued, then written as the pipe accepts them, so a slow reader never stalls the loop
sub emit {
  $out_buf .= "$_[0]\n";
}

sub write_answers {
  return if !$stdout_ok || write_queue(\*STDOUT, \$out_buf);
  $stdout_ok = 0;    # Node is gone: nobody to answer; stop everything and leave
  $stopping ||= 1;
}

__END__

=head1 NAME

mg-spawner.pl - fork and exec plugins for the mg-workhorse worker

=head1 SYNOPSIS

  perl perl/mg-spawner.pl        # started by src/exec/helper-spawner.ts, spoken to over stdin/stdout

  # by hand (strings are base64: "L2Jpbi9lY2hv" is /bin/echo, "aGk=" is hi):
  echo '{"type":"run","id":1,"argv":["L2Jpbi9lY2hv","aGk="],"env":[],"timeoutMs":5000,"killGraceMs":2000,"maxOutputBytes":1048576,"pipeDrainMs":100}' \
    | perl perl/mg-spawner.pl

=head1 DESCRIPTION

Forking a large Node process costs the event loop about 1.6 ms per plugin. This helper is small, so its
forks are cheap, and it does them off the Node event loop. It runs many plugins at once. For each it
creates stdout, stderr and exec-status pipes and forks. The child gets its own process group (setpgid,
not setsid: a session per plugin costs a scheduler autogroup each), reads stdin from F</dev/null>, adds
the requested environment, changes to the requested directory and execs the argv (execvp: a bare name
is looked up in PATH) or C</bin/sh -c LINE>. A failed exec writes its errno to the exec-status pipe; that pipe closes unread on a
successful exec.

One poll() loop reads all pipes without blocking. Each stream keeps at most C<maxOutputBytes>; the rest
is read and dropped so the plugin never blocks on a full pipe. At C<timeoutMs> the plugin's process group
gets SIGTERM and, C<killGraceMs> later, SIGKILL. When the plugin exits but something (C<sleep 100 &>)
still holds its pipes, the helper waits C<pipeDrainMs>, SIGKILLs the group and answers. Children are
reaped with waitpid() on SIGCHLD.

The deadlines, the kills, the output cap, the answer queue and the pipe bookkeeping are shared with the
Embedded Perl farm in F<lib/MgWorkhorse/RunLoop.pm> and F<lib/MgWorkhorse/Streams.pm> next to this script
(core modules only); the helper finds them from its own path, so copy F<perl/> whole.

=head1 PROTOCOL

One JSON object per line each way. Every string that Node sends (argv, shell line, env, cwd) is base64
of its UTF-8 bytes. The helper then needs no general JSON parser: JSON::PP took 175 us to decode one
request (a fifth of a core at 1,100 runs/s); the regex decoder takes 18 us. Results are written by
sprintf, and their output fields are base64 too, so bytes pass unchanged, including invalid UTF-8.
The TypeScript types are in F<src/exec/spawner-protocol.ts>.

=over 4

=item helper to Node, once at start

  {"type":"ready","pid":1234,"version":1}

=item Node to helper: run

  {"type":"run","id":7,"argv":[B64,...],"env":[B64("KEY=VALUE"),...],"cwd":B64,
   "timeoutMs":60000,"killGraceMs":2000,"maxOutputBytes":10485760,"pipeDrainMs":100}

Instead of C<argv>, C<"shell":B64> runs C</bin/sh -c LINE>. C<env> is added to the environment that the
helper inherited. C<cwd> is optional.

=item Node to helper: cancel

  {"type":"cancel","id":7}

This signals the group as a timeout does. The result then has C<"aborted":true>.

=item helper to Node: started

  {"type":"started","id":7,"pid":4321}

Sent right after the fork. The pid is also the process group id. Node records it, so the daemon can
still kill the group when it exits. If this helper dies, Node kills every process left in the helper's
session: plugins stay in it because they get a new process group, not a new session.

=item helper to Node: result

  {"type":"result","id":7,"exitCode":0,"signal":null,"timedOut":false,"aborted":false,
   "forcefullyKilled":false,"stdout":B64,"stderr":B64,"stdoutTruncated":false,
   "stderrTruncated":false,"startedAt":1700000000000.123,"durationMs":3.2}

C<signal> is the signal number, or null. C<startedAt> is epoch milliseconds. When fork, pipe, chdir or
exec failed, C<"spawnError":{"errno":N}> is added and C<exitCode> is null. Results come in completion
order.

=item helper to Node: error

  {"type":"error","id":7,"message":"..."}

Sent for a line it cannot use.

=back

=head1 SIGNALS

=over 4

=item TERM, INT, HUP, or EOF on stdin

The helper stops. Every running plugin is treated as cancelled: its group gets TERM, then KILL after its
grace period. The helper answers each run while stdout is still open, then exits.

=item CHLD

Wakes the loop, which then reaps the children.

=item PIPE

Ignored. A write error on stdout means that Node is gone: the helper stops as above, without answering.

=back

Plugins get default signal handling: handlers are reset before exec.

=head1 ENVIRONMENT

C<MG_SPAWNER_DEBUG=1> logs every run to stderr.

=cut
