package MgWorkhorse::LintRulesIo;
# EPN rules about the source text and the plugin's I/O: __END__/__DATA__ (R1, R2), #! switches (R12), fork and
# exec (R17), STDIN (R18), output that bypasses the host's STDOUT tie (R19). See reference epn.md (b).
use strict;
use warnings;
use MgWorkhorse::LintPpi qw(calls loc);

# Each rule: ($doc, $ctx) -> list of findings { rule, line, col, what [, severity] }.
our @RULES = (\&r1_end_token, \&r2_data_handle, \&r12_shebang, \&r17_fork_exec, \&r18_stdin, \&r19_output);

sub finding {
  my ($rule, $el, $what, $severity) = @_;
  my ($line, $col) = ref $el eq q(ARRAY) ? @$el : loc($el);
  return { rule => $rule, line => $line, col => $col, what => $what, ($severity ? (severity => $severity) : ()) };
}

# R1: __END__ / __DATA__ cut the wrapper's closing brace off (p1, mod_gearman C, Go).
sub r1_end_token {
  my ($doc) = @_;
  my $seps = $doc->find('PPI::Token::Separator') || [];
  return map { finding(R1 => $_, $_->content . ' ends the file: p1-style hosts paste the text into a sub and lose its closing brace') } @$seps;
}

# R2: the DATA handle (reading it, or *DATA): under p1 it is not the plugin's.
sub r2_data_handle {
  my ($doc) = @_;
  my @f;
  my $hits = $doc->find(sub {
    my $t = $_[1];
    return 1 if $t->isa('PPI::Token::QuoteLike::Readline') && $t->content =~ /\A<\s*(?:main::)?DATA\s*>\z/;
    return 1 if $t->isa('PPI::Token::Symbol') && $t->content =~ /\A\*(?:main::)?DATA\z/;
    return 1 if $t->isa('PPI::Token::Word') && $t->content =~ /\A(?:main::)?DATA\z/ && _is_handle_arg($t);
    return 0;
  }) || [];
  push @f, finding(R2 => $_, 'reads the DATA handle, which belongs to the EPN host, not to the plugin') for @$hits;
  return @f;
}

# A bareword used as a filehandle: readline(DATA), seek DATA, ..., close(DATA), eof DATA.
sub _is_handle_arg {
  my ($w) = @_;
  my $prev = $w->sprevious_sibling;
  if (!$prev) {
    my $p = $w->parent;
    $p = $p->parent if $p && $p->isa('PPI::Statement::Expression');
    $prev = $p->sprevious_sibling if $p && $p->isa('PPI::Structure::List');
  }
  return $prev && $prev->isa('PPI::Token::Word') && $prev->content =~ /\A(?:readline|seek|tell|close|eof|binmode|fileno|read|sysread|getc)\z/ ? 1 : 0;
}

my %SWITCH = (
  I => [error   => 'its -I include path is lost: modules there are not found'],
  l => [error   => '-l (chomp input, newline after each print) is ignored: output changes'],
  n => [error   => '-n (the implicit input loop) is ignored'],
  p => [error   => '-p (the implicit input loop with print) is ignored'],
  0 => [error   => '-0 (the input record separator) is ignored'],
  a => [error   => '-a (autosplit) is ignored'],
  T => [warning => 'taint mode (-T) is silently lost'],
  t => [warning => 'taint warnings (-t) are silently lost'],
  C => [warning => '-C (Unicode I/O layers) is ignored: output encoding changes'],
  w => [info    => '-w is ignored by p1 hosts (mg-workhorse honours it); p1 sets $^W=1 at run time anyway'],
);

# R12: #! switches: the shebang line is only a comment once the text is wrapped.
sub r12_shebang {
  my ($doc, $ctx) = @_;
  my $first = $ctx->{lines}[0] // '';
  return () unless $first =~ /\A(?:\xEF\xBB\xBF)?#!\S*perl\S*((?:[ \t]+\S+)*)/;
  my $rest = $1;
  my $base = $-[1];
  my @f;
  while ($rest =~ /(?:\A|[ \t])(-\w+)/g) {
    my ($sw, $at) = ($1, $base + $-[1] + 1);
    for my $c (split //, substr($sw, 1)) {
      my $s = $SWITCH{$c} or next;
      push @f, finding(R12 => [1, $at], "#! switch $sw: $s->[1]", $s->[0]);
      last if index('I0C', $c) >= 0;    # the rest of the cluster is that switch's argument
    }
  }
  return @f;
}

