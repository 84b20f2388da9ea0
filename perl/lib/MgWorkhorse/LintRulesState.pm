package MgWorkhorse::LintRulesState;
# EPN rules about state the plugin shares with the long-lived interpreter: file-scope lexicals in named subs
# (R3), process globals written without local (R4, R16), implicit strict (R11), $0/__FILE__/FindBin (R13),
# @INC (R14), packages (R15), use diagnostics (R21). See reference epn.md (b).
use strict;
use warnings;
use MgWorkhorse::LintPpi qw(calls elements loc enclosing_sub is_local is_write interpolated);
use MgWorkhorse::LintRulesIo ();
use MgWorkhorse::LintRulesFlow ();

our @RULES = (\&r3_closure, \&r4_globals, \&r11_strict, \&r13_self_path, \&r14_inc, \&r15_packages,
  \&r16_signals, \&r21_diagnostics);

*finding = \&MgWorkhorse::LintRulesIo::finding;

# Symbols used by an element: tokens and interpolated variables, as [canonical name, token].
sub _uses {
  my ($el) = @_;
  my @u;
  my $toks = $el->find(sub { $_[1]->isa('PPI::Token::Symbol') || MgWorkhorse::LintPpi::interpolates($_[1]) }) || [];
  for my $t (@$toks) {
    if ($t->isa('PPI::Token::Symbol')) { push @u, [ $t->symbol, $t ] }
    else { push @u, map { [ $_, $t ] } interpolated($t) }
  }
  return @u;
}

# R3: a named sub using a file-scope `my` variable: under a p1 host the sub is nested in the handler sub
# ("will not stay shared"; stale values without fork).
sub r3_closure {
  my ($doc) = @_;
  my %lex;
  for my $st ($doc->schildren) {
    next unless $st->isa('PPI::Statement::Variable') && $st->type =~ /\A(?:my|state)\z/;
    $lex{$_} //= ($st->location || [0])->[0] for $st->variables;
  }
  return () unless %lex;
  my @f;
  my $subs = $doc->find(sub { $_[1]->isa('PPI::Statement::Sub') && defined $_[1]->name && $_[1]->block }) || [];
  for my $sub (@$subs) {
    my %own = map { $_ => 1 } map { $_->variables } @{ $sub->find('PPI::Statement::Variable') || [] };
    my $line = ($sub->location || [0])->[0];
    my (%seen, @names, $first);
    for my $u (_uses($sub->block)) {
      my ($name, $tok) = @$u;
      next if !$lex{$name} || $own{$name} || $lex{$name} > $line || $seen{$name}++;
      push @names, $name;
      $first //= $tok;
    }
    next unless @names;    # one finding per sub, at its first use, naming every such variable
    my $list = @names > 6 ? join(', ', @names[0 .. 5]) . ' and ' . (@names - 6) . ' more' : join(', ', @names);
    push @f, finding(R3 => $first, 'sub ' . $sub->name . ' uses the file-scope lexical' . (@names > 1 ? 's' : '')
      . " $list: wrapped by a p1 host, the sub is nested in the handler sub (\"will not stay shared\","
      . ' the first run\'s value sticks)');
  }
  return @f;
}

my %PROCESS_GLOBAL = map { $_ => 1 } ('%ENV', '$/', '$,', '$\\', '$;', '$"', '$0', '$^W');

