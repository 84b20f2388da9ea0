# Throughput of one farm process (a benchmark, not a test: MG_FARM_BENCH=1 prove -v bench/perl/farm-throughput.t). Keeps N checks in
# flight and counts results per second; the driver reads answers with a regex so its own JSON parsing is not
# what gets measured. Compares with fork+exec of plain perl for the same plugin.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);
use POSIX ();
use Time::HiRes qw(time);

die "set MG_FARM_BENCH=1 to measure (a benchmark, kept out of prove perl/t)\n" unless $ENV{MG_FARM_BENCH};
my $in_flight = $ENV{MG_FARM_BENCH_INFLIGHT} || 10;
my $seconds   = $ENV{MG_FARM_BENCH_SECONDS} || 5;

# CPU seconds used so far by a process and its reaped children (utime, stime, cutime, cstime)
sub cpu_of {
  my ($pid) = @_;
  open my $fh, '<', "/proc/$pid/stat" or return 0;
  my @s = split ' ', (split /\) /, scalar <$fh>, 2)[1];
  my $sum = 0;
  $sum += $_ for @s[ 11 .. 14 ];
  return $sum / POSIX::sysconf(POSIX::_SC_CLK_TCK());
}

# checks/s through one farm for $plugin with $in_flight in flight, after $warm warm-up checks; and CPU ms a check
sub farm_rate {
  my ($plugin, $args, $farm_opts, $warm) = @_;
  my $f = FarmTest->start(@$farm_opts);
  $f->run($plugin, $args) for 1 .. $warm;
  my $cpu0 = cpu_of($f->pid);
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
  my $cpu  = cpu_of($f->pid) - $cpu0;    # the children still running are not counted: a few in $done
  $f->close_and_wait(30);
  is $bad, 0, "no failed checks ($plugin)";
  return ($rate, 1000 * $cpu / $done);
}

# checks/s of fork+exec `perl plugin` with $in_flight at once (what the exec path would cost)
sub exec_rate {
  my ($plugin, $args) = @_;
  my ($done, $t0, %kids) = (0, time);
  my @c0 = (times)[ 2, 3 ];
  my $spawn = sub {
    my $pid = fork // die;
    if (!$pid) {
      open STDOUT, '>', '/dev/null';
      { no warnings 'exec'; exec $^X, $plugin, @$args; }
      POSIX::_exit(127);
    }
    $kids{$pid} = 1;
  };
  $spawn->() for 1 .. $in_flight;
  while (%kids) {
    my $pid = wait;
    last if $pid < 0;
    delete $kids{$pid} or next;
    $done++;
    $spawn->() if time < $t0 + $seconds;
  }
  my @c1 = (times)[ 2, 3 ];
  return ($done / (time - $t0), 1000 * ($c1[0] - $c0[0] + $c1[1] - $c0[1]) / $done);
}

my $fmt = '%-52s %6.0f checks/s  %6.2f ms CPU a check';
diag sprintf "$in_flight checks in flight, ${seconds} s each; load average %s", (split ' ', `cat /proc/loadavg`)[0];
my $ok = fixture('ok.pl');
diag sprintf $fmt, 'trivial plugin (ok.pl), farm', farm_rate($ok, [], [], 20);
diag sprintf $fmt, 'trivial plugin (ok.pl), fork+exec perl', exec_rate($ok, []);
SKIP: {
  skip 'Monitoring::Plugin not installed', 2 unless eval { require Monitoring::Plugin; 1 };
  my $mp = fixture('heavy-mp.pl');
  my @a = ('-w', '10', '-c', '20');
  diag sprintf $fmt, 'Monitoring::Plugin (heavy-mp.pl), farm, no run-time preload', farm_rate($mp, \@a, ['--no-auto-preload'], 5);
  diag sprintf $fmt, 'Monitoring::Plugin (heavy-mp.pl), farm', farm_rate($mp, \@a, [], 5);
  diag sprintf $fmt, 'Monitoring::Plugin (heavy-mp.pl), fork+exec perl', exec_rate($mp, \@a);
}
my $heavy = fixture('heavy.pl');
diag sprintf $fmt, 'core modules (heavy.pl), farm', farm_rate($heavy, [], [], 5);
diag sprintf $fmt, 'core modules (heavy.pl), fork+exec perl', exec_rate($heavy, []);
done_testing;
