package MgWorkhorse::EpnCompile;
# Turns a plugin file into a handler sub in its own package, p1.pl style, without p1's breakages: __END__ and
# __DATA__, `# line 1 "<file>"`, no inherited pragmas, $0 and FindBin at compile time, compile-time exit,
# per-plugin @INC, process-wide state (%SIG, %ENV, STD handle layers) kept out of the long-lived parent and
# replayed in each check's child.
use strict;
use warnings;
use B ();
use PerlIO::scalar ();    # the @INC hook serves plugin texts from memory
use Time::HiRes ();
use MgWorkhorse::EpnTraps ();

use constant HANDLER       => 'hndlr';    # p1's name: stack traces read `Embed::...::hndlr`
use constant MAX_ERROR_LEN => 4096;       # p1 cuts compile errors there too

my @BASE_INC;    # "dir/" prefixes of the farm's @INC at start: modules under them are shared by all plugins
my $SEQ = 0;     # numbers the virtual file names the wrapped texts are required as

# Records the farm's own @INC; modules loaded from anywhere else came from a plugin's `use lib`.
sub set_base_inc {
  @BASE_INC = map { m{/\z} ? $_ : "$_/" } grep { defined && !ref } @_;
  return;
}

# Whether a %INC path lies under the farm's @INC (so any plugin's `require` would find the same file).
sub in_base_inc {
  my ($path) = @_;
  return 0 if !defined $path || ref $path;
  for (@BASE_INC) { return 1 if index($path, $_) == 0 }
  return 0;
}

# p1's valid_package_name, with zero padding ("_%02x": p1's "_%2x" makes invalid names below 0x10) and collapsed
# slashes: /usr/lib/nagios/plugins/check_foo.pl -> Embed::usr::lib::nagios::plugins::check_5ffoo_2epl
sub package_name {
  my ($file) = @_;
  (my $s = $file) =~ s{/+}{/}g;
  $s =~ s{([^A-Za-z0-9/])}{sprintf '_%02x', ord $1}eg;
  $s =~ s{/(\d)}{sprintf '/_%02x', ord $1}eg;
  $s =~ s{\A(\d)}{sprintf '_%02x', ord $1}e;
  $s =~ s{/}{::}g;
  return $s =~ /\A::/ ? "Embed$s" : "Embed::$s";
}

# Splits the plugin text at __END__/__DATA__ (outside POD and here-docs), reads the #! switches.
# Returns { code, data_offset, data_token, data_pkg, pod_open, w, switches }; `naive` ignores here-docs.
sub split_source {
  my ($text, $naive) = @_;
  my %s = (code => $text, w => 0, switches => [], pod_open => 0);
  if ($text =~ /\A(?:\xEF\xBB\xBF)?#![^\n]*?perl\S*[ \t]+([^\n]*)/) {
    $s{switches} = [ grep { /\A-/ } split ' ', $1 ];
    for my $sw (@{ $s{switches} }) {
      for my $c (split //, substr($sw, 1)) {
        last if index('IlmMdDx0CEe', $c) >= 0;    # the rest of the cluster is that switch's argument
        $s{w} = 1 if $c eq 'w' || $c eq 'W';
      }
    }
  }
  my ($in_pod, @heredoc, $pkg) = (0);
  my $len = length $text;
  pos($text) = 0;
  while (pos($text) < $len && $text =~ /\G([^\n]*)(?:\n|\z)/gc) {
    my ($line, $start, $end) = ($1, $-[0], $+[0]);
    if (@heredoc) {
      (my $l = $line) =~ s/\A[ \t]+// if $heredoc[0]{indent};
      shift @heredoc if ($heredoc[0]{indent} ? $l : $line) eq $heredoc[0]{term};
      next;
    }
    if ($in_pod) { $in_pod = 0 if $line =~ /\A=cut\b/; next }
    if ($line =~ /\A=[a-zA-Z]/) { $in_pod = 1; next }
    if ($line =~ /\A__(END|DATA)__\b/) {
      @s{qw(code data_offset data_token data_pkg)} = (substr($text, 0, $start), $end, $1, $pkg);
      return \%s;
    }
    $pkg = $1 if $line =~ /\A\s*package\s+([A-Za-z_][\w:]*)\s*;/;
    next if $naive || index($line, '<<') < 0;
    (my $code = $line) =~ s/(?:\A|\s)#.*//;
    while ($code =~ /<<(~?)(?:[ \t]*"([^"\n]*)"|[ \t]*'([^'\n]*)'|([A-Za-z_]\w*))/g) {
      push @heredoc, { indent => $1 ne '', term => $2 // $3 // $4 };
    }
  }
  $s{pod_open} = $in_pod;
  return \%s;
}

