#!/usr/bin/perl
# CPU per check of one farm process (parent and reaped children separately) with N checks in flight.
# usage: perl bench/perl/farm-cpu.pl [FARM_SCRIPT] [SECONDS] [IN_FLIGHT] [PLUGIN]
use strict;
use warnings;
use POSIX ();
use Time::HiRes qw(time);

my ($farm, $seconds, $inflight, $plugin) = @ARGV;
$farm     //= 'perl/mg-epn-farm.pl';
$seconds  //= 5;
$inflight //= 10;
$plugin   //= do { require Cwd; Cwd::abs_path('fixtures/epn/ok.pl') };
my $tck = POSIX::sysconf(POSIX::_SC_CLK_TCK());

# (self, children) CPU seconds of a process from /proc/<pid>/stat
sub cpu_of {
  my ($pid) = @_;
  open my $fh, '<', "/proc/$pid/stat" or return (0, 0);
  my @s = split ' ', (split /\) /, scalar <$fh>, 2)[1];
  return (($s[11] + $s[12]) / $tck, ($s[13] + $s[14]) / $tck, $s[7], $s[8]);
}

pipe(my $to_r, my $to_w) or die;
pipe(my $from_r, my $from_w) or die;
my $pid = fork // die;
if (!$pid) {
  open STDIN, '<&', $to_r or die; open STDOUT, '>&', $from_w or die;
  close $_ for $to_w, $from_r;
  exec $^X, $farm or die;
}
close $_ for $to_r, $from_w;
$to_w->autoflush(1);
my $req = sub { sprintf qq({"type":"run","id":%d,"file":"%s","args":[],"env":{},"timeoutMs":30000,"maxOutputBytes":65536,"cache":true}\n), $_[0], $plugin };
my $id = 0;
print $to_w $req->(++$id) for 1 .. 50;    # warm up (probe + parent compile)
my $got = 0;
while (<$from_r>) { $got++ if /"type":"result"/; last if $got == 50 }
my @c0 = cpu_of($pid);
my ($done, $bad, $t0) = (0, 0, time);
print $to_w $req->(++$id) for 1 .. $inflight;
my $end = $t0 + $seconds;
while (<$from_r>) {
  next unless /"type":"result"/;
  $done++;
  $bad++ unless /"exitCode":0,/;
  last if time >= $end;
  print $to_w $req->(++$id);
}
my $el = time - $t0;
my @c1 = cpu_of($pid);
close $to_w;
1 while <$from_r>;
waitpid $pid, 0;
printf "%-28s %6.0f checks/s  parent %.3f ms  children %.3f ms  total %.3f ms CPU/check  faults/check parent %.0f children %.0f (%d done, %d bad)\n",
  $farm, $done / $el, 1000 * ($c1[0] - $c0[0]) / $done, 1000 * ($c1[1] - $c0[1]) / $done,
  1000 * ($c1[0] - $c0[0] + $c1[1] - $c0[1]) / $done, ($c1[2] - $c0[2]) / $done, ($c1[3] - $c0[3]) / $done, $done, $bad;
