package MgWorkhorse::LintPpi;
# PPI helpers for the EPN linter's rules (MgWorkhorse::LintRules): is a word a call of a builtin or a sub, is a
# token inside an eval {} or a named sub, is a variable written or only read, which variables a string
# interpolates. The parser does the syntax (POD, here-docs, strings and comments are tokens of their own), so a
# construct mentioned inside them never looks like code.
use strict;
use warnings;
use Exporter 'import';
use Scalar::Util ();

our @EXPORT_OK = qw(calls elements forget is_call enclosing_block_word enclosing_sub is_local is_write interpolated
  interpolates loc canonical);

my %ASSIGN = map { $_ => 1 } qw(= .= += -= *= /= %= **= x= ||= //= &&= |= &= ^= <<= >>= ++ --);
my %MUTATOR = map { $_ => 1 } qw(push unshift pop shift splice delete undef chomp chop);

# ($line, $col) of an element, 1-based.
sub loc {
  my ($el) = @_;
  my $l = $el->location or return (1, 1);
  return ($l->[0], $l->[1]);
}

# Whether a PPI::Token::Word is used as a function call (not a method, hash key, `=>` key, sub name or label).
sub is_call {
  my ($w) = @_;
  my $prev = $w->sprevious_sibling;
  return 0 if $prev && $prev->isa('PPI::Token::Operator') && $prev->content eq '->';
  return 0 if $prev && $prev->isa('PPI::Token::Word') && $prev->content =~ /\A(?:sub|package|require|use|no)\z/;
  my $next = $w->snext_sibling;
  return 0 if $next && $next->isa('PPI::Token::Operator') && $next->content eq '=>';
  return 0 if $next && $next->isa('PPI::Token::Operator') && $next->content eq '::';
  my $p = $w->parent;
  if ($p && $p->isa('PPI::Statement::Expression') && $p->parent && $p->parent->isa('PPI::Structure::Subscript')
    && $p->schildren == 1) {
    return 0;    # $h{exit}
  }
  return 0 if $p && $p->isa('PPI::Statement::Include');
  return 1;
}

# The elements of class $class under $node, in source order. For a whole document the walk is done once per
# class and kept (a dozen rules ask for the same words and symbols; a tree walk of a 10,000-line plugin costs
# a few hundred ms).
my %CACHE;    # refaddr of document => { class => [elements] }

sub elements {
  my ($node, $class) = @_;
  return @{ $node->find($class) || [] } unless $node->isa('PPI::Document');
  my $c = $CACHE{ Scalar::Util::refaddr($node) } //= {};
  return @{ $c->{$class} //= $node->find($class) || [] };
}

# Forgets the cached walks of a document (call when done with it).
sub forget {
  my ($doc) = @_;
  delete $CACHE{ Scalar::Util::refaddr($doc) };
  return;
}

# Every call of one of @names in $node, in source order.
sub calls {
  my ($node, @names) = @_;
  my %want = map { $_ => 1 } @names;
  return grep { $want{ $_->content } && is_call($_) } elements($node, 'PPI::Token::Word');
}

# The keyword that owns the nearest enclosing block among @words (eval, try, BEGIN ...), or ''.
sub enclosing_block_word {
  my ($el, @words) = @_;
  my %want = map { $_ => 1 } @words;
  for (my $p = $el->parent; $p; $p = $p->parent) {
    next unless $p->isa('PPI::Structure::Block');
    my $owner = $p->sprevious_sibling;
    if ($p->parent && $p->parent->isa('PPI::Statement::Scheduled')) {
      my $t = $p->parent->type;
      return $t if $want{$t};
    }
    return $owner->content if $owner && $owner->isa('PPI::Token::Word') && $want{ $owner->content };
  }
  return '';
}

# The named sub (PPI::Statement::Sub) $el is inside, or undef.
sub enclosing_sub {
  my ($el) = @_;
  for (my $p = $el->parent; $p; $p = $p->parent) {
    return $p if $p->isa('PPI::Statement::Sub') && defined $p->name;
  }
  return undef;
}

# Whether the statement holding $el starts with `local` (local $x = ...; local ($/, $,);).
sub is_local {
  my ($el) = @_;
  my $st = $el->statement or return 0;
  my $first = $st->schild(0);
  return 1 if $first && $first->isa('PPI::Token::Word') && $first->content eq 'local';
  my $prev = $el->sprevious_sibling;
  return $prev && $prev->isa('PPI::Token::Word') && $prev->content eq 'local' ? 1 : 0;
}

# Whether a symbol token is written: assigned, incremented, or the argument of push/delete/undef/...
sub is_write {
  my ($sym) = @_;
  my $next = $sym->snext_sibling;
  $next = $next->snext_sibling while $next && $next->isa('PPI::Structure::Subscript');
  return 1 if $next && $next->isa('PPI::Token::Operator') && $ASSIGN{ $next->content };
  my $prev = $sym->sprevious_sibling;
  return 1 if $prev && $prev->isa('PPI::Token::Operator') && $prev->content =~ /\A(?:\+\+|--)\z/;
  my $head = $prev;
  if (!$head) {    # first in a list: push(@INC, ...), delete($ENV{X})
    my $p = $sym->parent;
    $p = $p->parent if $p && $p->isa('PPI::Statement::Expression');
    $head = $p->sprevious_sibling if $p && $p->isa('PPI::Structure::List');
  }
  return 1 if $head && $head->isa('PPI::Token::Word') && $MUTATOR{ $head->content };
  return 0;
}

# Whether a quote-like token interpolates variables.
sub interpolates {
  my ($t) = @_;
  return 1 if $t->isa('PPI::Token::Quote::Double') || $t->isa('PPI::Token::Quote::Interpolate');
  return 1 if $t->isa('PPI::Token::QuoteLike::Backtick') || $t->isa('PPI::Token::QuoteLike::Command');
  return 1 if $t->isa('PPI::Token::HereDoc') && ($t->{_mode} // '') ne 'literal';
  return 0;
}

# The variables a string interpolates, canonical (`$x[1]` is @x, `$h{k}` is %h), each with its offset.
sub interpolated {
  my ($t) = @_;
  return () unless interpolates($t);
  my $text = $t->isa('PPI::Token::HereDoc') ? join('', $t->heredoc) : $t->content;
  my @v;
  while ($text =~ /(?<!\\)([\$\@])\{?(\w+(?:::\w+)*|0)\}?(\[|\{)?/g) {
    my ($sigil, $name, $sub) = ($1, $2, $3 // '');
    my $canon = $sigil eq '@' ? "\@$name" : $sub eq '[' ? "\@$name" : $sub eq '{' ? "%$name" : "\$$name";
    push @v, $canon;
  }
  return @v;
}

# The canonical name of a symbol token ($x[0] -> @x, $h{a} -> %h).
sub canonical {
  my ($sym) = @_;
  return $sym->symbol;
}

1;