# The `# line` directive that makes errors, warnings and __FILE__ name the plugin's own file and lines.
sub line_directive {
  my ($file) = @_;
  return qq(# line 1 "$file"\n) if $file !~ /["\n]/;
  return "# line 1 $file\n"     if $file !~ /[\s"]/;
  return '';
}

# Compiles $file into a handler. Options: mode => 'parent' | 'child' | 'check' (mg-epn-check: closure warnings
# are kept in `closure`); timeout => seconds (alarm; 0 = none); prelude => Perl text put before the plugin's
# `# line 1` (mg-epn-check compiles with p1's pragmas that way).
# Returns an entry: { ok, ms, pkg, handler, error, exit, exit_where, inc, init, globals, data_*, w, switches,
# warnings, conflicts, closure }. Never dies; never exits (exit during the compile is recorded in `exit`).
sub compile {
  my ($file, %o) = @_;
  my $t0 = Time::HiRes::time();
  my %e = (file => $file, ok => 0, pkg => package_name($file), warnings => [], conflicts => [], closure => []);
  my $text = _read($file);
  if (!defined $text) {
    $e{error} = qq(Can't open perl script "$file": $!);
    $e{ms} = (Time::HiRes::time() - $t0) * 1000;
    return \%e;
  }
  my $src = split_source($text, $o{naive});
  $e{$_} = $src->{$_} for qw(w switches data_offset data_token);
  $e{data_pkg} = $src->{data_token} && $src->{data_token} eq 'DATA' ? $src->{data_pkg} : undef;
  (my $code = $src->{code}) =~ s/\A\xEF\xBB\xBF//;
  my $wrapped = "package $e{pkg}; sub " . HANDLER . " {\n" . ($o{prelude} // '') . line_directive($file) . $code . "\n"
    . ($src->{pod_open} ? "=cut\n" : '') . "}\n1;\n";
  { no strict 'refs'; undef %{"$e{pkg}::"}; }    # p1: nothing of an older compile of this file stays behind

  my $before = _globals();
  my ($ok, $err);
  {
    local $0 = $file;    # FindBin, Pod::Usage, basename($0) at compile time see the plugin (R13)
    FindBin::again() if defined &FindBin::again;
    local @INC = @INC;   # a plugin's `use lib` stays with that plugin (replayed in its children)
    my $hidden = _hide_plugin_modules();
    local $^W = $src->{w} ? 1 : $^W;
    local $MgWorkhorse::EpnTraps::Phase = 'compile';
    ($MgWorkhorse::EpnTraps::Exit, $MgWorkhorse::EpnTraps::ExitWhere) = ();
    my $warn = sub { _compile_warning(\%e, $o{mode}, @_) };
    local $SIG{__WARN__} = $warn;
    my $alarm = sub { die "compile did not finish within $o{timeout} s\n" };
    local $SIG{ALRM} = $o{timeout} ? $alarm : $SIG{ALRM};
    my $init_n = _init_count();
    if ($o{timeout}) {
      eval {
        Time::HiRes::alarm($o{timeout});
        ($ok, $err) = _compile_text($wrapped);
        Time::HiRes::alarm(0);
        1;
      } or do { Time::HiRes::alarm(0); ($ok, $err) = (undef, $@) };
    } else {
      ($ok, $err) = _compile_text($wrapped);
    }
    $e{inc}     = [@INC];
    $e{init}    = _new_init_blocks($init_n);
    $e{globals} = _globals_delta($before, { __WARN__ => $warn, ($o{timeout} ? (ALRM => $alarm) : ()) });
    for (keys %$hidden) { $INC{$_} //= $hidden->{$_} }
  }
  _restore_globals($before, $e{globals});
  _forget_failed_modules();
  $e{ms} = (Time::HiRes::time() - $t0) * 1000;

  if (defined $MgWorkhorse::EpnTraps::Exit) {
    @e{qw(exit exit_where)} = ($MgWorkhorse::EpnTraps::Exit, $MgWorkhorse::EpnTraps::ExitWhere);
    $e{error} = "exit($e{exit}) called while compiling (BEGIN block or use) $e{exit_where}";
    ($MgWorkhorse::EpnTraps::Exit, $MgWorkhorse::EpnTraps::ExitWhere) = ();
  } elsif (!$ok) {
    $err = 'compile failed' if !defined $err || $err eq '';
    # A __END__ the here-doc tracking missed (unbalanced quotes confuse it): try once with the plain line rule.
    if (!$o{naive} && $err =~ /Missing right curly/ && split_source($text, 1)->{data_offset}
      && !$src->{data_offset}) {
      return compile($file, %o, naive => 1);
    }
    chomp $err;
    $e{error} = length $err > MAX_ERROR_LEN ? substr($err, 0, MAX_ERROR_LEN) : $err;
  } else {
    no strict 'refs';
    $e{handler} = \&{ "$e{pkg}::" . HANDLER };
    $e{ok} = 1;
  }
  return \%e;
}

# Loads a module ("Foo/Bar.pm") into this process as a compile would (traps on, globals kept out, alarm).
# Returns '' or the error.
sub preload {
  my ($key, $timeout) = @_;
  my $before = _globals();
  my $ok;
  {
    local $SIG{__WARN__} = sub { };
    local $SIG{ALRM} = sub { die "loading did not finish within $timeout s\n" };
    local $MgWorkhorse::EpnTraps::Phase = 'compile';
    $ok = eval { Time::HiRes::alarm($timeout); require $key; Time::HiRes::alarm(0); 1 };
    Time::HiRes::alarm(0);
  }
  my $err = $ok ? '' : ($@ || 'failed');
  _restore_globals($before, _globals_delta($before, {}));
  _forget_failed_modules();
  ($MgWorkhorse::EpnTraps::Exit, $MgWorkhorse::EpnTraps::ExitWhere) = ();
  chomp $err;
  return $err;
}

# A require that failed leaves $INC{...} undef, and every later require of it in any child would die with
# "Attempt to reload ... aborted" instead of the module's real error: forget those entries.
sub _forget_failed_modules {
  delete $INC{$_} for grep { !defined $INC{$_} } keys %INC;
  return;
}

# Compiles the wrapped text the way perl compiles a file: `require` of a virtual name that an @INC hook serves
# from memory. A required file starts with no lexical pragma (p1's string eval inherited p1.pl's `use strict`:
# R11), and perl's lexer reads it line by line as a file, so syntax errors say `near "..."` as with plain perl
# (a string eval says "at EOF"). Returns ($ok, $error).
sub _compile_text {
  my ($text) = @_;
  my $key  = '/mg-epn-farm/plugin-' . ++$SEQ;
  my $hook = sub {
    return unless $_[1] eq $key;
    open my $fh, '<', \$text or return;
    return $fh;
  };
  unshift @INC, $hook;
  my $ok  = eval { require $key; 1 };
  my $err = $@;
  delete $INC{$key};
  @INC = grep { !ref || $_ != $hook } @INC;
  $err =~ s/\n?Compilation failed in require at [^\n]* line \d+\.\n\z/\n/ if defined $err;
  return ($ok, $err);
}

# Compile-time warnings: "will not stay shared" is harmless when each child runs the handler once (R3); INIT
# blocks are run by the child (so "Too late" is moot); a sub redefined from another file means this plugin
# replaces code another plugin or module owns (R15), so the caller must not compile it into the shared parent.
sub _compile_warning {
  my ($e, $mode, $msg) = @_;
  if ($msg =~ /will not stay shared|Too late to run INIT block/) {
    push @{ $e->{closure} }, $msg if $mode eq 'check' && $msg =~ /will not stay shared/;
    return;
  }
  if ($msg =~ /\A(?:Constant s|S)ubroutine (\S+) redefined at (.+?) line \d+\.$/m) {
    my ($name, $new_file) = ($1, $2);
    my $full = $name =~ /::/ ? $name : B::curstash()->NAME . "::$name";
    my $old_file = do { no strict 'refs'; defined &$full ? B::svref_2object(\&$full)->FILE : '' };
    return if $old_file eq $new_file;    # the same file compiled again (an edited plugin, a module reloaded)
    push @{ $e->{conflicts} }, "$full (first defined in $old_file)";
    return;    # the farm logs it; plain perl, which never saw the other definition, would print nothing
  }
  push @{ $e->{warnings} }, $msg;
  print STDERR $msg if $mode eq 'child';    # in a check's child, compile warnings go to its stderr (plain perl)
  return;
}

# The file's bytes, or undef with $! set.
sub _read {
  my ($file) = @_;
  open my $fh, '<:raw', $file or return undef;
  local $/;
  my $text = <$fh>;
  close $fh;
  return $text;
}

# Modules a plugin loaded from its own `use lib` directories are hidden from %INC while another plugin compiles,
# so that plugin loads its own copy (and a clash shows up as a redefinition, see _compile_warning).
sub _hide_plugin_modules {
  my %hidden;
  for my $k (keys %INC) {
    next if index($k, 'MgWorkhorse/') == 0;
    my $p = $INC{$k};
    next if !defined $p || ref $p || in_base_inc($p);
    $hidden{$k} = delete $INC{$k};
  }
  return \%hidden;
}

# How many INIT blocks perl holds now.
sub _init_count {
  my $av = B::init_av();
  return $av->isa('B::AV') ? scalar(my @a = $av->ARRAY) : 0;
}

# INIT blocks compiled after the interpreter started are kept by perl but never run ("Too late"): the child runs
# the plugin's (and its modules') before the handler, as plain perl runs them before the main program.
sub _new_init_blocks {
  my ($n) = @_;
  my $av = B::init_av();
  return [] unless $av->isa('B::AV');
  my @cvs = $av->ARRAY;
  return [ map { $_->object_2svref } @cvs[ $n .. $#cvs ] ];
}

# Process-wide state a compile may change: %SIG, %ENV, the layers and autoflush of STDIN/STDOUT/STDERR.
sub _globals {
  my %g = (sig => {%SIG}, env => {%ENV});
  for my $h (qw(STDIN STDOUT STDERR)) {
    no strict 'refs';
    $g{layers}{$h} = join ',', PerlIO::get_layers(*{"main::$h"});
  }
  for my $h (qw(STDOUT STDERR)) {
    no strict 'refs';
    my $old = select *{"main::$h"};
    $g{autoflush}{$h} = $| ? 1 : 0;
    select $old;
  }
  return \%g;
}

# What the compile changed, relative to $before ($ours: the handlers the compiler itself set meanwhile).
sub _globals_delta {
  my ($before, $ours) = @_;
  my $now = _globals();
  my %d;
  for my $k (keys %SIG) {
    my $ref = exists $ours->{$k} ? $ours->{$k} : $before->{sig}{$k};
    $d{sig}{$k} = $SIG{$k} unless _same($SIG{$k}, $ref);
  }
  for my $k (keys %{ $now->{env} }) {
    $d{env}{$k} = $now->{env}{$k} unless _same($now->{env}{$k}, $before->{env}{$k});
  }
  for my $k (keys %{ $before->{env} }) { $d{env}{$k} = undef unless exists $now->{env}{$k} }
  for my $h (keys %{ $now->{layers} }) {
    $d{layers}{$h} = [ PerlIO::get_layers(*{ _fh($h) }) ] if $now->{layers}{$h} ne $before->{layers}{$h};
  }
  for my $h (keys %{ $now->{autoflush} }) {
    $d{autoflush}{$h} = $now->{autoflush}{$h} if $now->{autoflush}{$h} != $before->{autoflush}{$h};
  }
  return \%d;
}

# Whether two %SIG / %ENV values are the same (code refs by identity).
sub _same {
  my ($a, $b) = @_;
  return !defined $b if !defined $a;
  return 0 if !defined $b;
  return ref $a || ref $b ? (ref $a && ref $b && $a == $b) : $a eq $b;
}

# The glob of STDIN, STDOUT or STDERR by name.
sub _fh { no strict 'refs'; return \*{"main::$_[0]"} }

# Puts the state a compile changed back as it was (the parent must not keep a plugin's %SIG, %ENV or layers).
sub _restore_globals {
  my ($before, $d) = @_;
  $SIG{$_} = $before->{sig}{$_} for grep { $_ ne '__WARN__' && $_ ne 'ALRM' } keys %{ $d->{sig} || {} };
  for my $k (keys %{ $d->{env} || {} }) {
    if (exists $before->{env}{$k}) { $ENV{$k} = $before->{env}{$k} } else { delete $ENV{$k} }
  }
  for my $h (keys %{ $d->{layers} || {} }) {
    my @layers = split /,/, $before->{layers}{$h};
    binmode _fh($h);
    binmode _fh($h), join '', map {":$_"} @layers[ 2 .. $#layers ] if @layers > 2;
  }
  _autoflush($_, $before->{autoflush}{$_}) for keys %{ $d->{autoflush} || {} };
  return;
}

# Replays what a plugin's compile changed (in a check's child, before the handler runs).
sub apply_globals {
  my ($d) = @_;
  $SIG{$_} = $d->{sig}{$_} for keys %{ $d->{sig} || {} };
  for my $k (keys %{ $d->{env} || {} }) {
    if (defined $d->{env}{$k}) { $ENV{$k} = $d->{env}{$k} } else { delete $ENV{$k} }
  }
  for my $h (keys %{ $d->{layers} || {} }) {
    my @layers = @{ $d->{layers}{$h} };
    binmode _fh($h);
    eval { binmode _fh($h), join '', map {":$_"} @layers[ 2 .. $#layers ] } if @layers > 2;
  }
  _autoflush($_, $d->{autoflush}{$_}) for keys %{ $d->{autoflush} || {} };
  return;
}

# Sets $| of a STD handle.
sub _autoflush {
  my ($h, $on) = @_;
  my $old = select _fh($h);
  $| = $on;
  select $old;
  return;
}

1;
