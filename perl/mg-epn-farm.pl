#!/usr/bin/perl
# The Embedded Perl farm of mg-workhorse: one long-lived Perl interpreter that compiles Perl plugins once, keeps
# them as subs, and runs each check in a forked child, several at once, for the Node worker that speaks to it
# over stdin/stdout (src/epn/farm-protocol.ts). This file is the loop and the protocol; compiling, the check's
# child, the exit/caller traps, JSON and the answers' texts are in perl/lib/MgWorkhorse/. Code first, POD last.
use strict;
use warnings;
use Errno qw(EINTR EAGAIN);
use Fcntl qw(F_SETFD FD_CLOEXEC);
use File::Spec ();
use IO::Select ();
use MIME::Base64 qw(decode_base64);
use POSIX qw(WNOHANG);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

our $LIB;    # perl/lib next to this script, found from __FILE__ (FindBin belongs to the plugins: R13)
BEGIN {
  my ($vol, $dir) = File::Spec->splitpath(File::Spec->rel2abs(__FILE__));
  $LIB = File::Spec->catdir(File::Spec->catpath($vol, $dir, ''), 'lib');
  unshift @INC, $LIB;
}
use MgWorkhorse::FarmJson qw(decode_json_line json_str);
use MgWorkhorse::FarmMessages qw(result_line failure_result_line compiled_line error_line);
use MgWorkhorse::EpnCompile ();
use MgWorkhorse::EpnChild ();
use MgWorkhorse::EpnRunner ();
use MgWorkhorse::EpnTraps ();
use MgWorkhorse::Streams ();
use MgWorkhorse::RunLoop
  qw(run_timers next_timeout terminate kill_group keep_output write_queue nonblocking wake_on_signals drain_wake);

# mg-epn-check's check mode: compile (or run twice in this interpreter) one plugin with the farm's own wrapper,
# print JSON lines, exit; the farm's loop never starts (see MgWorkhorse::LintCheck).
if (@ARGV >= 2 && $ARGV[0] =~ /\A--check(?:-run)?\z/) {
  require MgWorkhorse::LintCheck;
  MgWorkhorse::LintCheck::main($LIB, @ARGV);
}

use constant PROTOCOL_VERSION => 1;
use constant READ_CHUNK       => 65536;
use constant PRELOAD_TIMEOUT  => 2;    # seconds for one module to load in the parent
use constant DEBUG => (grep { $_ eq '-v' || $_ eq '--verbose' } @ARGV) ? 1 : ($ENV{MG_EPN_FARM_DEBUG} || 0);

my %opt = (
  max_checks => 0, preload => [], kill_grace_ms => 2000, pipe_drain_ms => 100, parent_compile_max_ms => 1000,
  auto_preload => 1, persistent_runners => 2, persistent_max_checks => 10000,
);
parse_options(@ARGV);

my %runs;            # id => run (a check, or the child of a `compile` request)
my %run_of_pid;      # pid => run
my %cache;           # file => { ident, state: probing | cached | child | failed, compiled, problem }
my %plugin_files;    # files compiled in this process: their END blocks belong to them only
my @batch;           # runs whose pipes are made, forked together at the end of a loop turn (see fork_batch)
my %inc_snapshot;    # the keys of this process's %INC, shared with every child for its newModules diff
my (@preload_queue, %preload_seen);
my $sel = IO::Select->new;
# Each run's 'out', 'err' and 'ctl' pipe: bare fds, read once each time select() says readable, so they stay
# blocking, and reap() asks select() before each read of the control pipe.
my $streams = MgWorkhorse::Streams->new(
  watch => sub { $sel->add($_[0]) }, unwatch => sub { $sel->remove($_[0]) }, close => sub { POSIX::close($_[0]) },
  fd    => sub { $_[0] },
);
my ($in_buf, $out_buf) = ('', '');
my ($stdin_open, $stdout_ok, $stopping, $stopped, $draining) = (1, 1, 0, 0, 0);
my $checks_started = 0;
my $parent_pid     = getppid();

# The protocol moves off fds 0 and 1: a plugin's BEGIN block that prints or reads STDIN while compiling in this
# process must not touch it. Children get /dev/null on 0 and their own pipes on 1 and 2.
open my $proto_in,  '<&', \*STDIN  or die "mg-epn-farm: dup stdin: $!\n";
open my $proto_out, '>&', \*STDOUT or die "mg-epn-farm: dup stdout: $!\n";
open STDIN,  '<', '/dev/null' or die "mg-epn-farm: /dev/null: $!\n";
open STDOUT, '>', '/dev/null' or die "mg-epn-farm: /dev/null: $!\n";
binmode $_ for $proto_in, $proto_out;

@INC = grep { $_ ne $LIB } @INC;    # plugins see perl's own @INC
MgWorkhorse::EpnCompile::set_base_inc(@INC);
MgWorkhorse::EpnTraps::install();    # from here on, `exit` and `caller` in newly compiled code are the farm's
for my $module (@{ $opt{preload} }) {
  (my $key = "$module.pm") =~ s{::}{/}g;
  my $err = MgWorkhorse::EpnCompile::preload($key, 30);
  logmsg("--preload $module failed: $err") if $err;
}

my ($wake_r, $wake_w) = wake_on_signals('mg-epn-farm', \$stopping);    # CHLD, TERM, INT, HUP wake select()
MgWorkhorse::EpnRunner::configure(
  runners => $opt{persistent_runners}, max_checks => $opt{persistent_max_checks},
  hooks   => {
    started => sub { emit(sprintf '{"type":"started","id":%s,"pid":%d}', $_[0]{id}, $_[0]{pid}) },
    done    => \&maybe_finish, reports => \&read_reports, log => \&logmsg, close_farm_fds => \&close_farm_fds,
    watch   => sub { $sel->add($_[0]) }, unwatch => sub { $sel->remove($_[0]) },
    cached  => sub { +{ map { $_ => $cache{$_} } grep { $cache{$_}{state} eq 'cached' } keys %cache } },
  },
);
nonblocking('mg-epn-farm', $_) for $proto_in, $proto_out;
$sel->add($wake_r, $proto_in);
my $write_sel = IO::Select->new($proto_out);

