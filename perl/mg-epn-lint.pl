#!/usr/bin/perl
# The static layer of mg-epn-check: parses Perl plugins with PPI and prints one JSON line per file with its EPN
# findings (rules R1-R24 of docs/rules/). Spoken to by src/lint/static-layer.ts; code first, POD last.
use strict;
use warnings;
use File::Spec ();
use JSON::PP ();

our $LIB;    # perl/lib next to this script
BEGIN {
  my ($vol, $dir) = File::Spec->splitpath(File::Spec->rel2abs(__FILE__));
  $LIB = File::Spec->catdir(File::Spec->catpath($vol, $dir, ''), 'lib');
  unshift @INC, $LIB;
}
use MgWorkhorse::Lint ();

my $json = JSON::PP->new->canonical->utf8(0);
binmode STDOUT;
$| = 1;
my @files = @ARGV;
if (!@files || $files[0] eq '-') {    # file names on stdin, one a line: one process for a whole directory
  while (my $f = <STDIN>) {
    chomp $f;
    next unless length $f;
    print $json->encode(MgWorkhorse::Lint::analyse($f)), "\n";
  }
  exit 0;
}
if ($files[0] =~ /\A-(?:h|-help)\z/) {
  print "usage: perl mg-epn-lint.pl FILE... | perl mg-epn-lint.pl - <list-of-files\n";
  exit 0;
}
print $json->encode(MgWorkhorse::Lint::analyse($_)), "\n" for @files;
exit 0;

__END__

=head1 NAME

mg-epn-lint.pl - static EPN compatibility analysis of Perl plugins (the PPI layer of mg-epn-check)

=head1 SYNOPSIS

  perl perl/mg-epn-lint.pl check_foo.pl check_bar.pl
  find plugins -name '*.pl' | perl perl/mg-epn-lint.pl -

=head1 DESCRIPTION

Parses each plugin with PPI and applies the static rules of mg-epn-check (R1-R24, see F<docs/rules/>). Because
the parser splits POD, here-docs, strings and comments into tokens of their own, a construct mentioned inside
them is never reported. The rules live in F<perl/lib/MgWorkhorse/LintRules*.pm>.

=head1 OUTPUT

One JSON object per file and line:

  {"file":"check_foo.pl","findings":[{"rule":"R1","line":12,"col":1,"what":"..."}],
   "packages":[{"name":"Foo","line":3}],"libs":["/abs/lib"],"modules":["Foo::Bar"]}

A finding may carry C<severity> (C<error>, C<warning>, C<info>) when it differs from the rule's default.
C<error> is set (and C<findings> empty) when the file cannot be read or parsed.

=head1 EXIT STATUS

0, also when findings are reported; non-zero only when perl itself fails.

=cut
