package MgWorkhorse::EpnRunnerLoop;
# Inside a persistent runner (MgWorkhorse::EpnRunner forks it): read a check from the request pipe, run the
# plugin's compiled handler in this process with MgWorkhorse::EpnChild's setup, handler call, END blocks and E
# report, then put the per-check state back as the farm had it. Package variables are not put back: that is the
# opt-in trade-off (reference epn.md R4).
use strict;
use warnings;
use Errno qw(EINTR);
use MIME::Base64 qw(decode_base64);
use POSIX ();
use MgWorkhorse::EpnChild ();
use MgWorkhorse::EpnTraps ();

use constant READ_CHUNK => 65536;

# Reads request lines and runs each; returns at EOF. $h: req, rep, out, err (handles), files (file => the farm's
# cache entry, as the runner was forked), plugin_files, inc (see MgWorkhorse::EpnChild::run), pid.
sub run {
  my ($h) = @_;
  open STDOUT, '>>&', $h->{out} or die "stdout: $!\n";
  open STDERR, '>>&', $h->{err} or die "stderr: $!\n";
  my $base = {
    sig => {%SIG}, env => {%ENV}, flush => [ map { select($_); my $f = $|; select(STDOUT); $f } \*STDOUT, \*STDERR ],
    cwd => POSIX::getcwd(), umask => umask, zero => $0, inc => [@INC], w => $^W,
  };
  my $buf = '';
  while (1) {
    my $nl;
    while (($nl = index $buf, "\n") < 0) {
      my $n = sysread $h->{req}, $buf, READ_CHUNK, length $buf;
      next if !defined $n && $! == EINTR;
      return unless $n;
    }
    my (undef, $file, $nargs, @rest) = map { decode_base64($_) } split /\t/, substr($buf, 0, $nl + 1, '');
    my @args = splice @rest, 0, $nargs;
    run_one($h, $base, { file => $file, args => \@args, env => {@rest} });
  }
}

# One check in this process, with EpnChild's setup, handler call, END blocks and report; then the per-check
# state is put back as the farm had it.
sub run_one {
  my ($h, $base, $ctx) = @_;
  truncate $h->{$_}, 0 for qw(out err);
  # Opened again each time: the plugin may have closed or redirected them, or changed their layers.
  open STDOUT, '>>&', $h->{out} or die "stdout: $!\n";
  open STDERR, '>>&', $h->{err} or die "stderr: $!\n";
  open STDIN, '<', '/dev/null' or die "stdin: $!\n";
  my $held = $h->{files}{ $ctx->{file} };
  @$ctx{qw(ctl plugin_files inc_before)} = ($h->{rep}, $h->{plugin_files}, $h->{inc});
  {
    local $_;
    MgWorkhorse::EpnChild::begin_check($ctx);
    # The farm sends a runner only plugins it held compiled when it forked the runner: this is a farm bug.
    my @end = $held ? MgWorkhorse::EpnChild::run_handler($held->{compiled})
      : ('die', 3, "the persistent runner holds no compiled copy of $ctx->{file}");
    my $code = MgWorkhorse::EpnChild::end_check(@end);
    POSIX::_exit($code & 0xFF) if $$ != $h->{pid};    # a child the plugin forked ended: it must not loop on
  }
  reset_state($base);
  %{ $h->{inc} } = map { $_ => 1 } keys %INC if keys %INC > keys %{ $h->{inc} };    # report new modules once
  return;
}

# The cheap per-check state back to the farm's: %SIG, %ENV, STD handle autoflush, cwd, umask, $0,
# @ARGV, @INC, alarm, the selected handle, $/ $\ $, $", $^W, $@. Package variables are NOT reset (R4).
sub reset_state {
  my ($b) = @_;
  alarm 0;
  reset_hash(\%SIG, $b->{sig});
  reset_hash(\%ENV, $b->{env});
  # the STD handles' layers need nothing: run_one opens them afresh for each check
  select STDERR;
  $| = $b->{flush}[1];
  select STDOUT;
  $| = $b->{flush}[0];
  chdir $b->{cwd};
  umask $b->{umask};
  $0    = $b->{zero};
  @ARGV = ();
  @INC  = @{ $b->{inc} };
  ($/, $\, $,, $", $^W, $@) = ("\n", undef, undef, ' ', $b->{w}, '');
  $MgWorkhorse::EpnTraps::Phase = 'farm';
  return;
}

# Puts %$h (%SIG or %ENV) back to %$was, touching only the keys that differ: both hashes are magic, each store
# is a sigaction or a setenv, and comparing all of it as EpnCompile's global snapshot does costs ~100 µs a check.
sub reset_hash {
  my ($h, $was) = @_;
  for my $k (keys %$h) {
    my ($now, $old) = ($h->{$k}, $was->{$k});
    next if defined $now ? defined $old && (ref $now || ref $old ? ref $now && ref $old && $now == $old : $now eq $old) : !defined $old;
    if (exists $was->{$k}) { $h->{$k} = $old } else { delete $h->{$k} }
  }
  for my $k (keys %$was) { $h->{$k} = $was->{$k} unless exists $h->{$k} }
  return;
}

1;
