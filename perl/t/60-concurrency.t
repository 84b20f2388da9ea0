# Several checks at once: a plugin that hangs at run time or in BEGIN hits the farm's backstop while other
# checks on the same farm complete in time; 20 checks in flight.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);
use Time::HiRes qw(time);

my $f = FarmTest->start;
my $t0    = time;
my $slow  = $f->start_run(fixture('slow.pl'), [], timeoutMs => 1500);
my $begin = $f->start_run(fixture('slow-begin.pl'), [], timeoutMs => 1000);
my $fast  = $f->start_run(fixture('sleep-then-ok.pl'), ['0.3'], timeoutMs => 10000);
my $r = $f->result($fast);
is $r->{out}, "OK - slept\n", 'the fast check completes';
ok !(grep { $_->{type} eq 'result' } map { @{ $f->{by_id}{$_} || [] } } $slow, $begin),
  'before the hanging ones hit their deadlines: the farm is not stalled by them';

$r = $f->result($begin);
is $r->{signal}, 'SIGTERM', 'hanging BEGIN: killed by the backstop';
is $r->{exitCode}, undef, 'no exit code';
is $r->{problem}{kind}, 'timeout', 'timeout problem';
like $r->{problem}{message}, qr/\Atimed out after 1000 ms while compiling \S+slow-begin\.pl\z/, 'says it was compiling';
my $pg = $r->{started}{pid};

$r = $f->result($slow);
is $r->{signal}, 'SIGTERM', 'hanging plugin: killed by the backstop';
is $r->{out}, "started\n", 'what it printed before is kept';
is_deeply $r->{problem}, { kind => 'timeout', message => 'timed out after 1500 ms' }, 'timeout problem';
cmp_ok $r->{durationMs}, '>=', 1490, 'at its deadline';
cmp_ok $r->{durationMs}, '<', 4000, 'not much later';
ok !FarmTest::group_alive($r->{started}{pid}), 'its process group is gone';
ok !FarmTest::group_alive($pg), 'the BEGIN one\'s too';

# a compile request that hangs does not block a check either
my $cid = $f->next_id;
$f->send({ type => 'compile', id => $cid, file => fixture('slow-begin.pl'), timeoutMs => 1500 });
$r = $f->run(fixture('ok.pl'));
is $r->{out}, "OK - fine\n", 'a check runs while a compile hangs';
ok !(grep { $_->{type} eq 'compiled' } @{ $f->{by_id}{$cid} || [] }), 'and is answered before the compile gives up';
my $c = $f->wait_for($cid, 'compiled');
ok !$c->{ok}, 'the hanging compile fails';
is $c->{problem}{kind}, 'timeout', 'with a timeout problem';

# a plugin that exits but leaves a process holding its stdout: answered after the drain window, group killed
$t0 = time;
$r = $f->run(fixture('background.pl'));
is $r->{out}, "OK - started a straggler\n", 'the plugin\'s output';
is $r->{exitCode}, 0, 'its exit code';
cmp_ok time - $t0, '<', 3, 'answered without waiting for the straggler';
my $gone;
for (1 .. 40) { if (!FarmTest::group_alive($r->{started}{pid})) { $gone = 1; last } Time::HiRes::sleep(0.05) }
ok $gone, 'the straggler was killed with its group';

# 20 in flight, each sleeping 1 s: together they take about 1 s, not 20
$t0 = time;
my @ids = map { $f->start_run(fixture('sleep-then-ok.pl'), ['1'], timeoutMs => 20000) } 1 .. 20;
my @res = map { $f->result($_, 30) } @ids;
my $took = time - $t0;
is scalar(grep { $_ && $_->{exitCode} == 0 && $_->{out} eq "OK - slept\n" } @res), 20, '20 checks in flight all succeed';
my %pids = map { $_->{started}{pid} => 1 } @res;
is scalar(keys %pids), 20, 'in 20 children';
cmp_ok $took, '<', 8, "concurrently (took ${\ sprintf '%.1f', $took} s)";
is $f->close_and_wait, 0, 'farm exits 0';
done_testing;
