package MgWorkhorse::EpnRunner;
# Persistent runners, the farm's opt-in no-fork mode (docs/epn.md, "Persistent runners"). A runner is a child the
# farm forks from its own interpreter, so it holds the plugins compiled so far; it then runs one check after the
# other IN ITS OWN PROCESS, and a check costs no fork. Run-time state a plugin leaves in its package (counters,
# caches, objects) is still there at the runner's next check of it: that is the trade-off of reference epn.md R4,
# and the reason only plugins that opt in (and pass mg-epn-check's twice-in-one-interpreter run) come here.
#
# Farm side (called from mg-epn-farm.pl's loop): configure, submit, readable, reaped, note_compile, close_fds.
# Runner side: runner_main (in the forked runner; never returns), then MgWorkhorse::EpnRunnerLoop.
#
# Farm → runner, the request pipe: one line per check, tab-separated base64 fields: id, file, the number of
# arguments, the arguments, then the environment as key, value pairs. Runner → farm, the report pipe: the E line
# of MgWorkhorse::EpnChild::report. Output goes to two temp files, unlinked as soon as they are opened, that the
# runner has on fds 1 and 2 (O_APPEND, truncated before each check): print, syswrite, system() children all land
# there, and a plugin that writes much cannot block on a pipe while the farm waits for its report.
use strict;
use warnings;
use Config ();
use Errno qw(EAGAIN EINTR);
use Fcntl qw(O_WRONLY O_RDONLY O_CREAT O_EXCL O_APPEND);
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use MgWorkhorse::EpnRunnerLoop ();
use MgWorkhorse::PadCheck ();

use constant READ_CHUNK => 65536;
# A runner killed by SIGTERM/SIGKILL this close to its check's deadline was killed by Node for that deadline
# (Node's clock starts when it writes the request, a little before the farm reads it): the check gets the plain
# timeout answer, as in fork mode, not the "runner ended" one.
use constant DEADLINE_SKEW_MS => 1000;

my %Opt = (runners => 2, max_checks => 10000);
# The farm's callbacks: started($run), done($run), reports($run) (parses $run->{ctl_buf} into $run->{end}),
# watch($fh), unwatch($fh), close_farm_fds() (in a new runner), cached() (file => cache entry of every plugin
# the farm holds compiled now), log($text).
my %Hook;
my %Runner;    # pid => { pid, req, rep, out, err (the farm's handles), files (the snapshot), run, checks, retired }
my %Of_fd;     # fileno of a report pipe => its runner
my @Queue;     # persistent runs waiting for a runner, oldest first
my $Seq = 0;
my @SIG_NAME = split ' ', $Config::Config{sig_name};

# Sets the options (runners: at most this many at once; max_checks: a runner exits after that many checks, 0 =
# never) and the farm's callbacks.
sub configure {
  my (%o) = @_;
  for (qw(runners max_checks)) { $Opt{$_} = $o{$_} if defined $o{$_} }
  %Hook = (%Hook, %{ $o{hooks} || {} });
  return;
}

### farm side

# Whether the compiled plugin of cache entry $entry can run in a runner; logged once when not. A named sub that
# uses a file-scope `my` variable captured the handler's copy of it at compile time, and perl gives the handler a
# fresh copy on each later call (it replaces a pad entry still referenced when the scope ends): from a runner's
# second check of the plugin on, such subs would read stale values (R3). Fork mode runs the handler once per
# process, so there they are right; such a plugin runs forked.
sub fits {
  my ($entry, $file) = @_;
  $entry->{runner_ok} //= do {
    my $sub = MgWorkhorse::PadCheck::shared_lexical_sub($file);
    $Hook{log}->("$file: named sub $sub uses a file-scope lexical, so its checks run forked, not in a persistent runner (R3)") if $sub;
    $sub ? 0 : 1;
  };
  return $entry->{runner_ok};
}


# A check of a plugin the farm holds compiled ($run->{entry} is its cache entry): it waits for a runner that
# holds that very compile (a persistent check never falls back to a fork).
sub submit {
  my ($run) = @_;
  # While it waits there is no process to TERM: a deadline answers it at once (the farm's timers wait `grace`
  # between TERM and KILL, and Node gives up on a check unanswered after its own grace).
  $run->{kill_grace} = $run->{grace};
  $run->{grace} = 0;
  push @Queue, $run;
  dispatch();
  return;
}

# Hands queued runs to runners, in order, while runners can take them.
sub dispatch {
  while (@Queue) {
    my $run = $Queue[0];
    if ($run->{done} || $run->{terminating}) { shift @Queue; next }    # its deadline passed while it waited
    my $runner = pick($run) or return;
    shift @Queue;
    send_run($runner, $run);
  }
  return;
}

