package MgWorkhorse::Lint;
# Static EPN analysis of one plugin file with PPI: runs every rule of LintRulesIo, LintRulesFlow and
# LintRulesState over the parsed document, and collects what directory mode needs to find collisions between
# plugins (packages declared, `use lib` directories, modules used).
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec ();
use PPI ();
use MgWorkhorse::LintPpi ();
use MgWorkhorse::LintRulesIo ();
use MgWorkhorse::LintRulesFlow ();
use MgWorkhorse::LintRulesState ();

my @RULES = (@MgWorkhorse::LintRulesIo::RULES, @MgWorkhorse::LintRulesFlow::RULES, @MgWorkhorse::LintRulesState::RULES);

# Analyses $file. Returns { file, findings => [...], packages => [{name,line}], libs => [dir], lib_line (of the
# first `use lib`), modules => [name],
# error => text (the file could not be read or parsed) }.
sub analyse {
  my ($file) = @_;
  my %r = (file => $file, findings => [], packages => [], libs => [], modules => []);
  open my $fh, '<:raw', $file or do { $r{error} = "cannot read $file: $!"; return \%r };
  my $text = do { local $/; <$fh> };
  close $fh;
  my $doc = PPI::Document->new(\$text);
  if (!$doc) { $r{error} = 'PPI cannot parse the file: ' . (PPI::Document->errstr // 'unknown error'); return \%r }
  $doc->index_locations;
  my $ctx = { file => $file, lines => [ split /\n/, $text, 11 ] };
  for my $rule (@RULES) {
    my @f = eval { $rule->($doc, $ctx) };
    push @{ $r{findings} }, @f;
    push @{ $r{findings} }, { rule => 'E2', line => 1, col => 1, what => "a lint rule failed: $@", severity => 'warning' } if $@;
  }
  MgWorkhorse::LintPpi::forget($doc);
  @{ $r{findings} } = sort { $a->{line} <=> $b->{line} || $a->{col} <=> $b->{col} || $a->{rule} cmp $b->{rule} } @{ $r{findings} };
  _collect($doc, $file, \%r);
  return \%r;
}

# Packages, `use lib` directories (literal, or under $FindBin::Bin / $FindBin::RealBin) and modules used.
sub _collect {
  my ($doc, $file, $r) = @_;
  for (@{ $doc->find('PPI::Statement::Package') || [] }) {
    next if $_->namespace eq 'main';
    push @{ $r->{packages} }, { name => $_->namespace, line => $_->line_number };
  }
  my $bin = dirname(File::Spec->rel2abs($file));
  for my $inc (@{ $doc->find('PPI::Statement::Include') || [] }) {
    if (($inc->pragma // '') eq 'lib') {
      $r->{lib_line} //= $inc->line_number;
      for my $q (@{ $inc->find('PPI::Token::Quote') || [] }, @{ $inc->find('PPI::Token::QuoteLike::Words') || [] }) {
        for my $dir ($q->isa('PPI::Token::QuoteLike::Words') ? $q->literal : $q->string) {
          $dir =~ s/\$(?:\{\s*)?FindBin::(?:Real)?Bin(?:\s*\})?/$bin/g;
          next if $dir =~ /\$/;
          push @{ $r->{libs} }, File::Spec->rel2abs($dir, $bin);
        }
      }
    } elsif (($inc->type // '') =~ /\A(?:use|require)\z/ && ($inc->module // '') =~ /\A[A-Z]/) {
      push @{ $r->{modules} }, $inc->module;
    }
  }
  return;
}

1;
