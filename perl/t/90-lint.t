# The Perl side of mg-epn-check: perl/mg-epn-lint.pl (PPI rules) over the rule fixtures, its POD, and the farm's
# check mode (--check compiles as the farm and as p1; --check-run runs twice in one interpreter and names the
# globals a run left changed).
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(farm_script repo_dir fixture);
use File::Spec;
use JSON::PP ();
use Pod::Checker ();

my $repo  = repo_dir();
my $lint  = File::Spec->catfile($repo, 'perl', 'mg-epn-lint.pl');
my $rules = File::Spec->catdir($repo, 'fixtures', 'lint', 'rules');
my $json  = JSON::PP->new;

sub run_json {
  my @cmd = @_;
  my $out = qx{@cmd};
  is $?, 0, "@cmd exits 0";
  return map { $json->decode($_) } grep {/\A\{/} split /\n/, $out;
}

# Static rules: every trigger whose rule the PPI layer finds reports it at the expected line; near-misses never
# report their rule. (R5 exit, R11, R22 also come from other layers: checked from Node.)
my %static_only_other = map { $_ => 1 } qw(R22);
opendir my $dh, $rules or die;
my @files = sort grep {/\.pl\z/} readdir $dh;
my @results = run_json(qq{"$^X" "$lint"}, map {qq{"$rules/$_"}} @files);
is scalar(@results), scalar(@files), 'one JSON line per file';
for my $r (@results) {
  (my $name = $r->{file}) =~ s{.*/}{};
  my ($rule, $kind) = $name =~ /\A(R\d+)-(trigger|nearmiss)\.pl\z/ or next;
  next if $static_only_other{$rule};
  open my $fh, '<', $r->{file} or die;
  my @lines = <$fh>;
  my @hits = grep { $_->{rule} eq $rule } @{ $r->{findings} };
  if ($kind eq 'nearmiss') {
    is scalar(@hits), 0, "$name: no $rule" or diag explain $r->{findings};
  } else {
    my ($line) = $lines[2] =~ /at line (\d+)/;
    ok((grep { $_->{line} == $line } @hits), "$name: $rule at line $line") or diag explain $r->{findings};
  }
}

my $checker = Pod::Checker->new(-warnings => 2);
open my $null, '>', File::Spec->devnull or die;
$checker->parse_from_file($lint, $null);
is $checker->num_errors + $checker->num_warnings, 0, 'mg-epn-lint.pl POD is clean';

# The farm's check mode.
my $farm = farm_script();
my ($plain, $p1) = run_json(qq{"$^X" "$farm" --check "$rules/R3-trigger.pl" --timeout=5});
is $plain->{variant}, 'farm', 'first the farm compile';
ok $plain->{ok}, 'the farm compiles a file-scope lexical in a named sub';
like $plain->{closure}[0], qr/Variable "\$x" will not stay shared at \S+R3-trigger\.pl line 9\./, 'and keeps the closure warning';
ok !$p1->{ok}, 'p1 pragmas: fatal';
($plain) = run_json(qq{"$^X" "$farm" --check "} . fixture('begin-exit.pl') . '"');
ok !$plain->{ok}, 'exit in BEGIN fails the compile';
ok defined $plain->{exit}, 'and the exit code is recorded';
($plain) = run_json(qq{"$^X" "$farm" --check "$rules/R11-trigger.pl"});
($p1) = (run_json(qq{"$^X" "$farm" --check "$rules/R11-trigger.pl"}))[1];
ok $plain->{ok}, 'no implicit strict in the farm';
like $p1->{error}, qr/Global symbol "\$status" requires explicit package name/, 'p1 variant: implicit strict';

my @runs = run_json(qq{"$^X" "$farm" --check-run "} . fixture('counter.pl') . '"');
is_deeply [ map { $_->{stdout} } @runs ], [ "count=1\n", "count=2\n" ], 'two runs in one interpreter share package state';
is_deeply $runs[0]{changed}, ['$count'], 'the leaking variable is named';
@runs = run_json(qq{"$^X" "$farm" --check-run "} . fixture('ok.pl') . '"');
is_deeply [ map { [ $_->{rc}, $_->{stdout}, scalar @{ $_->{changed} } ] } @runs ], [ [ 0, "OK - fine\n", 0 ], [ 0, "OK - fine\n", 0 ] ],
  'a clean plugin: same answer twice, nothing changed';
done_testing;