emit(sprintf '{"type":"ready","version":%d,"pid":%d,"perl":%s}', PROTOCOL_VERSION, $$, json_str("$^V"));
my $loop_ok = eval { main_loop(); 1 };
if (!$loop_ok) {
  logmsg("internal error, stopping: $@");
  kill_group($_, 'KILL') for values %runs;
}
# POSIX::_exit, not exit: perl would run the END blocks of every plugin compiled into this process (R20).
POSIX::_exit($loop_ok ? 0 : 70);

### the loop: select over stdin and every child's pipes, reap, run timers, answer
sub main_loop {
  while (1) {
    if (($stopping || !$stdin_open) && !$stopped) { $stopped = 1; stop_all() }
    write_output() if $out_buf ne '';
    last if ($stopped || $draining) && !%runs && ($out_buf eq '' || !$stdout_ok);
    my $timeout = next_timeout(\%runs);
    $timeout = 1 if !defined $timeout || $timeout > 1;    # the parent-pid check runs at least once a second
    my ($readable) = IO::Select->select($sel, ($out_buf ne '' && $stdout_ok ? $write_sel : undef), undef, $timeout);
    my $requests = 0;
    for my $fh (@{ $readable || [] }) {
      my $fd = ref $fh ? fileno $fh : $fh;    # the children's pipes are bare fds (see spawn)
      if    (!defined $fd)            { next }
      elsif ($fd == fileno $wake_r)   { drain_wake($wake_r) }
      elsif ($fd == fileno $proto_in) { $requests = 1 }
      elsif (my $s = $streams->of($fd)) { read_stream(@$s) }
      else { MgWorkhorse::EpnRunner::readable($fd) }    # a persistent runner's report
    }
    reap();
    # Requests last, so that this turn's answers are built before the new children are forked together: each
    # fork makes every page shared again, and each page the farm writes afterwards costs a copy (see fork_batch).
    if ($requests) { read_requests(); fork_batch() }
    run_timers(\%runs, sub { $streams->close(@_) }, \&maybe_finish);
    $stopping = 1 if getppid() != $parent_pid;    # the worker died, even when it was PID 1 (reference §10.7)
    run_preloads() if @preload_queue && !$stopped;
  }
}

### requests: one JSON object per line (PROTOCOL)
sub read_requests {
  my $n = sysread $proto_in, $in_buf, READ_CHUNK, length $in_buf;
  return if !defined $n && ($! == EAGAIN || $! == EINTR);
  if (!$n) { $stdin_open = 0; $sel->remove($proto_in); return }
  while ((my $nl = index $in_buf, "\n") >= 0) {
    my $line = substr $in_buf, 0, $nl + 1, '';
    handle_request($line) if $line =~ /\S/;
  }
}

# Dispatches one request line; anything unusable gets an `error` answer.
sub handle_request {
  my ($line) = @_;
  my ($m, $err) = decode_json_line($line);
  return emit_error(undef, "not a JSON line: $err") if defined $err;
  return emit_error(undef, 'a request must be a JSON object') if ref $m ne 'HASH';
  my $type = $m->{type} // '';
  my $id   = $m->{id};
  $id = undef if defined $id && (ref $id || $id !~ /\A[0-9]{1,15}\z/);
  if ($type eq 'invalidate') {
    return emit_error(undef, 'invalidate needs a file') unless defined $m->{file} && !ref $m->{file};
    delete $cache{ $m->{file} };
    return;
  }
  if ($type eq 'shutdown') { $draining = 1; return }
  return emit_error($id, "unknown request type '$type'") if $type ne 'run' && $type ne 'compile';
  return emit_error(undef, "a $type request needs a numeric id") unless defined $id;
  return emit_error($id, "id $id is in use") if $runs{$id};
  return emit_error($id, 'the farm is shutting down') if $draining || $stopped;
  my $problem = check_request($type, $m);
  return emit_error($id, $problem) if $problem;
  if ($type eq 'run') {
    $checks_started++;
    $draining = 1 if $opt{max_checks} && $checks_started >= $opt{max_checks};
  }
  start($type, $m);
}

# Returns what is wrong with a run or compile request, or ''.
sub check_request {
  my ($type, $m) = @_;
  return 'file must be a non-empty string' if !defined $m->{file} || ref $m->{file} || $m->{file} eq '';
  return 'timeoutMs must be a positive number' if !defined $m->{timeoutMs} || ref $m->{timeoutMs} || $m->{timeoutMs} <= 0;
  return '' if $type eq 'compile';
  $m->{args} //= [];
  $m->{env}  //= {};
  return 'args must be an array of strings' if ref $m->{args} ne 'ARRAY' || grep { !defined || ref } @{ $m->{args} };
  return 'env must be an object of strings' if ref $m->{env} ne 'HASH' || grep { !defined || ref } values %{ $m->{env} };
  return 'maxOutputBytes must be a number >= 0'
    if !defined $m->{maxOutputBytes} || ref $m->{maxOutputBytes} || $m->{maxOutputBytes} < 0;
  $m->{cache} //= 1;
  return 'persistent must be a boolean' if ref $m->{persistent};
  return '';
}

