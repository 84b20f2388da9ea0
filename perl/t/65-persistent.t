# Persistent runners (MgWorkhorse::EpnRunner): a `run` with "persistent":true of a plugin the farm holds compiled
# runs in a runner process that serves check after check without a fork. Each case compares with what fork mode
# gives for the same plugin, or shows what only a runner does (state kept across checks, reset of %ENV/cwd).
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);
use File::Temp ();
use Time::HiRes qw(sleep);

my $f = FarmTest->start('--persistent-runners', 1, '--persistent-max-checks', 5);

# Compiles $file into the farm, then runs it once persistent; returns that result.
sub persistent {
  my ($file, $args, %o) = @_;
  $f->compile($file);
  return $f->run($file, $args, persistent => 1, %o);
}

# each return code, exit inside eval, die, no exit: the same as fork mode, and `persistent` says a runner ran it
for my $case ([ 'ok.pl', 0 ], [ 'warning.pl', 1 ], [ 'critical.pl', 2 ], [ 'unknown.pl', 3 ], [ 'exit-in-eval.pl', 2 ],
  [ 'die.pl', 3 ], [ 'noexit.pl', 3 ]) {
  my ($name, $rc) = @$case;
  my $forked = $f->run(fixture($name));
  my $p = persistent(fixture($name));
  ok $p->{persistent}, "$name ran in a persistent runner";
  ok !$forked->{persistent}, "$name: fork mode does not say persistent";
  is $p->{exitCode}, $rc, "$name: exit code $rc";
  is $p->{out}, $forked->{out}, "$name: the same stdout as fork mode";
  is_deeply $p->{problem}, $forked->{problem}, "$name: the same problem as fork mode";
}

# output: print, syswrite, system() and a forked child, STDERR; the forked child does not become a runner
my $sys = persistent(fixture('system-child.pl'));
is $sys->{out}, "from perl\nfrom system\nfrom forked child\nchild exit 0\n", 'print, system() and a forked child are captured';
is $sys->{exitCode}, 1, 'with the exit code';
is $f->run(fixture('system-child.pl'), [], persistent => 1)->{out}, $sys->{out}, 'and again, in the same runner';
my $sw = persistent(fixture('syswrite.pl'));
is $sw->{out}, $f->run(fixture('syswrite.pl'))->{out}, 'syswrite as in fork mode';
my $se = persistent(fixture('stderr.pl'));
is $se->{err}, $f->run(fixture('stderr.pl'))->{err}, 'STDERR as in fork mode';
isnt $se->{err}, '', 'STDERR is not empty';

# the output cap: the rest is counted, the flags set; the next check starts with empty files
my $big = persistent(fixture('big-output.pl'), [], maxOutputBytes => 1000);
is length $big->{out}, 1000, 'stdout is cut at the cap';
ok $big->{stdoutTruncated} && $big->{stderrTruncated}, 'both streams are marked truncated';
my $small = $f->run(fixture('ok.pl'), [], persistent => 1);
ok !$small->{stdoutTruncated}, 'the next check is not truncated';
is $small->{out}, "OK - fine\n", 'and holds only its own output';

# the compiled sub is reused: a package variable counts on (that is the trade-off), while %ENV, cwd, @ARGV, %SIG
# and $/ are put back after each check
my $state = fixture('persistent-state.pl');
$f->compile($state);
my @r = map { $f->run($state, ["a$_"], persistent => 1) } 1 .. 3;
like $r[0]{out}, qr/^runs=1 leak=none cwd=\S+ arg=a1 sig=default rs=nl$/, 'first check in a new runner';
like $r[1]{out}, qr/^runs=2 leak=none /, 'the package variable is kept, the %ENV change is not';
unlike $r[1]{out}, qr/cwd=\/ /, 'the chdir is undone';
like $r[2]{out}, qr/arg=a3 sig=default rs=nl$/, '@ARGV, %SIG and $/ are put back';
is $r[1]{started}{pid}, $r[2]{started}{pid}, 'both ran in the same runner (its pid is the group in started)';

# recycling: --persistent-max-checks 5 → a new runner, with fresh state
my @more = map { $f->run($state, ['x'], persistent => 1) } 1 .. 3;
like $more[-1]{out}, qr/^runs=[12] /, 'a recycled runner starts with fresh package state';
isnt $more[-1]{started}{pid}, $r[0]{started}{pid}, 'in a new process';

