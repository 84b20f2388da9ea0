package MgWorkhorse::LintRulesFlow;
# EPN rules about how a plugin ends and when its code runs: compile-time blocks (R5), exit inside eval or a
# __DIE__ handler (R6), bare or non-numeric exit (R7), no exit at all (R8), die (R9), warn (R10), END blocks
# (R20), string eval and do FILE (R23), exits that bypass the trap (R24). See reference epn.md (b).
use strict;
use warnings;
use MgWorkhorse::LintPpi qw(calls loc enclosing_block_word is_write);
use MgWorkhorse::LintRulesIo ();

our @RULES = (\&r5_compile_time, \&r6_exit_in_eval, \&r7_bare_exit, \&r8_no_exit, \&r9_die, \&r10_warn,
  \&r20_end, \&r23_recompile, \&r24_bypass);

*finding = \&MgWorkhorse::LintRulesIo::finding;

# Exiting helpers of Monitoring::Plugin / Nagios::Plugin / Pod::Usage: they call exit for the plugin.
my @EXITERS = qw(plugin_exit nagios_exit plugin_die nagios_die pod2usage);

sub _scheduled {
  my ($doc, @types) = @_;
  my %want = map { $_ => 1 } @types;
  my $s = $doc->find('PPI::Statement::Scheduled') || [];
  return grep { $want{ $_->type } } @$s;
}

# R5: BEGIN/INIT/CHECK/UNITCHECK run once in the long-lived host: exit fails the compile, output is lost,
# rand() seeds every later check alike.
sub r5_compile_time {
  my ($doc) = @_;
  my @f;
  for my $b (_scheduled($doc, qw(BEGIN INIT CHECK UNITCHECK))) {
    my @bad = calls($b, qw(exit print printf say rand srand open sleep));
    if (@bad) {
      push @f, finding(R5 => $_, $_->content . ' inside ' . $b->type . ': runs once in the EPN host at compile time'
        . ($_->content eq 'exit' ? ' and makes the compile fail' : ', not per check'), 'error') for @bad;
    } else {
      push @f, finding(R5 => $b, $b->type . ' block runs once in the EPN host, not per check', 'warning');
    }
  }
  return @f;
}

# R6: exit inside eval {} / try is swallowed by the plugin's own eval under p1 and Go; a __DIE__ handler
# sees the exit as an error.
sub r6_exit_in_eval {
  my ($doc) = @_;
  my @f;
  for my $e (calls($doc, 'exit', @EXITERS)) {
    my $w = enclosing_block_word($e, qw(eval try));
    push @f, finding(R6 => $e, $e->content . " inside $w {}: p1-style hosts implement exit as die, so this eval catches it") if $w;
  }
  my $sig = $doc->find(sub { $_[1]->isa('PPI::Token::Symbol') && $_[1]->symbol eq '%SIG' && _key($_[1]) eq '__DIE__' }) || [];
  for (@$sig) {
    next unless is_write($_);
    push @f, finding(R6 => $_, 'a $SIG{__DIE__} handler sees the host\'s exit trap as an error (garbled output, rc 3)');
  }
  return @f;
}

