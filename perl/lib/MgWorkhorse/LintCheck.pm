package MgWorkhorse::LintCheck;
# mg-epn-farm.pl's check mode, for mg-epn-check (src/lint/compile-layer.ts, src/lint/differential.ts). It uses
# the farm's own wrapper (MgWorkhorse::EpnCompile, MgWorkhorse::EpnTraps) and never enters the farm's loop:
#   --check FILE... [--timeout=S]   compile each FILE twice, each in a forked child: as the farm does ("farm"), and
#                                   with p1's pragmas (`use strict; use warnings FATAL => 'closure'`, "p1");
#                                   one JSON line per compile: ok, error, exit (called while compiling), what
#                                   BEGIN printed, warnings, closure warnings, redefined subs.
#   --check-run FILE [ARGS...]      compile once and run the handler twice in this one interpreter, without
#                                   fork, as a non-forking host (mini_epn) would; one JSON line per run: rc,
#                                   stdout, stderr, problem, and the globals the run left changed (%ENV, @INC,
#                                   %SIG, cwd, umask, $/ and friends, package variables).
use strict;
use warnings;
use Cwd ();
use Data::Dumper ();
use File::Temp ();
use JSON::PP ();
use POSIX ();
use MgWorkhorse::EpnChild ();
use MgWorkhorse::EpnCompile ();
use MgWorkhorse::EpnTraps ();

my $JSON = JSON::PP->new->canonical;
use constant P1_PRELUDE => "use strict; use warnings FATAL => 'closure';\n";

# Entry point; $lib is the farm's perl/lib (taken off @INC: plugins see perl's own @INC). Exits the process.
sub main {
  my ($lib, $mode, $file, @rest) = @_;
  @INC = grep { $_ ne $lib } @INC;
  MgWorkhorse::EpnCompile::set_base_inc(@INC);
  MgWorkhorse::EpnTraps::install();
  open my $out, '>&', \*STDOUT or die "mg-epn-farm --check: dup stdout: $!\n";
  binmode $out;
  open STDIN, '<', '/dev/null';
  if ($mode eq '--check') {
    my $timeout = 10;
    for my $f ($file, @rest) {    # FILE... [--timeout=S]: one process checks a whole batch
      if ($f =~ /\A--timeout=(\d+(?:\.\d+)?)\z/) { $timeout = $1; next }
      for my $variant ([farm => ''], [p1 => P1_PRELUDE]) {
        print {$out} compile_in_child($f, $timeout, @$variant), "\n";
      }
      $out->flush;
    }
  } else {
    print {$out} $_, "\n" for run_twice($file, @rest);
  }
  close $out;
  POSIX::_exit(0);    # no END block of the plugin runs here
}

# Compiles in a forked child with STDOUT/STDERR caught; returns the child's JSON line.
sub compile_in_child {
  my ($file, $timeout, $variant, $prelude) = @_;
  pipe my $r, my $w or die "pipe: $!\n";
  my $pid = fork // die "fork: $!\n";
  if (!$pid) {
    close $r;
    my ($printed, $err) = capture(sub {
      return MgWorkhorse::EpnCompile::compile($file, mode => 'check', timeout => $timeout, prelude => $prelude);
    });
    my $e = $printed->{result};
    # A plugin plain perl cannot compile either (a missing module) is broken everywhere, not under EPN only.
    my $plain = $e->{ok} || defined $e->{exit} ? 1 : MgWorkhorse::EpnChild::plain_perl_compiles($file, $e->{switches});
    print {$w} $JSON->encode({
      plainOk => $plain ? JSON::PP::true : JSON::PP::false,
      file => $file, variant => $variant, ok => $e->{ok} ? JSON::PP::true : JSON::PP::false, error => $e->{error},
      exit => $e->{exit}, exitWhere => $e->{exit_where}, beginOutput => $printed->{stdout}, ms => $e->{ms},
      warnings => $e->{warnings}, closure => $e->{closure}, conflicts => $e->{conflicts},
      ($err ? (internal => $err) : ()),
    });
    close $w;
    POSIX::_exit(0);
  }
  close $w;
  my $line = do { local $/; <$r> };
  waitpid $pid, 0;
  return $line || $JSON->encode({ file => $file, variant => $variant, ok => JSON::PP::false, internal => 'the check child died', error => '' });
}

# Runs $code with STDOUT and STDERR redirected to temp files; returns ({ result, stdout, stderr }, error).
sub capture {
  my ($code) = @_;
  my ($o, $e) = (File::Temp->new, File::Temp->new);
  open my $save_out, '>&', \*STDOUT or die;
  open my $save_err, '>&', \*STDERR or die;
  open STDOUT, '>&', $o or die;
  open STDERR, '>&', $e or die;
  my $result = eval { $code->() };
  my $err = $@;
  STDOUT->flush;
  STDERR->flush;
  open STDOUT, '>&', $save_out or die;
  open STDERR, '>&', $save_err or die;
  return ({ result => $result, stdout => _slurp($o->filename), stderr => _slurp($e->filename) }, $err);
}