# R17: fork, exec, system, pipe opens, IPC::Open2/Open3.
sub r17_fork_exec {
  my ($doc) = @_;
  my @f;
  push @f, finding(R17 => $_, 'fork: the child inherits the host\'s exit trap and may send a second result', 'error') for calls($doc, 'fork');
  push @f, finding(R17 => $_, 'exec replaces the EPN process: the result is lost (p1 hosts exec themselves)', 'error') for calls($doc, 'exec');
  push @f, finding(R17 => $_, 'system(): the child writes to the real fd 1, past the host\'s STDOUT tie', 'warning') for calls($doc, 'system');
  for my $open (calls($doc, 'open')) {
    my $args = join ' ', map { $_->content } _args($open);
    next unless $args =~ /(?:['"]\s*(?:\|-|-\|)\s*['"])|(?:['"]\s*\|)|(?:\|\s*['"])/;
    push @f, finding(R17 => $open, 'a pipe open forks a child that writes past the host\'s STDOUT tie', 'warning');
  }
  my $inc = $doc->find('PPI::Statement::Include') || [];
  for (@$inc) {
    next unless ($_->module // '') =~ /\AIPC::Open[23]\z/;
    push @f, finding(R17 => $_, $_->module . ' dies under p1 ("untie attempted while 1 inner references still exist")', 'error');
  }
  return @f;
}

# The tokens after a call word up to the end of its statement (or inside its parentheses).
sub _args {
  my ($w) = @_;
  my @t;
  for (my $n = $w->snext_sibling; $n; $n = $n->snext_sibling) {
    last if $n->isa('PPI::Token::Structure') && $n->content eq ';';
    push @t, $n->isa('PPI::Node') ? @{ $n->find('PPI::Token') || [] } : $n;
  }
  return @t;
}

# R18: STDIN has no input under EPN (and in a pipe-based farm it would be the protocol stream).
sub r18_stdin {
  my ($doc) = @_;
  my $hits = $doc->find(sub {
    my $t = $_[1];
    return 1 if $t->isa('PPI::Token::QuoteLike::Readline') && $t->content =~ /\A<(?:\s*STDIN\s*|<?>?)>\z/;
    return 1 if $t->isa('PPI::Token::Word') && $t->content eq 'STDIN' && _is_handle_arg($t);
    return 0;
  }) || [];
  return map { finding(R18 => $_, 'reads STDIN: under EPN there is no input (undef, or the host\'s own stream)') } @$hits;
}

# R19: format/write, syswrite/fileno/binmode/open on STDOUT, POSIX::write(1, ...).
sub r19_output {
  my ($doc) = @_;
  my @f;
  my $st = $doc->find(sub { $_[1]->isa('PPI::Statement') && ($_[1]->schild(0) // '') eq 'format' && $_[1]->content =~ /\Aformat\b[^=;]*=\s*\n/ }) || [];
  push @f, finding(R19 => $_, 'format/write output goes to the real fd 1, not to the host\'s STDOUT tie: it is lost') for @$st;
  push @f, finding(R19 => $_, 'write (format output) bypasses the host\'s STDOUT tie') for calls($doc, 'write');
  for my $w (calls($doc, qw(syswrite fileno binmode open))) {
    my ($h) = grep { $_->significant } _args($w);
    next unless $h && $h->content =~ /\A(?:\*?(?:main::)?STDOUT|\\\*STDOUT)\z/;
    push @f, finding(R19 => $w, $w->content . ' STDOUT dies or bypasses the tied STDOUT of p1 hosts');
  }
  for my $w (calls($doc, 'POSIX::write')) {
    my ($fd) = grep { $_->significant } _args($w);
    push @f, finding(R19 => $w, 'POSIX::write to fd 1 bypasses the host\'s STDOUT tie') if $fd && $fd->content eq '1';
  }
  return @f;
}

1;
