#!/usr/bin/perl
# A vfork launcher of mg-workhorse: runs ONE plugin at a time with Proc::FastSpawn (vfork + exec: no page
# tables copied, no copy-on-write faults before the exec), for src/exec/launcher-spawner.ts, which keeps a pool
# of them. Same line protocol as perl/mg-spawner.pl. Code first, POD at the end.
use strict;
use warnings;
use Errno qw(EINTR EAGAIN ENOENT EACCES E2BIG);
use POSIX qw(WNOHANG);
use Proc::FastSpawn qw(spawn);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

# perl/lib next to this script, as in mg-spawner.pl (a plain dirname: File::Spec would load Cwd too).
BEGIN { unshift @INC, (__FILE__ =~ m{\A(.*)/} ? $1 : '.') . '/lib' }
use MgWorkhorse::RawFds qw(cloexec_pipe close_fd pidfd_of read_fd close_inherited_fds);
use MgWorkhorse::RunLoop qw(run_timers next_timeout terminate keep_output write_queue nonblocking drain_wake);
use MgWorkhorse::SpawnerProtocol qw(decode_line parse_run new_run ready_line error_line result_line);
use MgWorkhorse::GroupKill qw(signal_own_group);

use constant READ_CHUNK => 65536;
# Linux: one argv or envp string may hold at most 32 pages (MAX_ARG_STRLEN); execve says E2BIG beyond.
use constant MAX_ARG_STRLEN => 32 * 4096;
my $ARG_MAX = POSIX::sysconf(POSIX::_SC_ARG_MAX()) || 2 * 1024 * 1024;

# Node gave us pipes on fds 0, 1 and 2. A vfork'd plugin inherits every fd without close-on-exec, so the control
# pipes move to new fds (perl marks fds above $^F close-on-exec), fd 0 becomes /dev/null for good, and fds 1 and 2
# point at a run's pipes only around its spawn() (4 dup2 per run, about 1 us each).
# The plugin shares our process group and timeouts signal that group: never let it be someone else's (Node starts
# us detached, so this only acts when started by hand or from a test).
POSIX::setsid() unless getpgrp() == $$;
close_inherited_fds();

open my $ctl_in,  '<&', \*STDIN  or die "mg-launcher: dup stdin: $!\n";
open my $ctl_out, '>&', \*STDOUT or die "mg-launcher: dup stdout: $!\n";
open my $log,     '>&', \*STDERR or die "mg-launcher: dup stderr: $!\n";
open STDIN,  '<', '/dev/null' or die "mg-launcher: /dev/null: $!\n";
open STDOUT, '>', '/dev/null' or die "mg-launcher: /dev/null: $!\n";
open my $null_w, '>', '/dev/null' or die "mg-launcher: /dev/null: $!\n";    # what fd 1 points at between runs
opendir my $home, '.' or die "mg-launcher: opendir .: $!\n";    # chdir back here after a run's cwd

# Everything here runs once per check, on a core that mostly ran something else since: the per-run path is kept
# to few statements and syscalls (bare fds from MgWorkhorse::RawFds, one read per readable pipe, no per-turn
# allocations), which cut its CPU per run by about a fifth against a loop built on the spawn helper's generic parts.
my $run;           # the run in flight, or undef
my %one;           # (1 => $run) while there is one: the RunLoop timer helpers take a hash of runs
my @strays;        # pids of answered runs not reaped yet (stuck in the kernel after SIGKILL)
my $in_buf     = '';
my $out_buf    = '';
my $stdin_open = 1;
my $stdout_ok  = 1;
my $stopping   = 0;
my $stopped    = 0;
my @base_env;      # "KEY=VALUE" of our environment, built once
my $ctl_fd = fileno $ctl_in;

# TERM, INT and HUP do not stop a launcher: its plugin shares its group, and a plugin's `kill 0` (or `kill -- -$$`
# from a child) must only end the plugin, as with a group of its own. Node stops launchers by closing stdin, and
# kills them with SIGKILL. Handlers, not IGNORE, for these and PIPE: an ignored signal stays ignored across exec,
# and plugins must get the default (`yes | head` ends by SIGPIPE); exec resets a handler. Writes still see EPIPE.
$SIG{$_} = sub { } for qw(TERM INT HUP PIPE);
# The child's exit: its pidfd turns readable. Without pidfds (see RawFds.pm), SIGCHLD writes a byte to a pipe.
my ($wake_r, $wake_w);
my $use_pidfd = do { my $fd = pidfd_of($$); defined $fd && close_fd($fd) ? 1 : 0 };
if ($use_pidfd) { $SIG{CHLD} = 'DEFAULT' }
else {
  pipe($wake_r, $wake_w) or die "mg-launcher: pipe: $!\n";
  nonblocking('mg-launcher', $_) for $wake_r, $wake_w;
  $SIG{CHLD} = sub { syswrite $wake_w, 'c' };
}
nonblocking('mg-launcher', $_) for $ctl_in, $ctl_out;
binmode $_ for $ctl_in, $ctl_out;
my $rin_base = '';
vec($rin_base, $_, 1) = 1 for $ctl_fd, $wake_r ? fileno $wake_r : ();

