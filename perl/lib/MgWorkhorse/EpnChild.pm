package MgWorkhorse::EpnChild;
# One check, inside the child the farm forked for it: set the process up as plain perl would have it, compile
# the plugin here if the parent has no handler for it, run it, run its END blocks, report to the farm on the
# control pipe, and leave with POSIX::_exit. Nothing here returns to the farm's loop.
use strict;
use warnings;
use B ();
use IO::Handle ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Time::HiRes ();
use MgWorkhorse::EpnCompile ();
use MgWorkhorse::EpnTraps ();

my $Ctx;    # this check: file, ctl handle, pid, %INC before the check, files of other plugins (see run)

# Runs the check described by %$ctx and exits the process:
#   file, args, env   the request
#   entry             the parent's compiled entry, or undef: compile here (the entry comes back on the ctl pipe)
#   compile_only      compile, report, exit (a `compile` request's child)
#   ctl               write end of the control pipe (see report)
#   plugin_files      { file => 1 } of every plugin compiled in the parent (their END blocks are not ours)
#   inc_before        { key => 1 } of %INC as the child starts (optional: taken here when absent)
sub run {
  ($Ctx) = @_;
  begin_check($Ctx);
  local $_;    # may be aliased to something of the farm's
  my $file = $Ctx->{file};
  my $e = $Ctx->{entry};
  if (!$e) {
    $e = MgWorkhorse::EpnCompile::compile($file, mode => 'child');
    if (!$e->{ok}) {
      my $fallback = defined $e->{exit} ? 0 : plain_perl_compiles($file, $e->{switches});
      report(C => 0, $e->{ms}, 0, $e->{error}, $fallback, $e->{exit} // '');
      POSIX::_exit(0) if $Ctx->{compile_only};
      return finish('exit-compile', $e->{exit}) if defined $e->{exit};
      return finish('compile', 3);
    }
    report(C => 1, $e->{ms}, @{ $e->{conflicts} } ? 1 : 0, join("\n", @{ $e->{conflicts} }), '', '');
    POSIX::_exit(0) if $Ctx->{compile_only};
  }
  return finish(run_handler($e));
}

# Sets the process up for one check of $ctx (see run; also used by MgWorkhorse::EpnRunner, which runs many
# checks in one process): $0, $^T, srand, @ARGV, the environment, the exit trap's state and its end sequence.
sub begin_check {
  ($Ctx) = @_;
  $Ctx->{pid} = $$;
  my $file = $Ctx->{file};
  $0  = $file;
  $^T = time;     # -M/-A/-C count from the check's start, not from the farm's
  srand();        # the parent's seed would repeat in every check (R5)
  @ARGV = @{ $Ctx->{args} };
  $ENV{$_} = $Ctx->{env}{$_} for keys %{ $Ctx->{env} };
  $ENV{NAGIOS_PLUGIN} = $file;    # Monitoring::Plugin and GLPlugin name themselves from it (mod_gearman#25)
  $@ = '';
  ($MgWorkhorse::EpnTraps::Exit, $MgWorkhorse::EpnTraps::ExitWhere) = ();
  $MgWorkhorse::EpnTraps::Finish = \&finish;
  $Ctx->{inc_before} //= { map { $_ => 1 } keys %INC };    # the farm passes its snapshot of %INC
  return;
}

# Runs a compiled entry's handler (INIT blocks first) with the plugin's @INC and compile-time globals; returns
# how it ended: ('exit', code), ('die', 3, message) or ('noexit', 3).
sub run_handler {
  my ($e) = @_;
  @INC = @{ $e->{inc} };
  FindBin::again() if defined &FindBin::again;
  MgWorkhorse::EpnCompile::apply_globals($e->{globals});
  open_data($e);
  $^W = 1 if $e->{w};

  my ($died, $error);
  $MgWorkhorse::EpnTraps::Phase = 'run';
  MG_EPN_RUN: for my $once (1) {    # `exit` leaves through this label (MgWorkhorse::EpnTraps)
    $died = !eval {
      $_->() for @{ $e->{init} };
      $e->{handler}->();
      1;
    };
    $error = $@;
  }
  return ('exit', $MgWorkhorse::EpnTraps::Exit) if defined $MgWorkhorse::EpnTraps::Exit;
  if ($died) {
    $error = "$error";
    chomp $error;
    return ('die', 3, $error);
  }
  return ('noexit', 3);
}

# The end of the check (also called from the exit trap when it cannot unwind): END blocks with $? = the code,
# flush every handle, report, _exit. A child the plugin forked ends the same way but does not report.
sub finish {
  my $code = end_check(@_);
  POSIX::_exit($code & 0xFF);
}

# finish without the _exit: END blocks, flush, the E report (only from the process the check started in);
# returns the exit code the END blocks left. MgWorkhorse::EpnRunner calls it and goes on to the next check.
sub end_check {
  my ($kind, $code, $message) = @_;
  $MgWorkhorse::EpnTraps::Phase = 'end';
  $code = run_end_blocks($code);
  flush_all();
  if ($$ == $Ctx->{pid}) {
    my $before = $Ctx->{inc_before};
    # %INC did not grow (the common case): no key is new, unless the plugin deleted one and loaded another
    # (rare, and a missing key only means that module is not preloaded into the farm).
    my @new = keys %INC > keys %$before ? grep { !$before->{$_} } keys %INC : ();
    report(E => $kind, $code, $message // '', join "\n", map { "$_\t" . ($INC{$_} // '') } @new);
  }
  return $code;
}

# END blocks as plain perl runs them at exit, newest first, with $? holding the exit code (they may change it),
# except the END blocks of other plugins compiled in the same farm (R20: the Go worker runs them all).
sub run_end_blocks {
  my ($code) = @_;
  my $av = B::end_av();
  return $code unless $av->isa('B::AV');
  local $? = $code;
  for my $cv ($av->ARRAY) {
    my $f = $cv->FILE;
    next if $Ctx->{plugin_files}{$f} && $f ne $Ctx->{file};
    eval { $cv->object_2svref->(); 1 } or do {
      my $err = $@;
      print STDERR $err unless $err =~ /\AExitTrap: /;
    };
  }
  return $?;
}

# POSIX::_exit skips perl's own flush of open handles: a plugin's state file written through a buffered handle
# would lose its tail. pp_exec flushes every PerlIO handle before it calls execvp (PERL_FLUSHALL_FOR_CHILD), so a
# failing exec of a path that cannot exist is a cheap "flush all".
sub flush_all {
  STDOUT->flush;
  STDERR->flush;
  no warnings 'exec';
  exec { '/nonexistent/mg-epn-farm/flush' } 'flush';
  return;
}

# __END__ / __DATA__: the plugin's DATA handle reads the real file from just after the token (so tell() and
# seek(DATA, 0, 0) behave as in plain perl). __END__ gives main::DATA in plain perl, and the plugin's top-level
# package stands in for main here; __DATA__ gives the DATA of the package in effect at the token.
sub open_data {
  my ($e) = @_;
  return unless defined $e->{data_offset};
  open my $fh, '<:raw', $Ctx->{file} or return;
  seek $fh, $e->{data_offset}, 0;
  no strict 'refs';
  *{"$_\::DATA"} = *$fh{IO} for grep {defined} $e->{pkg}, 'main', $e->{data_pkg};
  return;
}

# `perl -c` of the plain file, for a plugin the wrapper cannot compile: true means forking it would work.
sub plain_perl_compiles {
  my ($file, $switches) = @_;
  my @sw = grep { /\A-[a-zA-Z]/ && !/\A-[ce]/ } @{ $switches || [] };
  my $pid = fork;
  return 0 unless defined $pid;
  if (!$pid) {
    open STDOUT, '>', '/dev/null';
    open STDERR, '>&', \*STDOUT;
    { no warnings 'exec'; exec { $^X } $^X, @sw, '-c', $file; }
    POSIX::_exit(127);
  }
  waitpid $pid, 0;
  return $? == 0 ? 1 : 0;
}

# One line to the farm on the control pipe: a type letter, then tab-separated base64 fields.
#   C ok ms conflict error fallback exit   after a compile in the child
#   E kind code message modules            at the end ("module\tpath" lines)
sub report {
  my ($type, @fields) = @_;
  my $line = join("\t", $type, map { encode_base64(defined $_ ? $_ : '', '') } @fields) . "\n";
  my $off = 0;
  while ($off < length $line) {
    my $n = syswrite $Ctx->{ctl}, $line, length($line) - $off, $off;
    last unless $n;
    $off += $n;
  }
  return;
}

1;