### one run or compile: consult the compile cache, then prepare a child (or answer a cached compile failure at once)
sub start {
  my ($type, $m) = @_;
  my $file = $m->{file};
  my @st   = Time::HiRes::stat($file);
  if (!@st || ($st[2] & 0170000) != 0100000) {
    my $why = @st ? 'not a regular file' : "$!";
    return answer_failure($type, $m, { message => qq(Can't open perl script "$file": $why), fallback => 0 });
  }
  my $ident = join ':', @st[0, 1, 7, 9, 10];    # dev, inode, size, mtime (ns), ctime: any edit shows
  my $entry = $cache{$file};
  if ($entry && $entry->{ident} ne $ident) { delete $cache{$file}; $entry = undef }
  my $mode;
  if ($type eq 'run' && !$m->{cache}) { $mode = 'child' }    # use_perl_cache=off: compile for this run only
  elsif (!$entry) { $entry = $cache{$file} = { ident => $ident, state => 'probing' }; $mode = 'probe' }
  elsif ($entry->{state} eq 'cached') { $mode = 'cached' }
  elsif ($entry->{state} eq 'failed') { return answer_failure($type, $m, $entry->{problem}) }
  else { $mode = 'child' }    # another check is probing it, or it compiles in each child
  return emit_compiled($m->{id}, $file, 1, 0) if $type eq 'compile' && $mode eq 'cached';
  spawn($type, $m, $mode, $entry, $ident);
}

# Prepares the check's child: the run, its pipes (watched already), its place in %runs; fork_batch forks it.
sub spawn {
  my ($type, $m, $mode, $entry, $ident) = @_;
  my $now = clock_gettime(CLOCK_MONOTONIC);
  my $run = {
    id => $m->{id}, type => $type, file => $m->{file}, mode => $mode, entry => $entry, ident => $ident,
    t0 => $now, started_wall => Time::HiRes::time() * 1000, timeout_ms => $m->{timeoutMs},
    deadline => $now + $m->{timeoutMs} / 1000, grace => $opt{kill_grace_ms} / 1000, drain => $opt{pipe_drain_ms} / 1000,
    max => ($type eq 'run' ? int $m->{maxOutputBytes} : 0),
    buf => { out => '', err => '' }, seen => { out => 0, err => 0 }, fh => {}, open => 0, ctl_buf => '',
    args => $m->{args} || [], env => $m->{env} || {},
    persistent => ($type eq 'run' && $mode eq 'cached' && $m->{persistent} && MgWorkhorse::EpnRunner::fits($entry, $m->{file}) ? 1 : 0),
  };
  if ($run->{persistent}) {    # no child of its own: a persistent runner runs it (MgWorkhorse::EpnRunner)
    $runs{ $run->{id} } = $run;
    logmsg("run $run->{id} (persistent): $run->{file}") if DEBUG;
    return MgWorkhorse::EpnRunner::submit($run);
  }
  # Bare fds, not Perl handles: a child closes every other check's pipes with a plain close(2), which does not
  # touch (and so copy) the farm's handle structures, and the farm reads them with POSIX::read.
  my @fds;
  for (1 .. 3) {
    my ($r, $w) = POSIX::pipe();
    if (!defined $r) {
      my $err = "$!";
      POSIX::close($_) for @fds;
      forget_probe($run);
      return emit_error($run->{id}, "pipe failed: $err");
    }
    push @fds, $r, $w;
  }
  my ($out_r, $out_w, $err_r, $err_w, $ctl_r, $ctl_w) = @fds;
  $run->{child_fh} = [ $out_w, $err_w, $ctl_w ];
  $runs{ $run->{id} } = $run;
  $streams->add($run, out => $out_r);
  $streams->add($run, err => $err_r);
  $streams->add($run, ctl => $ctl_r);
  push @batch, $run;
}

# Forks the prepared children back to back. After a fork every page of the farm is shared with the child and
# the farm's next write to a page copies it; forking the turn's checks together, after the turn's other work,
# pays those copies once per turn instead of once per check. Also called before any answer is queued, so the
# answers keep the order of the requests.
sub fork_batch {
  return unless @batch;
  my @runs = @batch;
  @batch = ();
  refresh_inc_snapshot() if keys %INC != keys %inc_snapshot;
  for my $run (@runs) {
    my $pid = fork;
    if ($pid) { $run->{pid} = $pid; next }
    child_main($run) if defined $pid;
    $run->{fork_error} = "$!";
  }
  for my $run (@runs) {
    POSIX::close($_) for @{ delete $run->{child_fh} };
    if (my $err = delete $run->{fork_error}) {
      $streams->close($run, $_) for keys %{ $run->{fh} };
      delete $runs{ $run->{id} };
      forget_probe($run);
      emit_error($run->{id}, "fork failed: $err");
      next;
    }
    my $pid = $run->{pid};
    setpgrp($pid, $pid);    # from this side too, so a kill(-pid) right after fork cannot miss the group
    $run_of_pid{$pid} = $run;
    emit(sprintf '{"type":"started","id":%s,"pid":%d}', $run->{id}, $pid) if $run->{type} eq 'run';
    logmsg("$run->{type} $run->{id} pid $pid ($run->{mode}): $run->{file}") if DEBUG;
  }
}

# The check's child: own process group, /dev/null on 0, its pipes on 1 and 2, the control pipe for reports; the
# farm's handles and the other children's pipes closed. Never returns.
sub child_main {
  my ($run) = @_;
  $SIG{$_} = 'DEFAULT' for qw(CHLD PIPE TERM INT HUP ALRM);
  setpgrp(0, 0);
  my ($out_w, $err_w, $ctl_fd) = @{ $run->{child_fh} };
  POSIX::dup2($out_w, 1);
  POSIX::dup2($err_w, 2);
  close_farm_fds($ctl_fd);
  MgWorkhorse::EpnRunner::close_fds();
  open my $ctl_w, '>&=', $ctl_fd or POSIX::_exit(70);
  fcntl $ctl_w, F_SETFD, FD_CLOEXEC;    # as perl's own pipe() would have it: exec'd programs do not hold it
  eval {    # the child must never unwind into the farm's loop (it would act as the farm)
    MgWorkhorse::EpnChild::run({
      file => $run->{file}, args => $run->{args}, env => $run->{env},
      entry => ($run->{mode} eq 'cached' ? $run->{entry}{compiled} : undef), compile_only => ($run->{type} eq 'compile'),
      ctl => $ctl_w, plugin_files => \%plugin_files, inc_before => \%inc_snapshot,
    });
  };
  print STDERR "mg-epn-farm: the check's child failed: $@";
  POSIX::_exit(70);
}

# In a child of the farm (a check's, a persistent runner): the protocol, the self-pipe and every run's pipes are
# the farm's; $keep is the one fd the child goes on using.
sub close_farm_fds {
  my ($keep) = @_;
  close $_ for $proto_in, $proto_out, $wake_r, $wake_w;
  for my $r (values %runs) {
    POSIX::close($_) for values %{ $r->{fh} };
    POSIX::close($_) for grep { !defined $keep || $_ != $keep } @{ $r->{child_fh} || [] };
  }
}

# Remembers the keys of %INC (children report the keys they add); redone whenever the farm loads something.
sub refresh_inc_snapshot { %inc_snapshot = map { $_ => 1 } keys %INC }

### plugin output: keep up to the cap, count and drop the rest (the pipe must drain or the plugin blocks)
sub read_stream {
  my ($run, $name) = @_;
  my $fd = $run->{fh}{$name} // return;
  my $n = POSIX::read($fd, my $chunk, READ_CHUNK);    # "0 but true" at EOF
  $n += 0 if defined $n;
  if (!defined $n) {
    return if $! == EAGAIN || $! == EINTR;
    $n = 0;
  }
  if (!$n) { $streams->close($run, $name); return maybe_finish($run) }
  if ($name eq 'ctl') { $run->{ctl_buf} .= $chunk; return read_reports($run) }
  keep_output($run, $name, $chunk, $n);
}

# Reports from the child on the control pipe (MgWorkhorse::EpnChild::report): C after a compile, E at the end.
sub read_reports {
  my ($run) = @_;
  while ((my $nl = index $run->{ctl_buf}, "\n") >= 0) {
    my ($type, @f) = split /\t/, substr($run->{ctl_buf}, 0, $nl + 1, ''), -1;
    chomp(@f);
    @f = map { decode_base64($_) } @f;
    if ($type eq 'C') {
      my %c;
      @c{qw(ok ms conflict error fallback exit)} = @f;
      compile_report($run, \%c);
    } elsif ($type eq 'E') {
      my %e;
      @e{qw(kind code message modules)} = @f;
      $run->{end} = \%e;
    }
  }
}

### a compile in a child finished: the first one for a file decides how later checks run it
sub compile_report {
  my ($run, $c) = @_;
  @$run{qw(compile compiled compile_ms)} = ($c, 1, $c->{ms});
  my $entry = $cache{ $run->{file} };
  if ($run->{mode} eq 'probe' && $entry && $entry == $run->{entry} && $entry->{state} eq 'probing') {
    if (!$c->{ok}) {
      if ($c->{exit} ne '') { $entry->{state} = 'child' }    # exit in BEGIN: rerun it per check, as plain perl
      else { @$entry{qw(state problem)} = ('failed', { message => $c->{error}, fallback => $c->{fallback} }) }
    } elsif ($c->{conflict}) {
      $entry->{state} = 'child';
      logmsg("$run->{file} redefines subs of other code, so it is compiled in each check's child: $c->{error}");
    } elsif ($c->{ms} > $opt{parent_compile_max_ms}) {
      $entry->{state} = 'child';
      logmsg(sprintf '%s took %.0f ms to compile, so it is compiled in each check\'s child', $run->{file}, $c->{ms});
    } else {
      parent_compile($run->{file}, $entry, $c->{ms});
    }
  }
  return unless $run->{type} eq 'compile' && !$run->{answered};
  $run->{answered} = 1;
  my $problem = $c->{ok} ? undef
    : { kind => 'compile', message => $c->{error}, fallback => ($c->{exit} ne '' ? 0 : $c->{fallback}), exited => $c->{exit} ne '' };
  emit_compiled($run->{id}, $run->{file}, $c->{ok}, $c->{ms}, $problem);
}

# Compiles a plugin into this process once a child compiled it cleanly and fast: later checks fork with the sub
# ready. Bounded by an alarm; on any trouble the plugin is compiled in each check's child instead.
sub parent_compile {
  my ($file, $entry, $child_ms) = @_;
  my @st = Time::HiRes::stat($file);
  if (!@st || join(':', @st[0, 1, 7, 9, 10]) ne $entry->{ident}) { delete $cache{$file}; return }
  my $limit = $opt{parent_compile_max_ms};
  my $timeout = 4 * $child_ms < 250 ? 0.25 : (4 * $child_ms > 2 * $limit ? 2 * $limit : 4 * $child_ms) / 1000;
  my $e = MgWorkhorse::EpnCompile::compile($file, mode => 'parent', timeout => $timeout);
  $plugin_files{$file} = 1;
  refresh_inc_snapshot();
  logmsg("compile warning: $_") for map { s/\n\z//r } @{ $e->{warnings} };
  if ($e->{ok} && !@{ $e->{conflicts} }) {
    @$entry{qw(state compiled)} = ('cached', $e);
    MgWorkhorse::EpnRunner::note_compile($file, $entry);
    logmsg(sprintf 'compiled %s in %.1f ms', $file, $e->{ms}) if DEBUG;
  } else {
    $entry->{state} = 'child';
    logmsg("$file compiles in a child but not in the farm (" . ($e->{error} // join '; ', @{ $e->{conflicts} })
      . "), so it is compiled in each check's child");
  }
}

# A probe that ended without a compile report (killed, crashed) decides nothing: the next check probes again.
sub forget_probe {
  my ($run) = @_;
  return unless $run->{mode} eq 'probe';
  my $entry = $cache{ $run->{file} };
  delete $cache{ $run->{file} } if $entry && $entry == $run->{entry} && $entry->{state} eq 'probing';
}

### reap every exited child; the control report was written before _exit, so read it now
sub reap {
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    my $run = delete $run_of_pid{$pid} or do { MgWorkhorse::EpnRunner::reaped($pid, $?); next };
    @$run{qw(exited status)} = (1, $?);
    if (defined(my $fd = $run->{fh}{ctl})) {    # a plugin's own child may hold the pipe: read what is there, do not wait
      vec(my $bits = '', $fd, 1) = 1;
      while (select(my $ready = $bits, undef, undef, 0) > 0) {
        my $n = POSIX::read($fd, my $chunk, READ_CHUNK);
        last unless $n && $n > 0;    # undef on error, "0 but true" at EOF
        $run->{ctl_buf} .= $chunk;
      }
      read_reports($run);
      $streams->close($run, 'ctl');
    }
    $run->{drain_at} = clock_gettime(CLOCK_MONOTONIC) + $run->{drain} if $run->{open};
    maybe_finish($run);
  }
}

### EOF on stdin, TERM/INT/HUP, or the parent changed: stop every check, answer what can be answered, exit
sub stop_all {
  $stdin_open = 0;
  $sel->remove($proto_in);
  for my $run (values %runs) { terminate($run) unless $run->{exited} }
}

# Answers a run once its child is reaped and its pipes are closed.
sub maybe_finish {
  my ($run) = @_;
  return if $run->{done} || !$run->{exited} || $run->{open} > 0;
  $run->{done} = 1;
  delete $runs{ $run->{id} };
  forget_probe($run) unless $run->{compile};
  if ($run->{type} eq 'compile') { finish_compile($run) }
  else                           { emit_result($run) }
  queue_preloads($run->{end}{modules}) if $opt{auto_preload} && $run->{end} && $run->{end}{modules} ne '';
}

### answers (the texts and lines: MgWorkhorse::FarmMessages)
sub emit_result {
  my ($run) = @_;
  emit(result_line($run, (clock_gettime(CLOCK_MONOTONIC) - $run->{t0}) * 1000));
}

# A run answered without a child: a compile failure cached for this file's identity, or no such file.
sub answer_failure {
  my ($type, $m, $p) = @_;
  return emit_compiled($m->{id}, $m->{file}, 0, 0, { kind => 'compile', %$p }) if $type eq 'compile';
  emit(failure_result_line($m->{id}, $m->{file}, $p, Time::HiRes::time() * 1000));
}

# Answers a `compile` whose child ended without a compile report (timeout, crash).
sub finish_compile {
  my ($run) = @_;
  return if $run->{answered};
  my $why = $run->{timed_out}
    ? { kind => 'timeout', message => "compile did not finish within $run->{timeout_ms} ms" }
    : { kind => 'compile', message => 'the compile child ended without a report (status ' . ($run->{status} // '?') . ')' };
  emit_compiled($run->{id}, $run->{file}, 0, 0, $why);
}

# Queue one answer line (see MgWorkhorse::FarmMessages).
sub emit_compiled { emit(compiled_line(@_)) }
sub emit_error    { emit(error_line(@_)) }

### modules the checks loaded at run time get loaded here, so later children start with them
sub queue_preloads {
  my ($lines) = @_;
  for (split /\n/, $lines) {
    my ($key, $path) = split /\t/;
    next if $preload_seen{$key}++ || exists $INC{$key} || $key !~ /\.pm\z/;
    next unless MgWorkhorse::EpnCompile::in_base_inc($path);    # found via a plugin's own `use lib`: not shared
    push @preload_queue, $key;
  }
}

# Loads the queued modules into the farm, each under an alarm.
sub run_preloads {
  while (my $key = shift @preload_queue) {
    next if exists $INC{$key};
    my $err = MgWorkhorse::EpnCompile::preload($key, PRELOAD_TIMEOUT);
    refresh_inc_snapshot();
    logmsg($err ? "preload $key failed: $err" : "preloaded $key") if DEBUG;
  }
}

### stdout: answers are queued, then written as the pipe accepts them, so a slow reader never stalls the loop
sub emit {
  fork_batch() if @batch;    # the `started` of earlier requests comes first
  $out_buf .= "$_[0]\n";
}

# Writes queued answers as far as stdout takes them; a write error means Node is gone.
sub write_output {
  return if !$stdout_ok || write_queue($proto_out, \$out_buf);
  $stdout_ok = 0;    # Node is gone: nobody to answer; stop everything and leave
  $stopping  = 1;
}

# One line to the farm's stderr (Node logs it).
sub logmsg { print STDERR "mg-epn-farm[$$]: $_[0]\n" }

# Reads the command line into %opt (see OPTIONS); -v is read at compile time (DEBUG).
sub parse_options {
  my @args = @_;
  my %num = ('--max-checks' => 'max_checks', '--kill-grace-ms' => 'kill_grace_ms',
    '--persistent-runners' => 'persistent_runners', '--persistent-max-checks' => 'persistent_max_checks',
    '--pipe-drain-ms' => 'pipe_drain_ms', '--parent-compile-max-ms' => 'parent_compile_max_ms');
  while (@args) {
    my $arg = shift @args;
    my ($name, $value) = $arg =~ /\A(--[\w-]+)=(.*)\z/s ? ($1, $2) : ($arg, undef);
    if ($name eq '-v' || $name eq '--verbose') { next }    # read at compile time: DEBUG
    if ($name eq '--no-auto-preload') { $opt{auto_preload} = 0; next }
    if ($num{$name} || $name eq '--preload') {
      $value //= shift @args;
      usage("$name needs a value") unless defined $value;
      if ($name eq '--preload') { push @{ $opt{preload} }, grep { length } split /,/, $value; next }
      usage("$name needs a whole number >= 0, got '$value'") unless $value =~ /\A[0-9]+\z/;
      $opt{ $num{$name} } = $value;
      next;
    }
    usage("unknown option '$arg'");
  }
}

# Says what is wrong with the command line and exits 2.
sub usage {
  print STDERR "mg-epn-farm: $_[0]\nusage: perl mg-epn-farm.pl [--max-checks N] [--preload Mod::A,Mod::B] [-v]\n"
    . "  [--kill-grace-ms MS] [--pipe-drain-ms MS] [--parent-compile-max-ms MS] [--no-auto-preload]\n"
    . "  [--persistent-runners N] [--persistent-max-checks N]\n"
    . "  (perldoc mg-epn-farm.pl)\n";
  exit 2;
}

__END__

=head1 NAME

mg-epn-farm.pl - the Embedded Perl interpreter farm of mg-workhorse

=head1 SYNOPSIS

  perl perl/mg-epn-farm.pl [--max-checks N] [--preload Mod::A,Mod::B] [-v]
                           [--kill-grace-ms MS] [--pipe-drain-ms MS] [--parent-compile-max-ms MS]
                           [--no-auto-preload] [--persistent-runners N] [--persistent-max-checks N]

  # by hand:
  printf '%s\n' '{"type":"run","id":1,"file":"/usr/lib/nagios/plugins/check_file_age","args":["-f","/etc/hostname","-w","999999999","-c","999999999"],"env":{},"timeoutMs":10000,"maxOutputBytes":65536,"cache":true}' \
    | perl perl/mg-epn-farm.pl

=head1 DESCRIPTION

The Node worker starts one or more farms (C<src/epn/>) and sends them the checks whose plugin is a Perl file
meant for Embedded Perl. A farm compiles each plugin once into a sub in a package of its own (p1.pl style,
C<Embed::usr::lib::nagios::plugins::check_5ffoo>) and runs every check in a child it forks for that check, so
a check costs a fork instead of a new perl that loads and compiles everything again. Several checks run at
once: one C<select()> loop reads requests and every child's stdout, stderr and control pipe without blocking.

=head2 How a plugin gets compiled

The first check of a file (or of a new version of it) compiles the plugin I<in its child>, so a slow or
hanging C<BEGIN> block or C<use> never stalls the farm: it is bounded by that check's timeout. When the child
compiled it cleanly (no error, no C<exit> while compiling, no sub of another plugin or module redefined) in at
most C<--parent-compile-max-ms>, the farm compiles it into itself too, under an alarm; from then on children
start with the sub ready. Otherwise each check's child compiles it. A compile error is cached for that file's
identity and answered without forking.

The cache key is the path; before every run the entry is checked against the file's device, inode, size,
mtime (nanoseconds) and ctime, so an edited file is compiled again and never served stale. C<"cache": false>
compiles the plugin in the check's child for that run only.

The plugin text is wrapped as C<package Embed::...; sub hndlr {> C<# line 1 "FILE"> I<text> C<}> and compiled
as a file: C<require> of a virtual name that an C<@INC> hook serves from memory. So no pragma of the farm is in
effect (no implicit C<use strict>) and syntax errors read as with plain perl (C<near "...">, where a string
eval says "at EOF"). C<$0> is the plugin and C<FindBin::again()> is called first, C<@INC> is local to the
plugin, and the plugin's changes to C<%SIG>, C<%ENV> and the layers of the STD handles are kept out of the farm
and replayed in each child. Warnings are not fatal.

=head2 How a check runs

The child leads a new process group (its pid is sent in C<started>), reads F</dev/null> on fd 0 and has real
pipes on fds 1 and 2: C<print>, C<printf>, C<syswrite>, C<system()> children, C<exec>ed programs and
grandchildren are all captured, as bytes. It sets C<$0>, C<@ARGV>, the request's environment plus
C<NAGIOS_PLUGIN>, C<$^T>, calls C<srand()>, runs the plugin's C<INIT> blocks, then the handler. An C<exit> ends
the check with that code even inside the plugin's C<eval {}>; C<END> blocks run with C<$?> set; every handle is
flushed; the child reports to the farm on its control pipe and leaves with C<POSIX::_exit>.

Requests read in one turn of the loop are forked together, after that turn's answers are built: a fork makes
every page of the farm shared again, so each page the farm writes afterwards is copied once per fork interval,
not once per check. The children's pipes are bare file descriptors, which a child closes with close(2) for its
siblings without touching the farm's Perl handles.

Each stream keeps at most C<maxOutputBytes>; the rest is read and dropped. At C<timeoutMs> the group gets
SIGTERM and C<--kill-grace-ms> later SIGKILL (Node enforces the deadline too and is the authority). When the
plugin has exited but something still holds its pipes, the farm waits C<--pipe-drain-ms>, kills the group and
answers. Modules a check loaded at run time (found in the farm's own C<@INC>) are then loaded into the farm, so
later children do not load them again.

=head2 Persistent runners

A C<run> with C<"persistent":true> of a plugin compiled into the farm runs without a fork of its own: in a
runner, a child the farm forks from itself (so it holds the compiled subs) that runs check after check in its
process, at most C<--persistent-runners> at once, each for C<--persistent-max-checks> checks; such a check waits
for a runner that holds its plugin's current compile (runners holding an older one are retired). The check's
output goes to two unlinked temp files on the runner's fds 1 and 2. After each check the runner puts %ENV,
%SIG, cwd, umask, C<$0>, C<@ARGV>, C<@INC>, the alarm and C<$/>-like variables back; package variables stay (the
opt-in trade-off, R4). A deadline kills the runner's group; a runner that ends without its report gives exit
code 3 and a C<die> problem naming how it ended. A plugin whose named subs use file-scope lexicals (R3) runs
forked: from a runner's second check on they would read the first check's values. Code:
F<perl/lib/MgWorkhorse/EpnRunner.pm>, F<perl/lib/MgWorkhorse/EpnRunnerLoop.pm>.

=head1 PROTOCOL

One JSON object per line each way, on the farm's stdin and stdout; stderr is free text for the log. The
TypeScript side is F<src/epn/farm-protocol.ts>, the golden transcripts are in F<fixtures/farm/>. Strings sent
to the farm are UTF-8 and used as bytes (paths, arguments, environment); plugin output travels base64.

=over 4

=item farm to Node, once at start

  {"type":"ready","version":1,"pid":1234,"perl":"v5.36.0"}

=item Node to farm: run

  {"type":"run","id":7,"file":"/usr/lib/nagios/plugins/check_foo","args":["-w","5"],"env":{"NAGIOS_HOSTNAME":"h1"},
   "timeoutMs":60000,"maxOutputBytes":10485760,"cache":true}

Optional C<"persistent":true>: when the farm holds the plugin compiled, a persistent runner runs the check
(see L</Persistent runners>; C<started> then names the runner, the C<result> has C<"persistent":true>); a check
that compiles the plugin runs forked as usual.

Answered with C<started> once the child is forked, then exactly one C<result>. A run that needs no child (the
compile failure of this very file version is cached, or the file does not exist) gets only the C<result>.
Results come in completion order.

=item farm to Node: started

  {"type":"started","id":7,"pid":4321}

The pid is also the process group id.

=item farm to Node: result

  {"type":"result","id":7,"exitCode":2,"signal":null,"stdout":B64,"stderr":B64,"stdoutTruncated":false,
   "stderrTruncated":false,"startedAt":1700000000000.123,"durationMs":3.2,"compiled":false,"compileMs":0,
   "problem":{"kind":"die","message":"boom at /p/check_foo line 3."},"newModules":["Foo/Bar.pm"]}

C<persistent> (true) is present only when a persistent runner ran the check. C<exitCode> is null when the child
died by a signal (C<signal> is then its name, C<"SIGTERM">). C<compiled> says
whether this check compiled the plugin (in its child), C<compileMs> how long that took. C<newModules> lists the
C<%INC> keys the check's child added (while compiling there, or at run time); the farm itself loads those found
in its own C<@INC>. C<problem> and C<newModules> are present only when there is something to say. Problems, and what they do to C<stdout>:

=over 4

=item die

A run-time C<die>: exit code 3, C<**ePN FILE: "MESSAGE".> is added on a line of its own after what the plugin
printed (p1.pl's wording).

=item noexit

The plugin returned without calling C<exit>: exit code 3, stdout starts with
C<**ePN FILE: plugin did not call exit()> and a newline (mod_gearman's and Icinga's wording).

=item compile

The plugin does not compile: exit code 3, C<**ePN failed to compile FILE: "ERROR"> is added after anything it
printed while compiling. C<fallback> is true when C<perl -c FILE> (with the C<#!> switches) succeeds, so
forking the plugin is expected to work. Also for C<exit> called while compiling (in C<BEGIN> or by a C<use>d
module): then the exit code and stdout are the plugin's, as with plain perl, C<fallback> is false,
C<exitedWhileCompiling> is true and the message says where the exit was.

=item timeout

The farm's own deadline fired (the result has the signal and what was read until then); the message says
when it happened while compiling.

=back

=item Node to farm: compile

  {"type":"compile","id":8,"file":"/p/check_foo","timeoutMs":10000}

Compiles the file now (in a child, then in the farm as for a check). Answered with:

  {"type":"compiled","id":8,"file":"/p/check_foo","ok":true,"compileMs":12.5}

C<ok> false comes with a C<problem> (C<compile> or C<timeout>). A file already compiled answers at once with
C<compileMs> 0.

=item Node to farm: invalidate

  {"type":"invalidate","file":"/p/check_foo"}

Forgets the file's entry; no answer.

=item Node to farm: shutdown

  {"type":"shutdown"}

Finishes the checks in flight, answers them, exits 0. Further runs get an C<error>.

=item farm to Node: error

  {"type":"error","id":7,"message":"timeoutMs must be a positive number"}

A request the farm could not read or serve (C<id> when it could be read), also a failed fork, a run after
C<shutdown> or after C<--max-checks> checks. The farm goes on.

=back

=head1 SIGNALS

=over 4

=item EOF on stdin, TERM, INT, HUP, or a new parent pid

The farm stops: every running check's group gets TERM, then KILL after the grace period; the checks are
answered while stdout is open; then the farm exits 0. The parent pid is compared with the one at start, every
second at least, so this works when the worker is PID 1 (the Go daemon's C<getppid() == 1> test does not).

=item CHLD

Wakes the loop, which reaps with C<waitpid(-1, WNOHANG)>.

=item PIPE

Ignored: a write error on stdout means Node is gone, and the farm stops as above.

=back

Children start with default handlers for CHLD, PIPE, TERM, INT, HUP and ALRM.

=head1 OPTIONS

=over 4

=item B<--max-checks> N

Take N checks, finish them, exit 0, so that Node starts a fresh farm (memory, R23). 0, the default, is never.

=item B<--preload> Mod::A,Mod::B

C<require> these modules at start (repeatable). A failure is logged and the farm goes on.

=item B<--no-auto-preload>

Do not load into the farm the modules that checks loaded at run time (see DESCRIPTION); for measurements.

=item B<-v>, B<--verbose>

Log every fork, compile and preload to stderr (also C<MG_EPN_FARM_DEBUG=1>).

=item B<--kill-grace-ms> MS (2000), B<--pipe-drain-ms> MS (100)

Time between TERM and KILL at a deadline, and how long to wait for pipes held by a plugin's descendants after
it exited (the same defaults as Node's exec path).

=item B<--check> FILE... [--timeout=S], B<--check-run> FILE [ARGS...]

Check mode for mg-epn-check, instead of the farm: compile each FILE with this wrapper (as the farm does, then with
p1's C<use strict> and fatal closure warnings), or compile it once and run it twice in this one interpreter
without fork, naming the globals each run left changed. JSON lines on stdout; see F<perl/lib/MgWorkhorse/LintCheck.pm>.

=item B<--persistent-runners> N (2), B<--persistent-max-checks> N (10000)

Persistent runners at most at once, and the checks after which a runner exits (0 = never); see
L</Persistent runners>.

=item B<--parent-compile-max-ms> MS (1000)

A plugin whose first compile (in a child) took longer is not compiled into the farm: that would block the
loop. Its checks compile it in their child.

=back

=head1 DIFFERENCES FROM p1.pl AND plain perl

=head2 Fixed p1.pl breakages

=over 4

=item __END__ and __DATA__ (R1, R2)

The text is split at the token (outside POD and here-docs); the plugin's C<DATA> handle (and C<main::DATA>,
and for C<__DATA__> the C<DATA> of the package in effect) reads the file from there, so C<tell> and C<seek DATA,
0, 0> behave as in plain perl. A POD block left open at the end is closed before the wrapper's brace.

=item implicit strict (R11)

The plugin is compiled where no pragma is in effect; its own C<use strict> and C<use warnings> apply. An
undeclared global compiles as in plain perl.

=item file-scope lexicals in named subs (R3)

Each child runs the handler once, at depth 1, where the named subs share the file-scope lexicals, so they
work; "will not stay shared" is dropped from the warnings.

=item warnings

Not fatal (the Go worker's choice since 2023). At run time they go to the check's stderr, as with plain perl;
while compiling in the farm itself they are logged to the farm's stderr.

=item exit inside eval (R6), bare exit (R7)

C<exit N> records N and leaves the plugin by loop control (C<last> to the runner's loop), which no C<eval> can
catch, so the check ends at once with N. Where perl refuses that (C<exit> in a signal handler, a C<__DIE__> or
C<__WARN__> handler, C<DESTROY>, a C<sort> block or a tie method), the check ends right there without unwinding
the plugin's frames. C<exit;> is 0. The code is reduced to 0..255 as the OS does (C<exit 256> is 0).
C<__DIE__> handlers never see the exit.

=item die (R9), no exit (R8)

As in the C worker: exit code 3 and the C<**ePN> texts above (plain perl would give 255 and 0).

=item $0, __FILE__, FindBin (R13)

C<$0> is the plugin's path while compiling and running, C<FindBin::again()> is called before each, and
C<# line 1 "FILE"> makes C<__FILE__>, C<die> and C<warn> name the plugin's own lines. So Debian's
C<use FindBin; use lib "$FindBin::Bin"; use utils> plugins work with no PERL5LIB.

=item modulinos

C<caller> is overridden (C<CORE::GLOBAL::caller>) to hide the farm's frames: at the plugin's top level it
returns empty, so C<__PACKAGE__-E<gt>run(@ARGV) unless caller> runs.

=item output (R19), STDIN (R18)

Real pipes, no tie: C<syswrite>, C<fileno>, C<binmode>, C<format>/C<write>, C<system()> and C<exec> all work,
bytes pass unchanged (no double UTF-8 encoding), no 4 KiB cut per print. STDIN is F</dev/null>.

=item BEGIN and compile time (R5)

A hanging BEGIN never stalls the farm (the first compile is in a child, bounded by the check's timeout). Output
printed at compile time is part of that first check's output. C<exit> while compiling gives the plugin's own
exit code and output, as plain perl does, and the plugin is then compiled in each check's child. Each child
calls C<srand()>. C<INIT> blocks run in each child before the handler.

=item END blocks (R20)

p1 never runs a plugin's END blocks per check (mod_gearman C children C<_exit>); the Go daemon's children run
the END blocks of B<every> plugin compiled so far. Here each child runs, at the end of its check, the END
blocks of its own plugin and of modules (newest first, C<$?> set to the exit code and honoured if changed), and
skips those of other plugins.

=item R4, R14, R15: state of one plugin reaching another

Run-time state never leaks (one child per check), except in the opt-in persistent runners. C<use lib> paths stay with the plugin that added them; a
module it loaded from such a path is hidden from the next plugin's compile so that one loads its own copy. A
plugin that redefines a sub another file already defined (two plugins bundling different C<GLPlugin>
versions, a monkeypatch) is never compiled into the shared farm: each of its checks compiles it in its child.

=back

=head2 What still differs from plain perl

=over 4

=item *

The plugin's top-level package is C<Embed::...>, not C<main>: C<__PACKAGE__>, C<caller>'s package, names in
"used only once" warnings and C<$main::x> written as such differ.

=item *

C<#!> switches other than C<-w> are ignored (C<-T>, C<-I>, C<-l>, C<-n>, C<-p>, C<-C>: R12). C<-w> sets C<$^W>
for the compile and the run.

=item *

C<CHECK> blocks do not run ("Too late to run CHECK block"). Global destruction does not happen: objects still
alive in package variables at the end are not DESTROYed (lexicals are, when C<exit> unwinds). When C<exit>
cannot unwind (see above), no lexical is DESTROYed either.

=item *

BEGIN-time side effects happen twice for the first check of a file (once in its child, once when the farm
compiles it), then never again; handles opened at compile time are shared by all later children. C<chdir>,
C<umask> and C<$/>-like variables changed at compile time are not replayed.

=item *

A run-time C<die> and "no exit" give exit code 3 and an C<**ePN> text on stdout (C worker semantics).

=item *

C<CORE::exit>, C<POSIX::_exit> and C<exec> bypass the trap: the check ends with that process's exit status
and output, without a C<problem>. C<CORE::exit> runs perl's own exit, with B<every> END block of the farm,
other plugins' too (R20, R24).

=back

=cut