$out_buf .= ready_line() . "\n";
main_loop();
exit 0;

sub main_loop {
  while (1) {
    if (($stopping || !$stdin_open) && !$stopped) {
      $stopped = 1;
      if ($run && !$run->{exited}) { $run->{aborted} = 1; terminate($run) }
    }
    write_answers() if length $out_buf;
    last if $stopped && !$run && ($out_buf eq '' || !$stdout_ok);
    my $rin = $rin_base;
    my $wait;
    if ($run) {
      vec($rin, $_, 1) = 1 for values %{ $run->{fh} };
      vec($rin, $run->{pidfd}, 1) = 1 if defined $run->{pidfd};
      $wait = next_timeout(\%one);
      # No pidfd for this run (pidfd_open failed, e.g. out of fds) and SIGCHLD not caught: look for its exit
      # every millisecond once its pipes are closed.
      $wait = 0.001 if $use_pidfd && !defined $run->{pidfd} && !$run->{exited} && !$run->{open} && (!defined $wait || $wait > 0.001);
    }
    my $win = '';
    vec($win, fileno $ctl_out, 1) = 1 if length $out_buf && $stdout_ok;
    my $n = select(my $rout = $rin, $win, undef, $wait);
    if ($n < 0) {
      die "mg-launcher: select: $!\n" if $! != EINTR;
      next;
    }
    read_requests() if vec($rout, $ctl_fd, 1);
    if ($run) {
      my $fh = $run->{fh};
      read_stream($run, 'out') if defined $fh->{out} && vec($rout, $fh->{out}, 1);
      read_stream($run, 'err') if $run && defined $fh->{err} && vec($rout, $fh->{err}, 1);
    }
    if ($wake_r && vec($rout, fileno $wake_r, 1)) { drain_wake($wake_r); reap() }
    reap() if $run && (defined $run->{pidfd} ? vec($rout, $run->{pidfd}, 1) : $use_pidfd && !$run->{open});
    run_timers(\%one, \&close_stream, \&maybe_finish) if $run && defined $wait && ($n == 0 || $wait == 0);
  }
}

sub read_requests {
  my $n = sysread $ctl_in, $in_buf, READ_CHUNK, length $in_buf;
  return if !defined $n && ($! == EAGAIN || $! == EINTR);
  if (!$n) { $stdin_open = 0; vec($rin_base, $ctl_fd, 1) = 0; return }
  while ((my $nl = index $in_buf, "\n") >= 0) {
    handle_request(decode_line(substr $in_buf, 0, $nl + 1, ''));
  }
}

sub handle_request {
  my ($m) = @_;
  my $type = $m->{type} // '';
  my $id   = $m->{id};
  if ($type eq 'cancel' && defined $id) {
    if ($run && $run->{id} == $id && !$run->{exited}) { $run->{aborted} = 1; terminate($run) }
    return;
  }
  return emit(error_line($id, "not a valid request: type=$type")) if $type ne 'run' || !defined $id || $id !~ /^\d+$/;
  return emit(error_line($id, "busy with run $run->{id}: a launcher runs one plugin at a time")) if $run;
  my ($error, $argv, $env, $cwd) = parse_run($m);
  return emit(error_line($id, $error)) if defined $error;
  $run = $one{1} = new_run($id, $m);
  start_run($argv, $env, $cwd);
}

