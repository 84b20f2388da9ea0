package MgWorkhorse::RunLoop;
# The run life cycle both Perl helpers share (perl/mg-spawner.pl and perl/mg-epn-farm.pl): deadlines, TERM then
# KILL to a run's process group, the pipe-drain window after the child exits, the output cap, and the queued
# answers on a non-blocking stdout. Only core modules: the spawn helper must stay small.
#
# A run is a hash; the fields read here: pid, exited, done, terminating, deadline, grace and drain (seconds, set
# by the script from its request or options), kill_at, drain_at, final_at (set here), fh, max, buf, seen.
use strict;
use warnings;
use Errno qw(EINTR EAGAIN);
use Exporter qw(import);
use Fcntl qw(F_GETFL F_SETFL O_NONBLOCK);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

our @EXPORT_OK = qw(run_timers next_timeout terminate kill_group keep_output write_queue nonblocking wake_on_signals
  drain_wake);

### deadlines: TERM to the group, KILL after the grace period, and never wait on pipes held by strays.
# $close->($run, $name) closes one of the run's pipes, $finish->($run) answers it once it can be answered.
sub run_timers {
  my ($runs, $close, $finish) = @_;
  my $now = clock_gettime(CLOCK_MONOTONIC);
  for my $run (values %$runs) {
    if (!$run->{exited} && !$run->{terminating} && $now >= $run->{deadline}) {
      $run->{timed_out} = 1;
      terminate($run);
    }
    if (defined $run->{kill_at} && $now >= $run->{kill_at}) {
      delete $run->{kill_at};
      $run->{forced} = 1 if kill_group($run, 'KILL');
      $run->{final_at} = $now + $run->{drain};
    }
    if (defined $run->{drain_at} && $now >= $run->{drain_at}) {
      delete $run->{drain_at};
      # what still holds the pipes is the plugin's leftover descendants
      $run->{forced} = 1 if kill_group($run, 'KILL') && $run->{terminating};
      $run->{final_at} = $now + $run->{drain};
    }
    if (defined $run->{final_at} && $now >= $run->{final_at}) {
      $close->($run, $_) for keys %{ $run->{fh} };
      $run->{exited} = 1;    # a child stuck in the kernel after SIGKILL: answer anyway, reap() drops it later
      $finish->($run);
    }
  }
}

# Seconds until the next deadline, kill or drain timer of any run (undef: none).
sub next_timeout {
  my ($runs) = @_;
  my $now = clock_gettime(CLOCK_MONOTONIC);
  my $next;
  for my $run (values %$runs) {
    for my $t ($run->{exited} || $run->{terminating} ? () : $run->{deadline}, @$run{qw(kill_at drain_at final_at)}) {
      $next = $t if defined $t && (!defined $next || $t < $next);
    }
  }
  return undef unless defined $next;
  return $next > $now ? $next - $now : 0;
}

# TERM to the run's group now, KILL after the grace period.
sub terminate {
  my ($run) = @_;
  return if $run->{terminating} || $run->{done};
  $run->{terminating} = 1;
  kill_group($run, 'TERM');
  $run->{kill_at} = clock_gettime(CLOCK_MONOTONIC) + $run->{grace};
}

# Signals the group, and the child itself should it not be in its group yet; returns how many got the group's.
sub kill_group {
  my ($run, $sig) = @_;
  return 0 unless $run->{pid};
  # A run whose plugin is not its own group leader (the vfork launcher's) brings its own way to signal it.
  return $run->{kill_group}->($sig) if $run->{kill_group};
  my $n = kill $sig, -$run->{pid};
  kill $sig, $run->{pid} if !$run->{exited};
  return $n;
}

# Plugin output: keeps up to the cap, counts and drops the rest (the pipe must drain or the plugin blocks).
sub keep_output {
  my ($run, $name, $chunk, $n) = @_;
  $run->{seen}{$name} += $n;
  my $room = $run->{max} - length $run->{buf}{$name};
  $run->{buf}{$name} .= $n <= $room ? $chunk : substr($chunk, 0, $room) if $room > 0;
}

# Writes queued answers ($$buf) to $fh as far as it takes them, so a slow reader never stalls the loop.
# Returns 0 when the write failed (Node is gone: the queue is dropped), else 1.
sub write_queue {
  my ($fh, $buf) = @_;
  while (length $$buf) {
    my $n = syswrite $fh, $$buf;
    if (!defined $n) {
      return 1 if $! == EAGAIN || $! == EINTR;
      $$buf = '';
      return 0;
    }
    substr $$buf, 0, $n, '';
  }
  return 1;
}

# Sets O_NONBLOCK on a handle; $who names the script in the error. A fresh pipe has no status flags to keep, so
# $fresh skips the F_GETFL (a syscall per pipe end per run in the spawner).
sub nonblocking {
  my ($who, $fh, $fresh) = @_;
  my $flags = 0;
  if (!$fresh) { $flags = fcntl $fh, F_GETFL, 0 or die "$who: fcntl: $!\n" }
  fcntl $fh, F_SETFL, $flags | O_NONBLOCK or die "$who: fcntl: $!\n";
}

# Self-pipe: signal handlers only write a byte, so a signal that arrives just before poll() or select() still
# wakes the loop. CHLD wakes it; TERM, INT and HUP also set $$stopping; SIGPIPE is ignored, as a vanished Node
# shows up as EPIPE on write. Returns the pipe's (read end, write end), both non-blocking.
sub wake_on_signals {
  my ($who, $stopping) = @_;
  pipe(my $wake_r, my $wake_w) or die "$who: pipe: $!\n";
  nonblocking($who, $_) for $wake_r, $wake_w;
  $SIG{CHLD} = sub { syswrite $wake_w, 'c' };
  $SIG{$_} = sub { $$stopping = 1; syswrite $wake_w, 's' } for qw(TERM INT HUP);
  $SIG{PIPE} = 'IGNORE';
  return ($wake_r, $wake_w);
}

# Empties the self-pipe once the loop woke up.
sub drain_wake {
  my ($wake_r) = @_;
  my $junk;
  1 while sysread $wake_r, $junk, 4096;
}

1;
