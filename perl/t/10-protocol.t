# The protocol itself: ready, started/result, errors, compile/compiled, cached compile failures, shutdown.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(fixture);

my $f = FarmTest->start;
my $ready = $f->ready;
is $ready->{type}, 'ready', 'first line is ready';
is $ready->{version}, 1, 'protocol version 1';
is $ready->{pid}, $f->pid, 'ready names the farm pid';
like $ready->{perl}, qr/\Av5\.\d+\.\d+\z/, 'perl version';

my $r = $f->run(fixture('ok.pl'));
ok $r->{started}, 'started before result';
ok $r->{started}{pid} > 0, 'started has a pid';
is $r->{exitCode}, 0, 'exit code';
is $r->{signal}, undef, 'no signal';
is $r->{out}, "OK - fine\n", 'stdout';
is $r->{err}, '', 'stderr';
ok !$r->{stdoutTruncated} && !$r->{stderrTruncated}, 'not truncated';
ok $r->{startedAt} > 1.6e12, 'startedAt is epoch ms';
ok $r->{durationMs} >= 0, 'durationMs';
ok $r->{compiled}, 'the first run compiled the plugin';
ok !exists $r->{problem}, 'no problem';

# errors: unreadable lines and bad requests get an error, the farm goes on
$f->send('this is not json');
my $e = $f->next_message;
is $e->{type}, 'error', 'garbage gives an error';
ok !exists $e->{id}, 'without id';
$f->send({ type => 'run', id => 90, file => fixture('ok.pl'), args => [], env => {}, maxOutputBytes => 10 });
$e = $f->wait_for(90, 'error');
like $e->{message}, qr/timeoutMs/, 'missing timeoutMs is named';
$f->send({ type => 'frobnicate', id => 91 });
like $f->wait_for(91, 'error')->{message}, qr/unknown request type/, 'unknown type';
$f->send({ type => 'run', id => 92, file => fixture('ok.pl'), args => 'nope', env => {}, timeoutMs => 1000, maxOutputBytes => 10 });
like $f->wait_for(92, 'error')->{message}, qr/args/, 'args must be an array';
is $f->run(fixture('ok.pl'))->{exitCode}, 0, 'the farm still works';

# a missing file: answered at once, no child
$r = $f->run(fixture('does-not-exist.pl'));
is $r->{exitCode}, 3, 'missing file: exit 3';
ok !$r->{started}, 'no child, no started';
is $r->{problem}{kind}, 'compile', 'compile problem';
like $r->{out}, qr/\A\*\*ePN failed to compile \S+does-not-exist\.pl: "Can't open perl script/, 'text';

# a compile error is cached per file identity: the second run is answered without a child
my $first = $f->run(fixture('compile-error.pl'));
ok $first->{started}, 'the first compile error run forks (it compiles in its child)';
my $second = $f->run(fixture('compile-error.pl'));
ok !$second->{started}, 'the second is answered from the cache';
is $second->{exitCode}, 3, 'exit 3';
is $second->{out}, $first->{out}, 'same text';
is_deeply $second->{problem}, $first->{problem}, 'same problem';

# compile / compiled
my $c = $f->compile(fixture('warning.pl'));
is $c->{type}, 'compiled', 'compiled answer';
ok $c->{ok}, 'ok';
is $c->{file}, fixture('warning.pl'), 'names the file';
ok $c->{compileMs} > 0, 'compileMs';
$r = $f->run(fixture('warning.pl'));
ok !$r->{compiled}, 'a run after compile uses the cached sub';
is $r->{compileMs}, 0, 'compileMs 0';
is $f->compile(fixture('warning.pl'))->{compileMs}, 0, 'compile of a compiled file answers at once';
$c = $f->compile(fixture('compile-error.pl'));
ok !$c->{ok}, 'compile error';
is $c->{problem}{kind}, 'compile', 'kind compile';
like $c->{problem}{message}, qr/compile-error\.pl line 5/, 'names the plugin line';
is $c->{problem}{fallback}, JSON::PP::false, 'perl -c fails too: no fallback';

# shutdown: in-flight checks finish and are answered, new ones are refused, exit 0
my $id = $f->start_run(fixture('sleep-then-ok.pl'), ['0.5']);
$f->send({ type => 'shutdown' });
my $late = $f->start_run(fixture('ok.pl'));
like $f->wait_for($late, 'error')->{message}, qr/shutting down/, 'runs after shutdown are refused';
is $f->result($id)->{out}, "OK - slept\n", 'the in-flight check finished';
is $f->wait_exit(10), 0, 'exit 0 after shutdown';
done_testing;