# R4: writes to process globals and package variables that persist in a long-lived interpreter.
sub r4_globals {
  my ($doc) = @_;
  my @f;
  my %our;
  for my $st (elements($doc, 'PPI::Statement::Variable')) {
    next unless $st->type eq 'our';
    $our{$_} = 1 for $st->variables;
  }
  for (elements($doc, 'PPI::Statement::Include')) {
    next unless ($_->pragma // '') eq 'vars';
    $our{$_} = 1 for $_->content =~ /([\$\@%]\w+)/g;
  }
  my $syms = [ elements($doc, 'PPI::Token::Symbol') ];
  my %reported;    # the first write of each variable is enough to act on
  for my $s (@$syms) {
    my $name = $s->symbol;
    next if $name eq '%SIG' || $name eq '@INC' || $name eq '%INC' || $reported{$name};    # R16, R14
    next unless $PROCESS_GLOBAL{$name} || $our{$name} || $name =~ /\A[\$\@%]main::/;
    next if !is_write($s) || is_local($s);
    next if $s->statement && $s->statement->isa('PPI::Statement::Variable');    # our $x = 0; (re-set every run)
    next if !$PROCESS_GLOBAL{$name} && _plain_assignment($s);                  # $x = 1; (re-set every run)
    $reported{$name} = 1;
    my $why = $PROCESS_GLOBAL{$name} ? "process-wide $name" : "package variable $name";
    push @f, finding(R4 => $s, "writes the $why without local: in an interpreter that runs checks without fork it leaks into later checks", 'warning');
  }
  for my $c (calls($doc, qw(chdir umask Getopt::Long::Configure))) {
    push @f, finding(R4 => $c, $c->content . ' changes process-wide state that later checks in the same interpreter inherit', 'warning');
  }
  return @f;
}

my %STRICT = map { $_ => 1 } qw(strict Modern::Perl common::sense Moose Moo Mojo::Base Mouse strictures Dancer);
my %SPECIAL = map { $_ => 1 } qw(ARGV ENV INC SIG STDIN STDOUT STDERR _ a b ARGVOUT 0);

# `$x = ...` on a whole scalar: the value is set anew by every run, so nothing accumulates.
sub _plain_assignment {
  my ($s) = @_;
  my $next = $s->snext_sibling;
  return $s->content =~ /\A\$/ && $next && $next->isa('PPI::Token::Operator') && $next->content eq '=' ? 1 : 0;
}

# R11: p1 compiles every plugin under an implicit `use strict`: undeclared globals fail to compile.
sub r11_strict {
  my ($doc) = @_;
  my $inc = [ elements($doc, 'PPI::Statement::Include') ];
  for (@$inc) {
    return () if $_->type eq 'use' && ($STRICT{ $_->module // '' } || ($_->version // '') =~ /\Av?5\.(\d+)/ && $1 >= 12);
  }
  my %declared;
  for my $st (elements($doc, 'PPI::Statement::Variable')) {
    next if $st->type eq 'local';
    $declared{$_} = 1 for $st->variables;
  }
  for (@$inc) {
    next unless ($_->pragma // '') eq 'vars';
    $declared{$_} = 1 for $_->content =~ /([\$\@%]\w+)/g;
  }
  my @f;
  my %seen;
  for my $s (elements($doc, 'PPI::Token::Symbol')) {
    next if $s->isa('PPI::Token::Magic');
    my $name = $s->symbol;
    next if $name =~ /::|'/ || $name !~ /\A[\$\@%]/ || $SPECIAL{ substr $name, 1 } || $name =~ /\A.\d+\z/;
    next if $declared{$name} || $seen{$name}++;
    push @f, finding(R11 => $s, "the global $name is never declared: p1 hosts compile every plugin under an implicit use strict"
      . ' ("Global symbol requires explicit package name")', 'error');
  }
  return @f;
}

# R13: $0, __FILE__, FindBin, Pod::Usage name the EPN host, not the plugin.
sub r13_self_path {
  my ($doc) = @_;
  my @f;
  my %seen;
  my $toks = $doc->find(sub {
    my $t = $_[1];
    return 1 if $t->isa('PPI::Token::Magic') && $t->content eq '$0';
    return 1 if $t->isa('PPI::Token::Word') && $t->content eq '__FILE__';
    return 1 if MgWorkhorse::LintPpi::interpolates($t) && grep { $_ eq '$0' } interpolated($t);
    return 0;
  }) || [];
  for (@$toks) {
    my $what = $_->content eq '__FILE__' ? '__FILE__' : '$0';
    push @f, finding(R13 => $_, "$what names the EPN host script (p1.pl, the daemon), not the plugin: use \$ENV{NAGIOS_PLUGIN} // $what", 'warning');
  }
  for (elements($doc, 'PPI::Statement::Include')) {
    my $m = $_->module // '';
    next unless $m eq 'FindBin' || $m eq 'Pod::Usage';
    push @f, finding(R13 => $_, $m eq 'FindBin' ? 'FindBin is computed once per interpreter: $FindBin::Bin is the host\'s directory under p1 hosts'
      : 'Pod::Usage reads the POD from $0, which is the EPN host under p1 hosts', 'warning');
  }
  return @f;
}

# R14: use lib, @INC/%INC edits, require of a path: the first plugin's modules win for all later ones.
sub r14_inc {
  my ($doc) = @_;
  my @f;
  for (elements($doc, 'PPI::Statement::Include')) {
    next unless ($_->pragma // '') eq 'lib' && $_->type eq 'use';
    push @f, finding(R14 => $_, 'use lib: @INC grows for every later plugin in the interpreter, and the first loaded module version wins', 'warning');
  }
  for my $s (elements($doc, 'PPI::Token::Symbol')) {
    next unless ($s->symbol eq '@INC' || $s->symbol eq '%INC') && is_write($s) && !is_local($s);
    push @f, finding(R14 => $s, 'changes ' . $s->symbol . ' for every later plugin in the interpreter', 'warning');
  }
  for my $r (calls($doc, 'require')) {
    my $arg = $r->snext_sibling;
    next unless $arg && $arg->isa('PPI::Token::Quote') && $arg->string =~ m{/|\.p[lm]\z};
    push @f, finding(R14 => $r, 'require of a path: relative paths resolve against the worker\'s cwd, and the file is loaded once per interpreter', 'warning');
  }
  return @f;
}

# R15: packages are global to the interpreter; two plugins bundling one package replace each other's subs.
sub r15_packages {
  my ($doc) = @_;
  my $pk = $doc->find('PPI::Statement::Package') || [];
  return map { finding(R15 => $_, 'package ' . $_->namespace . ' is shared by every plugin in the interpreter: another plugin bundling it redefines its subs') }
    grep { $_->namespace ne 'main' } @$pk;
}

# R16: %SIG writes without local and alarm: process-global, they outlive the check without fork.
sub r16_signals {
  my ($doc) = @_;
  my @f;
  my $local_alrm = 0;
  for my $s (elements($doc, 'PPI::Token::Symbol')) {
    next unless $s->symbol eq '%SIG' && is_write($s);
    my $key = MgWorkhorse::LintRulesFlow::_key($s);
    next if $key eq '__DIE__';    # R6
    if (is_local($s)) { $local_alrm = 1 if $key eq 'ALRM'; next }
    push @f, finding(R16 => $s, "sets \$SIG{$key} without local: the handler stays installed in the interpreter after the check");
  }
  if (!$local_alrm) {
    push @f, finding(R16 => $_, 'alarm without local $SIG{ALRM}: the alarm replaces the host\'s timeout and can fire in a later check') for calls($doc, 'alarm');
  }
  return @f;
}

# R21: use diagnostics installs process-global __WARN__/__DIE__ handlers.
sub r21_diagnostics {
  my ($doc) = @_;
  return map { finding(R21 => $_, 'use diagnostics installs process-wide __WARN__ and __DIE__ handlers that outlive the plugin') }
    grep { ($_->module // '') eq 'diagnostics' && $_->type eq 'use' } elements($doc, 'PPI::Statement::Include');
}

1;