# The literal key of $h{KEY} / $h{'KEY'}, or ''.
sub _key {
  my ($sym) = @_;
  my $sub = $sym->snext_sibling;
  return '' unless $sub && $sub->isa('PPI::Structure::Subscript') && $sub->start->content eq '{';
  (my $k = $sub->content) =~ s/\A\{\s*['"]?|['"]?\s*\}\z//g;
  return $k;
}

# R7: bare exit / exit "text": UNKNOWN under p1 and mod_gearman C (the trap warns on undef, fatally).
sub r7_bare_exit {
  my ($doc) = @_;
  my @f;
  for my $e (calls($doc, 'exit')) {
    my $arg = $e->snext_sibling;
    $arg = $arg->schild(0) && $arg->schild(0)->schild(0) if $arg && $arg->isa('PPI::Structure::List');
    if (!$arg || ($arg->isa('PPI::Token::Structure') && $arg->content eq ';')
      || ($arg->isa('PPI::Token::Word') && $arg->content =~ /\A(?:if|unless)\z/)) {
      push @f, finding(R7 => $e, 'bare exit: rc 3 (UNKNOWN) under p1 hosts, 0 elsewhere');
    } elsif ($arg->isa('PPI::Token::Quote')) {
      push @f, finding(R7 => $e, 'exit with a non-numeric argument: p1 hosts cannot read the code');
    }
  }
  return @f;
}

# R8: no exit at all: the plugin falls off the end, rc 3 "plugin did not call exit()" instead of 0.
sub r8_no_exit {
  my ($doc) = @_;
  return () if calls($doc, 'exit', @EXITERS);
  my $methods = $doc->find(sub { $_[1]->isa('PPI::Token::Word') && $_[1]->content =~ /\A(?:plugin_exit|nagios_exit|plugin_die|nagios_die)\z/ });
  return () if $methods;
  my $last;
  for my $c ($doc->schildren) { $last = $c unless $c->isa('PPI::Statement::End') || $c->isa('PPI::Statement::Data') }
  return finding(R8 => $last // [1, 1], 'the plugin never calls exit: EPN reports rc 3 "plugin did not call exit()" where plain perl gives 0');
}

# R9: die outside an eval: EPN gives UNKNOWN with an **ePN text, plain perl gives 255 (CRITICAL).
sub r9_die {
  my ($doc) = @_;
  return map { finding(R9 => $_, 'die outside eval: rc 3 with an **ePN text under EPN, rc 255 (CRITICAL) under plain perl') }
    grep { !enclosing_block_word($_, qw(eval try)) } calls($doc, 'die', 'croak', 'confess');
}

# R10: warn: fatal (UNKNOWN) under p1 and mod_gearman C, appended to the output by Go.
sub r10_warn {
  my ($doc) = @_;
  return map { finding(R10 => $_, 'warn: every warning is fatal (UNKNOWN) under p1 hosts and is appended to the output by Go') }
    calls($doc, 'warn', 'carp', 'cluck');
}

# R20: END blocks run at interpreter exit, not per check.
sub r20_end {
  my ($doc) = @_;
  return map { finding(R20 => $_, 'END block: runs when the EPN interpreter exits (or in every later Go child), not per check') }
    _scheduled($doc, 'END');
}

# R23: string eval and do FILE compile code on every run: memory grows in the long-lived host.
sub r23_recompile {
  my ($doc) = @_;
  my @f;
  for my $e (calls($doc, 'eval')) {
    my $arg = $e->snext_sibling;
    next if !$arg || $arg->isa('PPI::Structure::Block');
    next if $arg->isa('PPI::Token::Structure');    # eval; (of $_)
    push @f, finding(R23 => $e, 'string eval compiles code on every check: the EPN host\'s memory grows');
  }
  for my $d (calls($doc, 'do')) {
    my $arg = $d->snext_sibling;
    next if !$arg || $arg->isa('PPI::Structure::Block');
    push @f, finding(R23 => $d, 'do FILE compiles that file again on every check: the EPN host\'s memory grows');
  }
  return @f;
}

# R24: CORE::exit, POSIX::_exit, kill 9 => $$: bypass the exit trap, the check ends with no result.
sub r24_bypass {
  my ($doc) = @_;
  my @f;
  push @f, finding(R24 => $_, $_->content . ' bypasses the EPN exit trap: the check ends with no result')
    for calls($doc, qw(CORE::exit POSIX::_exit _exit CORE::GLOBAL::exit));
  for my $k (calls($doc, 'kill')) {
    my $text = join '', map { $_->content } MgWorkhorse::LintRulesIo::_args($k);
    push @f, finding(R24 => $k, 'kill of the own process ($$) ends the EPN host\'s process with no result') if $text =~ /\$\$/;
  }
  return @f;
}

1;
