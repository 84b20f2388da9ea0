#!/usr/bin/perl
# CPU per check of one farm process, fork mode against a persistent runner: the farm, its reaped children and
# the runner, from /proc, over N checks sent one at a time after a warm-up (the first check compiles).
# usage: perl bench/perl/persistent-cpu.pl fork|persistent N PLUGIN [ARGS...]
use strict;
use warnings;
use FindBin ();
use IPC::Open2 qw(open2);
use Time::HiRes qw(time);

my $FARM = "$FindBin::Bin/../../perl/mg-epn-farm.pl";
my ($mode, $n, $file, @args) = @ARGV;
my $p = $mode eq 'persistent' ? ',"persistent":true' : '';
my $a = join ',', map { qq("$_") } @args;
my $pid = open2(my $out, my $in, $^X, $FARM, '--persistent-runners', 1);
$in->autoflush(1); <$out>;
my $req = sub { qq({"type":"run","id":$_[0],"file":"$file","args":[$a],"env":{},"timeoutMs":5000,"maxOutputBytes":65536,"cache":true$p}\n) };
my $rpid;
for my $i (0 .. 2) { print $in $req->($i); while (<$out>) { $rpid = $1 if /"started".*"pid":(\d+)/; last if /"result"/ } }
sub cpu { my ($p, $kids) = @_; open my $f, '<', "/proc/$p/stat" or return 0; my @s = split ' ', (split /\) /, <$f>)[1]; return ($kids ? $s[13] + $s[14] : $s[11] + $s[12]) * 10 }
my @c0 = (cpu($pid), cpu($pid, 1), $mode eq 'persistent' ? cpu($rpid) : 0); my $t0 = time;
for my $i (3 .. $n + 2) { print $in $req->($i); while (<$out>) { last if /"result"/ } }
my @c1 = (cpu($pid), cpu($pid, 1), $mode eq 'persistent' ? cpu($rpid) : 0);
printf "%-10s %-28s farm %4.0f  children %5.0f  runner %4.0f  sum %5.0f us/check  %4.0f checks/s (1 in flight)\n", $mode, (split m{/}, $file)[-1],
  map({ ($c1[$_] - $c0[$_]) * 1000 / $n } 0 .. 2), (($c1[0] + $c1[1] + $c1[2]) - ($c0[0] + $c0[1] + $c0[2])) * 1000 / $n, $n / (time - $t0);
close $in; waitpid $pid, 0;
