# Exit codes and the ePN texts: exit 0..4, die, no exit, exit inside eval / signal handler / __DIE__ handler,
# compile errors with the plugin's own file:line, exit in BEGIN, END blocks, a forked child's exit.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);

my $f = FarmTest->start;
my %want = ('ok.pl' => [0, "OK - fine\n"], 'warning.pl' => [1, "WARNING - warned\n"],
  'critical.pl' => [2, "CRITICAL - broken\n"], 'unknown.pl' => [3, "UNKNOWN - no idea\n"],
  'rc4.pl' => [4, "rc 4 is out of range\n"]);
for my $p (sort keys %want) {
  for my $round (1, 2) {    # compiled in the child, then from the farm's cache
    my $r = $f->run(fixture($p));
    is $r->{exitCode}, $want{$p}[0], "$p exit code (round $round)";
    is $r->{out}, $want{$p}[1], "$p output (round $round)";
    ok !$r->{problem}, "$p has no problem";
  }
}

for my $round (1, 2) {
  my $die = fixture('die.pl');
  my $r = $f->run($die);
  is $r->{exitCode}, 3, "die: exit 3 (round $round)";
  is $r->{out}, qq(before the die\n**ePN $die: "boom".\n), 'die: p1 text after the output';
  is_deeply $r->{problem}, { kind => 'die', message => 'boom' }, 'die problem';

  my $noexit = fixture('noexit.pl');
  $r = $f->run($noexit);
  is $r->{exitCode}, 3, 'no exit: exit 3';
  is $r->{out}, "**ePN $noexit: plugin did not call exit()\nOK - but no exit\n", 'no exit: notice first';
  is $r->{problem}{kind}, 'noexit', 'noexit problem';

  $r = $f->run(fixture('exit-in-eval.pl'));
  is $r->{exitCode}, 2, 'exit 2 inside eval ends the check with 2';
  is $r->{out}, "CRITICAL - from inside eval\n", 'and nothing after it runs (plain perl)';
  ok !$r->{problem}, 'a plain exit';
}

my $ce = fixture('compile-error.pl');
my $r = $f->run($ce);
is $r->{exitCode}, 3, 'compile error: exit 3';
is $r->{out}, qq(**ePN failed to compile $ce: "syntax error at $ce line 5, near "= ;""\n), 'compile error text names the plugin line';
is $r->{problem}{kind}, 'compile', 'compile problem';
ok !$r->{problem}{fallback}, 'no fallback: plain perl fails too';

$r = $f->run(fixture('begin-exit.pl'));
is $r->{exitCode}, 3, 'exit 3 in BEGIN: the plugin\'s code';
is $r->{out}, "UNKNOWN - missing a module\n", 'and its output, as plain perl';
is $r->{problem}{kind}, 'compile', 'reported as a compile problem';
like $r->{problem}{message}, qr/exit\(3\) called while compiling .*begin-exit\.pl line 8/, 'names the exit\'s line';
is $f->run(fixture('begin-exit.pl'))->{out}, "UNKNOWN - missing a module\n", 'the same on the next run';

$r = $f->run(fixture('alarm-exit.pl'));
is $r->{exitCode}, 2, 'exit in a signal handler while in an eval';
is $r->{out}, "CRITICAL - timed out in the plugin\n", 'ends the check at once';

$r = $f->run(fixture('die-handler-exit.pl'));
is $r->{exitCode}, 3, 'exit in a __DIE__ handler';
is $r->{out}, "UNKNOWN - inner failure\n", 'ends the check at once';

for my $round (1, 2) {
  $r = $f->run(fixture('end-block.pl'));
  is $r->{out}, "OK - body\nEND ran with \$?=0\n", "END block runs at the end of the check (round $round)";
  is $r->{exitCode}, 1, 'and may change $?';
}
$r = $f->run(fixture('ok.pl'));
is $r->{out}, "OK - fine\n", 'another plugin\'s END block does not run';
is $r->{exitCode}, 0, 'nor change its code';

$r = $f->run(fixture('fork-exit.pl'));
is $r->{out}, "child\nOK - child exited 7\n", 'a forked child\'s exit inside eval exits that child only';
is $r->{exitCode}, 0, 'the check is the parent\'s';

for my $round (1, 2) {
  $r = $f->run(fixture('exec.pl'));
  is $r->{out}, "before exec\nfrom sh\n", "exec: the program's output follows the plugin's (round $round)";
  is $r->{exitCode}, 2, 'and its exit status is the result';
  ok !$r->{problem}, 'without a problem';
}

is $f->close_and_wait, 0, 'farm exits 0 (plugin END blocks compiled into it do not run there)';
done_testing;