# An idle runner that holds the run's compile; else a new runner while there is room (an idle runner that does
# not hold it gives its place up). Runners holding an older compile of the plugin are retired: never stale.
sub pick {
  my ($run) = @_;
  my ($file, $entry) = @$run{qw(file entry)};
  my @idle = grep { !$_->{retired} && !$_->{run} } values %Runner;
  for my $r (@idle) {
    my $held = $r->{files}{$file};
    return $r if $held && $held == $entry;
  }
  retire($_) for grep { $_->{files}{$file} } @idle;
  my @live = grep { !$_->{retired} } values %Runner;
  if (@live >= $Opt{runners}) {
    my ($spare) = grep { !$_->{run} } @live;
    return undef unless $spare;
    retire($spare);
  }
  return spawn_runner();
}

# Forks a runner; undef when that fails (the run keeps waiting, bounded by its deadline).
sub spawn_runner {
  my ($out_w, $out_r) = temp_pair();
  my ($err_w, $err_r) = temp_pair();
  my ($req_r, $req_w, $rep_r, $rep_w);
  if (!$out_w || !$err_w || !pipe($req_r, $req_w) || !pipe($rep_r, $rep_w)) {
    $Hook{log}->("persistent runner: cannot make its files or pipes: $!");
    return undef;
  }
  my $files = $Hook{cached}->();
  my $pid = fork;
  if (!defined $pid) {
    $Hook{log}->("persistent runner: fork failed: $!");
    return undef;
  }
  if (!$pid) {
    close $_ for $req_w, $rep_r, $out_r, $err_r;
    runner_main({ req => $req_r, rep => $rep_w, out => $out_w, err => $err_w, files => $files });
  }
  close $_ for $req_r, $rep_w, $out_w, $err_w;
  setpgrp($pid, $pid);    # from this side too, so a kill(-pid) right after the fork cannot miss the group
  my $r = { pid => $pid, req => $req_w, rep => $rep_r, out => $out_r, err => $err_r, files => $files, checks => 0, watched => 1 };
  $Runner{$pid} = $r;
  $Of_fd{ fileno $rep_r } = $r;
  $Hook{watch}->($rep_r);
  return $r;
}

# Two handles on one new temp file, unlinked at once (nothing is left behind however the farm ends): the runner
# writes through the first (O_APPEND), the farm reads through the second, with its own file offset.
sub temp_pair {
  my $dir = defined $ENV{TMPDIR} && -d $ENV{TMPDIR} ? $ENV{TMPDIR} : '/tmp';
  for (1 .. 10) {
    my $path = sprintf '%s/mg-epn-runner-%d-%d-%d', $dir, $$, ++$Seq, int rand 1e9;
    sysopen(my $w, $path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0600) or next;
    my $r;
    my $ok = sysopen($r, $path, O_RDONLY);
    unlink $path;
    return $ok ? ($w, $r) : ();
  }
  return;
}

# Writes the check to an idle runner and tells the farm (its `started` names the runner's process group).
sub send_run {
  my ($r, $run) = @_;
  my @fields = ($run->{id}, $run->{file}, scalar @{ $run->{args} }, @{ $run->{args} }, %{ $run->{env} });
  my $line = join("\t", map { encode_base64($_, '') } @fields) . "\n";
  $r->{run} = $run;
  $r->{checks}++;
  $run->{grace} = $run->{kill_grace};
  @$run{qw(pid ctl_buf)} = ($r->{pid}, '');
  my $off = 0;
  while ($off < length $line) {    # the runner waits in read(); a write error means it died: reaped() answers
    my $n = syswrite $r->{req}, $line, length($line) - $off, $off;
    next if !defined $n && $! == EINTR;
    last unless $n;
    $off += $n;
  }
  $Hook{started}->($run);
  return;
}

# The farm's loop found $fd readable: true when it is a runner's report pipe (then the report is read).
sub readable {
  my ($fd) = @_;
  my $r = $Of_fd{$fd} or return 0;
  read_report($r);
  return 1;
}

# Reads what the runner reported; its E line ends the check.
sub read_report {
  my ($r) = @_;
  my $n = sysread $r->{rep}, my $chunk, READ_CHUNK;
  return if !defined $n && ($! == EAGAIN || $! == EINTR);
  if (!$n) { unwatch($r); return }    # the runner is gone: reaped() answers its check
  my $run = $r->{run} or return;
  $run->{ctl_buf} .= $chunk;
  $Hook{reports}->($run);
  complete($r, (($run->{end}{code} || 0) & 0xFF) << 8) if $run->{end};
  return;
}

# The runner's check is over: its output from the files, then the farm answers it.
sub complete {
  my ($r, $status) = @_;
  my $run = delete $r->{run} or return;
  read_output($run, $_, $r->{$_}) for qw(out err);
  @$run{qw(exited status)} = (1, $status);
  retire($r) if $Opt{max_checks} && $r->{checks} >= $Opt{max_checks};    # recycled: state cannot grow forever
  close_request($r) if $r->{retired};
  $Hook{done}->($run);
  dispatch();
  return;
}