### spawn with fds 1 and 2 on the run's pipes; the plugin inherits our process group (see GroupKill.pm)
sub start_run {
  my ($argv, $env, $cwd) = @_;
  reap_strays() if @strays;
  my $envp = environment($env);
  my ($errno, $path) = resolve($argv->[0], $envp);
  $errno //= too_big($argv, $envp);
  return spawn_failed($errno) if $errno;
  # execvp runs a file without a #! line or ELF header with /bin/sh (ENOEXEC); spawn() would exit 127.
  ($path, $argv) = ('/bin/sh', [ $argv->[0], $path, @$argv[ 1 .. $#$argv ] ]) if needs_shell($path);
  my ($out_r, $out_w) = cloexec_pipe() or return spawn_failed($! + 0);
  my ($err_r, $err_w) = cloexec_pipe() or do { my $e = $! + 0; close_fd($_) for $out_r, $out_w; return spawn_failed($e) };
  if (defined $cwd && !chdir $cwd) { my $e = $! + 0; close_fd($_) for $out_r, $out_w, $err_r, $err_w; return spawn_failed($e) }
  # dup2 clears close-on-exec on fds 1 and 2 only: the plugin gets its two pipe ends there and no other.
  POSIX::dup2($out_w, 1);
  POSIX::dup2($err_w, 2);
  my $pid = spawn($path, $argv, $envp);
  my $spawn_errno = $! + 0;
  POSIX::dup2(fileno $null_w, 1);
  POSIX::dup2(fileno $log, 2);
  chdir $home if defined $cwd;
  close_fd($_) for $out_w, $err_w;
  if (!defined $pid) { close_fd($_) for $out_r, $err_r; return spawn_failed($spawn_errno) }
  $run->{pid}        = $pid;
  $run->{kill_group} = \&signal_own_group;
  $run->{pidfd}      = pidfd_of($pid) if $use_pidfd;
  @{ $run->{fh} }{qw(out err)} = ($out_r, $err_r);
  $run->{open} = 2;
  # No `started` line: Node needs no pid to clean up (the group to kill is ours), and one line fewer per run
  # is one wake-up fewer of the worker's event loop.
}

# The plugin's environment: ours plus the run's KEY=VALUE entries (these win).
sub environment {
  my ($env) = @_;
  @base_env = map { "$_=$ENV{$_}" } keys %ENV unless @base_env;
  return \@base_env unless @$env;
  my %e = map { split /=/, $_, 2 } @base_env;
  for my $kv (@$env) { my ($k, $v) = split /=/, $kv, 2; $e{$k} = $v // '' }
  return [ map { "$_=$e{$_}" } keys %e ];
}

# execvp's lookup, done first: a failed exec in a vfork child only shows as exit 127, which a plugin may also
# return. (errno) or (undef, path to spawn).
sub resolve {
  my ($file, $envp) = @_;
  return (ENOENT) if $file eq '';
  return (undef, $file) if index($file, '/') >= 0 && -x $file && !-d _;
  return (stat $file ? EACCES : $! + 0) if index($file, '/') >= 0;
  my ($path) = map { /\APATH=(.*)\z/s ? $1 : () } @$envp;
  my $errno = ENOENT;
  for my $dir (split /:/, $path // '/bin:/usr/bin', -1) {
    my $f = ($dir eq '' ? '.' : $dir) . "/$file";
    next unless stat $f;
    return (undef, $f) if -x _ && !-d _;
    $errno = EACCES;    # as execvp: remember, keep searching
  }
  return ($errno);
}

# True for an executable that the kernel cannot exec by itself: neither "#!" nor an ELF header. Cached by path
# while its inode and mtime stay (reading two bytes per run would cost an open per check).
my %needs_shell;
sub needs_shell {
  my ($path) = @_;
  my @st = stat $path or return 0;
  my $key = "$st[1]:$st[9]";
  my $c = $needs_shell{$path};
  return $c->[1] if $c && $c->[0] eq $key;
  my $head = '';
  if (open my $fh, '<:raw', $path) { read $fh, $head, 4 }
  %needs_shell = () if keys %needs_shell > 10_000;
  $needs_shell{$path} = [ $key, ($head =~ /\A(?:#!|ELF)/ ? 0 : 1) ];
  return $needs_shell{$path}[1];
}

# E2BIG as execve would say it: one string over MAX_ARG_STRLEN, or all of them with their pointers over ARG_MAX.
# Our own environment is measured once; most runs add nothing to it.
my $base_env_size;
sub too_big {
  my ($argv, $envp) = @_;
  my $total = 0;
  for ($envp == \@base_env ? @$argv : (@$argv, @$envp)) {
    my $len = length($_) + 1;
    return E2BIG if $len > MAX_ARG_STRLEN;
    $total += $len + 8;
  }
  if ($envp == \@base_env) {
    $base_env_size //= do { my $t = 0; $t += length($_) + 9 for @base_env; $t };
    $total += $base_env_size;
  }
  return $total > $ARG_MAX ? E2BIG : undef;
}


# One read per readable pipe and loop turn: the fds block (no fcntl per run), and select said this read will not.
sub read_stream {
  my ($r, $name) = @_;
  my $n = read_fd($r->{fh}{$name}, my $chunk, READ_CHUNK);
  return if !defined $n && ($! == EAGAIN || $! == EINTR);
  return keep_output($r, $name, $chunk, $n) if $n;
  close_stream($r, $name);
  return if $r->{open};
  # The plugin's last pipe closed: it has most likely exited. Reap it now, so that the answer goes out without
  # another loop turn for its pidfd or SIGCHLD.
  reap() if !$r->{exited};
  maybe_finish($r);
}

sub close_stream {
  my ($r, $name) = @_;
  my $fd = delete $r->{fh}{$name} // return;
  close_fd($fd);
  $r->{open}--;
}

# Reaps the run's plugin if it has exited (it is our only child but for @strays).
sub reap {
  return unless $run && $run->{pid} && !$run->{reaped};
  return if waitpid($run->{pid}, WNOHANG) <= 0;
  $run->{reaped} = $run->{exited} = 1;
  $run->{status} = $?;
  close_fd(delete $run->{pidfd}) if defined $run->{pidfd};
  $run->{drain_at} = clock_gettime(CLOCK_MONOTONIC) + $run->{drain} if $run->{open};
  maybe_finish($run);
}

sub reap_strays { @strays = grep { waitpid($_, WNOHANG) == 0 } @strays }

sub spawn_failed {
  my ($errno) = @_;
  $run->{spawn_errno} = $errno;
  $run->{exited} = 1;
  maybe_finish($run);
}

sub maybe_finish {
  my ($r) = @_;
  return if $r->{done} || !$r->{exited} || $r->{open} > 0;
  $r->{done} = 1;
  if ($r->{pid} && !$r->{reaped}) {    # answered by the final timer: reaped before the next run starts
    push @strays, $r->{pid};
    close_fd(delete $r->{pidfd}) if defined $r->{pidfd};
  }
  $run = undef;
  %one = ();
  emit(result_line($r));
}

sub emit { $out_buf .= "$_[0]\n" }

sub write_answers {
  return if !$stdout_ok || write_queue($ctl_out, \$out_buf);
  $stdout_ok = 0;    # Node is gone: stop and leave
  $stopping ||= 1;
}

__END__

=head1 NAME

mg-launcher.pl - run one plugin at a time with vfork+exec for the mg-workhorse worker

=head1 SYNOPSIS

  perl perl/mg-launcher.pl     # started (detached: its own session and process group) by
                               # src/exec/launcher-spawner.ts, one per check in flight

=head1 DESCRIPTION

Forking costs a lot on small virtual machines: the page tables are copied and the child takes
copy-on-write faults until it execs. L<Proc::FastSpawn> uses vfork and exec instead, which costs
neither. It cannot give the child a process group of its own, though, and our timeouts kill whole
groups. So each launcher leads its own process group, runs one plugin at a time, and the plugin
shares the launcher's group: the group is the launcher plus that plugin's process tree.

Before each spawn the launcher points fd 1 and fd 2 at the run's pipes, changes to the run's directory
and builds the environment from its own plus the run's entries; afterwards it restores them. Its own
control pipes sit on fds above 2, closed on exec. fd 0 is F</dev/null>. A run's pipes are made with pipe2(O_CLOEXEC)
and read as bare fds, and the plugin's exit is seen on a pidfd (L<MgWorkhorse::RawFds>; where the kernel has
neither, Perl pipes and SIGCHLD). At start the launcher closes any fd above 2 that its parent left open without
close-on-exec, so a plugin holds fds 0, 1 and 2 and nothing else. The executable is looked up
first (as execvp does: PATH, EACCES, ENOENT, E2BIG), because a failed exec after vfork only shows as
exit code 127.

Timeouts send TERM to the group while the launcher ignores TERM for that moment, so it survives.
SIGKILL cannot be ignored: for the KILL phase, and for strays that still hold the pipes after the
plugin exited, the launcher SIGKILLs every other member of its group, found in F</proc>
(L<MgWorkhorse::GroupKill>). The run timers, output cap and answer queue are those of
F<lib/MgWorkhorse/RunLoop.pm>.

One difference to the spawn helper: a background process that a plugin leaves behind without a
session or group of its own (and without holding the plugin's pipes, else the pipe-drain window ends
it) stays in the launcher's group. It is ended by the next timeout in that launcher, or when the
launcher exits (Node kills what is left in a launcher's session), where with the helper it would live
on until the worker stops. Daemons that call setsid() are not affected.

=head1 PROTOCOL

The same lines as F<perl/mg-spawner.pl> (see its PROTOCOL section), with one run at a time: a run
request while one is in flight gets an error line, and there is no C<started> line: the plugin's
process group is the launcher's, whose pid Node knows.

=head1 SIGNALS

EOF on stdin: the run in flight is aborted as on a timeout and answered, then the launcher exits.
TERM, INT and HUP are caught and have no effect: the plugin shares the launcher's process group, so a
plugin's C<kill 0> reaches the launcher too and must not stop it. CHLD keeps its default, unless the
kernel has no pidfds: then it wakes the loop. Plugins get
default signal handling (handlers are reset by exec; nothing is ignored). SIGKILL of the launcher
leaves the plugin running in its group and session: the Node side kills the session.

=cut
