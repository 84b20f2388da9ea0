# Requests that arrive together are forked together (mg-epn-farm.pl: fork_batch): answers keep the order of the
# requests, an id repeated within the batch is refused, and no child holds another child's pipes (a quick check
# is answered while a slow sibling forked in the same batch still runs).
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);
use Time::HiRes qw(time);

my $f = FarmTest->start('--pipe-drain-ms', 5000);    # a leaked pipe would hold the quick check's answer
is $f->run(fixture('ok.pl'))->{out}, "OK - fine\n", 'warm: ok.pl is compiled into the farm';

# One write, five requests: slow run, quick run, a bad request, the quick id again, another quick run.
my ($slow, $quick, $bad, $again) = map { $f->next_id } 1 .. 4;
my $run = sub {
  my ($id, $file, @args) = @_;
  sprintf '{"type":"run","id":%d,"file":"%s","args":[%s],"env":{},"timeoutMs":10000,"maxOutputBytes":65536,"cache":true}',
    $id, $file, join ',', map {qq("$_")} @args;
};
my $t0 = time;
$f->send(join "\n", $run->($slow, fixture('sleep-then-ok.pl'), '3'), $run->($quick, fixture('ok.pl')),
  '{"type":"run","id":' . $bad . ',"file":""}', $run->($quick, fixture('ok.pl')), $run->($again, fixture('ok.pl')));

my @order;
while (@order < 5) {
  my $m = $f->next_message(10) or last;
  push @order, "$m->{type} $m->{id}" unless $m->{type} eq 'result';
}
is_deeply \@order,
  [ "started $slow", "started $quick", "error $bad", "error $quick", "started $again" ],
  'started and error answers in the order of the requests'
  or diag explain \@order;
my ($dup) = grep { $_->{type} eq 'error' } @{ $f->{by_id}{$quick} };
like $dup->{message}, qr/id $quick is in use/, 'an id repeated within the batch is refused';

my $r = $f->result($quick);
is $r->{out}, "OK - fine\n", 'the quick check of the batch';
cmp_ok time - $t0, '<', 2, 'is answered while its slow sibling still runs (no child holds its pipes)';
is $f->result($again)->{out}, "OK - fine\n", 'the last check of the batch';
$r = $f->result($slow);
is $r->{out}, "OK - slept\n", 'the slow sibling completes';
is $r->{exitCode}, 0, 'with its own exit code';

$f->close_and_wait(10);
done_testing;