sub _slurp {
  open my $fh, '<:raw', $_[0] or return '';
  local $/;
  my $s = <$fh>;
  return defined $s ? $s : '';
}

# Compile once, run twice in this process; a list of JSON lines (a compile failure gives one).
sub run_twice {
  my ($file, @args) = @_;
  my $e = MgWorkhorse::EpnCompile::compile($file, mode => 'check', timeout => 10);
  return $JSON->encode({ run => 0, compileError => $e->{error} // 'compile failed' }) unless $e->{ok};
  @INC = @{ $e->{inc} };
  MgWorkhorse::EpnCompile::apply_globals($e->{globals});
  my @lines;
  for my $n (1, 2) {
    my $before = snapshot($e->{pkg});
    my ($printed) = capture(sub { run_once($e, $file, @args) });
    my $after = snapshot($e->{pkg});
    my $r = $printed->{result} || { rc => 3, problem => 'internal' };
    push @lines, $JSON->encode({ run => $n, rc => $r->{rc}, problem => $r->{problem}, stdout => $printed->{stdout},
      stderr => $printed->{stderr}, changed => [ changed($before, $after) ] });
  }
  return @lines;
}

# One run of the handler as the farm's child runs it, but in this process: { rc, problem }.
sub run_once {
  my ($e, $file, @args) = @_;
  local $0 = $file;
  @ARGV = @args;
  $ENV{NAGIOS_PLUGIN} = $file;
  ($MgWorkhorse::EpnTraps::Exit, $MgWorkhorse::EpnTraps::ExitWhere, $MgWorkhorse::EpnTraps::Finish) = ();
  local $MgWorkhorse::EpnTraps::Phase = 'run';
  my ($died, $error);
  MG_EPN_RUN: for my $once (1) {    # `exit` leaves through this label (MgWorkhorse::EpnTraps)
    $died = !eval { $_->() for @{ $e->{init} }; $e->{handler}->(); 1 };
    $error = $@;
  }
  return { rc => $MgWorkhorse::EpnTraps::Exit, problem => undef } if defined $MgWorkhorse::EpnTraps::Exit;
  return { rc => 3, problem => "die: $error" } if $died;
  return { rc => 3, problem => 'noexit' };
}

my @SPECIAL_VARS = ('/', ',', '\\', ';', '"', '^W');

# The process state a run may leave behind, flattened to name => text.
sub snapshot {
  my ($pkg) = @_;
  my %s;
  $s{"\$ENV{$_}"} = $ENV{$_} for grep { $_ ne 'NAGIOS_PLUGIN' } keys %ENV;
  $s{'@INC'} = join "\0", grep { !ref } @INC;
  $s{"\$SIG{$_}"} = _dump($SIG{$_}) for grep { defined $SIG{$_} } keys %SIG;
  $s{cwd}   = Cwd::getcwd() // '';
  $s{umask} = umask;
  { no strict 'refs'; $s{"\$$_"} = _dump(${$_}) for @SPECIAL_VARS; }
  _stash($pkg, \%s, 0);
  return \%s;
}

# Package variables of $pkg and its sub-packages (scalars, arrays, hashes; not subs or handles).
sub _stash {
  my ($pkg, $s, $depth) = @_;
  return if $depth > 3;
  no strict 'refs';
  my $stash = \%{"${pkg}::"};
  for my $name (keys %$stash) {
    if ($name =~ /::\z/) { _stash($pkg . '::' . substr($name, 0, -2), $s, $depth + 1); next }
    next if $name =~ /\W|\A(?:ARGV|ENV|INC|SIG|STDIN|STDOUT|STDERR|_|a|b|BEGIN|END|INIT|DATA)\z/;
    my $glob = $stash->{$name};
    next unless ref \$glob eq 'GLOB';
    my $n = $depth ? "${pkg}::$name" : $name;    # the plugin's own package: `our $count` reads as $count
    $s->{"\$$n"} = _dump(${ *$glob{SCALAR} }) if defined ${ *$glob{SCALAR} };
    $s->{"\@$n"} = _dump([ @{ *$glob{ARRAY} } ]) if *$glob{ARRAY} && @{ *$glob{ARRAY} };
    $s->{"%$n"}  = _dump({ %{ *$glob{HASH} } }) if *$glob{HASH} && %{ *$glob{HASH} };
  }
  return;
}

sub _dump {
  my ($v) = @_;
  return 'undef' unless defined $v;
  return ref $v eq 'CODE' ? "CODE(\$v)" : "$v" unless ref $v eq 'ARRAY' || ref $v eq 'HASH';
  local $Data::Dumper::Sortkeys = 1;
  local $Data::Dumper::Indent   = 0;
  local $Data::Dumper::Maxdepth = 3;
  return Data::Dumper::Dumper($v);
}

# Names whose value differs between two snapshots (added, removed or changed).
sub changed {
  my ($a, $b) = @_;
  my %k = map { $_ => 1 } keys %$a, keys %$b;
  return sort grep { ($a->{$_} // "\0none") ne ($b->{$_} // "\0none") } keys %k;
}

1;
