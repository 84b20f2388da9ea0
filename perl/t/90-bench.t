# Throughput of one farm process (opt-in: MG_FARM_BENCH=1 prove -v perl/t/90-bench.t). Keeps N checks in
# flight and counts results per second; the driver reads answers with a regex so its own JSON parsing is not
# what gets measured. Compares with fork+exec of plain perl for the same plugin.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);
use Time::HiRes qw(time);

plan skip_all => 'set MG_FARM_BENCH=1 to measure (developer only)' unless $ENV{MG_FARM_BENCH};
my $in_flight = $ENV{MG_FARM_BENCH_INFLIGHT} || 10;
my $seconds   = $ENV{MG_FARM_BENCH_SECONDS} || 5;

# checks/s through one farm for $plugin with $in_flight in flight, after $warm warm-up checks
sub farm_rate {
  my ($plugin, $args, $farm_opts, $warm) = @_;
  my $f = FarmTest->start(@$farm_opts);
  $f->run($plugin, $args) for 1 .. $warm;
  my $req = sub {
    my $id = shift;
    sprintf '{"type":"run","id":%d,"file":"%s","args":[%s],"env":{},"timeoutMs":30000,"maxOutputBytes":65536,"cache":true}',
      $id, $plugin, join ',', map {qq("$_")} @$args;
  };
  my ($id, $done, $bad, $t0) = (1000, 0, 0, time);
  $f->send($req->(++$id)) for 1 .. $in_flight;
  my $end = $t0 + $seconds;
  while (defined(my $line = $f->next_line(30))) {
    next unless $line =~ /"type":"result"/;
    $done++;
    $bad++ unless $line =~ /"exitCode":0,/;
    last if time >= $end;
    $f->send($req->(++$id));
  }
  my $rate = $done / (time - $t0);
  $f->close_and_wait(30);
  is $bad, 0, "no failed checks ($plugin)";
  return $rate;
}

# checks/s of fork+exec `perl plugin` with $in_flight at once (what the exec path would cost)
sub exec_rate {
  my ($plugin, $args) = @_;
  my ($done, %kids, $t0) = (0, (), time);
  my $spawn = sub {
    my $pid = fork // die;
    if (!$pid) { open STDOUT, '>', '/dev/null'; exec $^X, $plugin, @$args; POSIX::_exit(127) }
    $kids{$pid} = 1;
  };
  $spawn->() for 1 .. $in_flight;
  while (%kids) {
    my $pid = wait;
    delete $kids{$pid} or next;
    $done++;
    $spawn->() if time < $t0 + $seconds;
  }
  return $done / (time - $t0);
}

my $ok = fixture('ok.pl');
diag sprintf 'trivial plugin, farm, %d in flight:            %6.0f checks/s', $in_flight, farm_rate($ok, [], [], 20);
diag sprintf 'trivial plugin, fork+exec perl, %d in flight:  %6.0f checks/s', $in_flight, exec_rate($ok, []);
SKIP: {
  skip 'Monitoring::Plugin not installed', 2 unless eval { require Monitoring::Plugin; 1 };
  my $mp = fixture('heavy-mp.pl');
  my @a = ('-w', '10', '-c', '20');
  diag sprintf 'Monitoring::Plugin, farm without run-time preload: %6.0f checks/s', farm_rate($mp, \@a, ['--no-auto-preload'], 5);
  diag sprintf 'Monitoring::Plugin, farm with run-time preload:    %6.0f checks/s', farm_rate($mp, \@a, [], 5);
  diag sprintf 'Monitoring::Plugin, fork+exec perl:                %6.0f checks/s', exec_rate($mp, \@a);
}
my $heavy = fixture('heavy.pl');
diag sprintf 'core-modules plugin (heavy.pl), farm:       %6.0f checks/s', farm_rate($heavy, [], [], 5);
diag sprintf 'core-modules plugin (heavy.pl), fork+exec:  %6.0f checks/s', exec_rate($heavy, []);
done_testing;