# a plugin that ends its runner: UNKNOWN with the reason; the next check gets a new runner
my $end = fixture('runner-exit.pl');
for my $how ('exit', 'kill') {
  my $x = persistent($end, [$how]);
  is $x->{exitCode}, 3, "$how: exit code 3";
  like $x->{out}, qr/\Aabout to end the process\n\*\*ePN \Q$end\E: "the persistent runner \(pid \d+\) ended during the check: /,
    "$how: the output so far, then the reason";
  like $x->{problem}{message}, $how eq 'kill' ? qr/killed by SIGKILL/ : qr/exit code 0/, "$how: the reason names it";
  is $f->run(fixture('ok.pl'), [], persistent => 1)->{exitCode}, 0, "$how: the next check works";
}

# a hanging plugin: the farm's deadline kills the runner, the partial output is kept, the next check works
my $slow = persistent(fixture('slow.pl'), [], timeoutMs => 500);
is $slow->{problem}{kind}, 'timeout', 'a hanging persistent check times out';
is $slow->{signal}, 'SIGTERM', 'its runner was killed';
is $slow->{out}, "started\n", 'the output before the hang is kept';
is $f->run(fixture('ok.pl'), [], persistent => 1)->{out}, "OK - fine\n", 'the next check works';

# never stale: an edited plugin is recompiled and runners holding the old sub are retired
my $dir = File::Temp->newdir;
my $plugin = "$dir/check_edit.pl";
write_plugin($plugin, 'one');
$f->compile($plugin);
my $v1 = $f->run($plugin, [], persistent => 1);
is $v1->{out}, "version one\n", 'version one';
sleep 0.05;
write_plugin($plugin, 'two');
my @v2 = map { $f->run($plugin, [], persistent => 1) } 1 .. 2;
is $_->{out}, "version two\n", 'after the edit: version two' for @v2;
ok $v2[1]{persistent}, 'and persistent again once recompiled';
isnt $v2[1]{started}{pid}, $v1->{started}{pid}, 'in a new runner';

# a named sub using a file-scope lexical would read the first run's value from a runner's second check on (R3):
# such a plugin runs forked, and says why once
my $lex = fixture('lexical-sub.pl');
$f->compile($lex);
my @lex = map { $f->run($lex, ["v$_"], persistent => 1) } 1 .. 3;
is_deeply [ map { $_->{out} } @lex ], [ map {"OK - x=v$_\n"} 1 .. 3 ], 'a plugin whose named subs share file-scope lexicals is right on every check';
ok !(grep { $_->{persistent} } @lex), 'because it runs forked';
my @said = $f->stderr =~ /(lexical-sub\.pl: named sub \S+::show uses a file-scope lexical, so its checks run forked)/g;
is scalar @said, 1, 'and the farm says why, once';

# a plugin in fork mode: its checks do not wait for runners
$f->compile(fixture('ok.pl'));
ok !$f->run(fixture('ok.pl'))->{persistent}, 'without "persistent" a check still forks';

# two persistent checks with one runner: the second waits, both are answered
$f->compile(fixture('sleep-then-ok.pl'));
my @ids = map { $f->start_run(fixture('sleep-then-ok.pl'), ['0.2'], persistent => 1) } 1 .. 2;
my @queued = map { $f->result($_) } @ids;
is $_->{out}, "OK - slept\n", 'a queued check is answered' for @queued;
ok $queued[1]{persistent}, 'the second waited for the runner (no fork)';
is $queued[0]{started}{pid}, $queued[1]{started}{pid}, 'both in the one runner';

# a check whose deadline passes while it waits for the busy runner is answered as a timeout, never run
my $busy = $f->start_run(fixture('slow.pl'), [], persistent => 1, timeoutMs => 1500);
my $late = $f->run(fixture('ok.pl'), [], persistent => 1, timeoutMs => 300);
is $late->{problem}{kind}, 'timeout', 'a check that waited past its deadline times out';
is $late->{out}, '', 'without running';
ok !$late->{started}, 'and without a started line';
is $f->result($busy)->{problem}{kind}, 'timeout', 'the busy one times out too';

my $last_runner = $f->run(fixture('ok.pl'), [], persistent => 1)->{started}{pid};
ok FarmTest::alive($last_runner), 'the runner waits for the next check';
is $f->close_and_wait(10), 0, 'the farm exits 0';
my $gone;
for (1 .. 100) { last if ($gone = !FarmTest::alive($last_runner)); sleep 0.05 }
ok $gone, 'and its runners end with it (EOF on their request pipe)';

sub write_plugin {
  my ($path, $word) = @_;
  open my $fh, '>', $path or die "$path: $!";
  print $fh "#!/usr/bin/perl\n# nagios: +epn\nprint \"version $word\\n\";\nexit 0;\n";
  close $fh;
}

done_testing;
