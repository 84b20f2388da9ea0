package MgWorkhorse::EpnTraps;
# exit() and caller() as plugins need them inside the farm. install() puts both into CORE::GLOBAL once the farm's
# own code is compiled, so they bind in every plugin and in every module loaded after that (p1.pl does the same
# for exit; code compiled earlier, the farm's own modules, keeps the real builtins).
use strict;
use warnings;

# Where the process is: 'farm' (the parent's loop), 'compile' (compiling a plugin, parent or child), 'run' (a
# check's child inside the plugin), 'end' (the child's END blocks).
our $Phase = 'farm';
# The first exit code a plugin asked for, and "at FILE line N" of that exit; reset before each compile and run.
our ($Exit, $ExitWhere);
# The child's end-of-check sequence, called as $Finish->('exit', $code) when an exit cannot unwind (see below).
our $Finish;

# Installs the overrides; called once by the farm before any plugin or --preload module is compiled.
sub install {
  no warnings qw(once redefine);
  *CORE::GLOBAL::exit   = \&_exit_trap;
  *CORE::GLOBAL::caller = \&_caller;
  return;
}

# exit N: plain perl semantics as far as a forking host can give them.
#  - run phase: record N, then leave the plugin through `last MG_EPN_RUN` (the loop around the handler call in
#    MgWorkhorse::EpnChild). Loop control unwinds every sub and
#    eval frame up to the runner's loop (lexicals are freed, DESTROY runs) and no eval can catch it, so an exit
#    inside the plugin's eval {} ends the check as in plain perl (p1 and Go let the eval swallow it: R6).
#    Perl refuses the label across a new run level (signal handlers, __DIE__/__WARN__ handlers, DESTROY, sort and
#    tie callbacks); then the check ends right here ($Finish), without unwinding.
#  - compile phase (BEGIN, use): record N and die with p1's marker; the compile fails and the caller looks at $Exit.
#  - end phase (inside END): set $? as plain perl does and leave that END block.
sub _exit_trap (;$) {
  my $code = do { no warnings; (@_ && defined $_[0] ? int($_[0]) : 0) & 0xFF };
  if ($Phase eq 'end') {
    $? = $code;
    local $SIG{__DIE__};
    die "ExitTrap: $code (exit inside END block)\n";
  }
  if (!defined $Exit) {
    my (undef, $file, $line) = CORE::caller(0);
    ($Exit, $ExitWhere) = ($code, "at $file line $line");
  }
  if ($Phase eq 'run') {
    { no warnings 'exiting'; eval { last MG_EPN_RUN; }; }
    $Finish->('exit', $Exit) if $Finish;
  }
  local $SIG{__DIE__};
  die "ExitTrap: $code (Redefine exit to trap plugin exit with eval BLOCK)\n";
}

# caller as plugins see it: the frames of the farm that calls the plugin's handler are hidden, so `caller` at the
# plugin's top level returns empty as in plain perl, and a modulino (`__PACKAGE__->run(@ARGV) unless caller;`)
# runs. Every frame whose call site is in a MgWorkhorse:: package belongs to the farm.
sub _caller (;$) {
  my $height = @_ ? do { no warnings; int($_[0]) } : 0;
  my @frame;
  if ((CORE::caller(0))[0] eq 'DB') {
    package DB;    # so that @DB::args is set, as for a real caller() called from package DB
    @frame = CORE::caller($height + 1);
  } else {
    @frame = CORE::caller($height + 1);
  }
  return if !@frame || index($frame[0], 'MgWorkhorse::') == 0;
  return $frame[0] unless wantarray;
  return @_ ? @frame : @frame[0 .. 2];
}

1;