# What the check wrote on fd 1 or 2, up to the run's cap; `seen` counts all of it (for the truncated flags).
sub read_output {
  my ($run, $name, $fh) = @_;
  my $size = (stat $fh)[7] // 0;
  my $want = $size < $run->{max} ? $size : $run->{max};
  my $buf  = '';
  sysseek $fh, 0, 0;
  while (length $buf < $want) {
    my $n = sysread $fh, $buf, $want - length $buf, length $buf;
    last unless $n;
  }
  $run->{buf}{$name}  = $buf;
  $run->{seen}{$name} = $size;
  return;
}

# A child of the farm ended. When it was a runner: its check (if any) is answered, from its report when it wrote
# one; else UNKNOWN naming how the runner ended, unless it was killed for the check's deadline (then the answer
# is a timeout, as in fork mode). Returns true when $pid was a runner.
sub reaped {
  my ($pid, $status) = @_;
  my $r = delete $Runner{$pid} or return 0;
  if ($r->{run} && $r->{watched}) {    # the report may still be in the pipe: read what is there, do not wait
    vec(my $bits = '', fileno $r->{rep}, 1) = 1;
    read_report($r) while $r->{run} && $r->{watched} && select(my $ready = $bits, undef, undef, 0) > 0;
  }
  if (my $run = $r->{run}) {
    if (!killed_for_deadline($run, $status)) {
      my $how = $status & 127 ? 'killed by SIG' . ($SIG_NAME[ $status & 127 ] // $status & 127) : 'exit code ' . ($status >> 8);
      $run->{end} = { kind => 'die', code => 3, modules => '', message => "the persistent runner (pid $pid) ended during the check: $how" };
      $status = 3 << 8;
    }
    complete($r, $status);
  }
  unwatch($r);
  close $_ for grep {defined} @$r{qw(req rep out err)};
  dispatch();
  return 1;
}

# Whether the runner was killed for its check's deadline: by the farm, or by Node (TERM or KILL near the deadline).
sub killed_for_deadline {
  my ($run, $status) = @_;
  return 1 if $run->{terminating};
  my $sig = $SIG_NAME[ $status & 127 ] // '';
  return 0 unless $sig eq 'TERM' || $sig eq 'KILL';
  return (clock_gettime(CLOCK_MONOTONIC) - $run->{t0}) * 1000 >= $run->{timeout_ms} - DEADLINE_SKEW_MS;
}

# The farm compiled $file into itself again: runners holding an older compile of it finish their check and exit.
sub note_compile {
  my ($file, $entry) = @_;
  for my $r (values %Runner) { retire($r) if $r->{files}{$file} && $r->{files}{$file} != $entry }
  return;
}

# A runner takes no more checks: EOF on its request pipe once it is idle makes it exit.
sub retire {
  my ($r) = @_;
  $r->{retired} = 1;
  close_request($r) unless $r->{run};
  return;
}

sub close_request {
  my ($r) = @_;
  close delete $r->{req} if $r->{req};
  return;
}

sub unwatch {
  my ($r) = @_;
  return unless $r->{watched};
  $r->{watched} = 0;
  delete $Of_fd{ fileno $r->{rep} };
  $Hook{unwatch}->($r->{rep});
  return;
}

# In a child the farm forks (a check's child, a new runner): the runners' farm-side fds are not its business,
# and a runner's request pipe held open elsewhere would keep that runner from seeing EOF when it is retired.
sub close_fds {
  for my $r (values %Runner) { POSIX::close(fileno $_) for grep { defined && defined fileno $_ } @$r{qw(req rep out err)} }
  return;
}

### runner side

# The runner: own process group, the farm's fds closed, output files on fds 1 and 2; then one check per request
# line until EOF (retired, recycled, or the farm is gone). Never returns.
sub runner_main {
  my ($h) = @_;
  my $ok = eval {
    $SIG{$_} = 'DEFAULT' for qw(CHLD PIPE TERM INT HUP ALRM);
    setpgrp(0, 0);
    $h->{pid} = $$;
    $Hook{close_farm_fds}->();
    close_fds();
    (%Runner, %Of_fd, @Queue) = ();
    $h->{inc} = { map { $_ => 1 } keys %INC };
    $h->{plugin_files} = { map { $_ => 1 } keys %{ $h->{files} } };
    MgWorkhorse::EpnRunnerLoop::run($h);
    1;
  };
  print STDERR "mg-epn-farm: persistent runner $$ failed: $@" unless $ok;
  POSIX::_exit($ok ? 0 : 70);
}

1;
