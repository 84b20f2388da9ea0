# The run life cycle both helpers share (MgWorkhorse::RunLoop, MgWorkhorse::Streams): output cap, timers, TERM
# then KILL to a real process group with the forced flag, the answer queue on a dead reader, pipe bookkeeping,
# the self-pipe woken by signals.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(repo_dir);
use lib FarmTest::repo_dir() . '/perl/lib';
use POSIX qw(WNOHANG);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC sleep);
use MgWorkhorse::RunLoop
  qw(run_timers next_timeout terminate kill_group keep_output write_queue nonblocking wake_on_signals drain_wake);
use MgWorkhorse::Streams ();

subtest 'keep_output keeps up to the cap and counts the rest' => sub {
  my $run = { max => 5, buf => { out => '' }, seen => { out => 0 } };
  keep_output($run, out => 'abc', 3);
  keep_output($run, out => 'defg', 4);
  keep_output($run, out => 'h', 1);
  is $run->{buf}{out}, 'abcde', 'the first max bytes';
  is $run->{seen}{out}, 8, 'every byte counted';
};

subtest 'next_timeout: the earliest timer, none for an exited run, 0 when past' => sub {
  my $now = clock_gettime(CLOCK_MONOTONIC);
  is next_timeout({}), undef, 'no runs: no timeout';
  my %runs = (1 => { deadline => $now + 50 }, 2 => { exited => 1, deadline => $now + 1, drain_at => $now + 20 });
  my $t = next_timeout(\%runs);
  ok $t > 15 && $t <= 20, "the drain timer of the exited run ($t)";
  $runs{3} = { deadline => $now - 1 };
  is next_timeout(\%runs), 0, 'a deadline in the past';
};

subtest 'a deadline TERMs the group, the grace KILLs it (forced), final_at answers' => sub {
  my $pid;
  {    # the child ignores TERM from its first instruction on, so only the KILL can end it
    local $SIG{TERM} = 'IGNORE';
    $pid = fork // die "fork: $!";
    if (!$pid) { setpgrp(0, 0); sleep 0.05 while 1; POSIX::_exit(0) }
  }
  setpgrp($pid, $pid);
  my %runs = (7 => { id => 7, pid => $pid, deadline => 0, grace => 0.05, drain => 0.05, fh => { out => 1 }, open => 1 });
  my $run = $runs{7};
  my (@closed, @finished);
  my $close  = sub { delete $_[0]{fh}{ $_[1] }; $_[0]{open}--; push @closed, $_[1] };
  my $finish = sub { push @finished, $_[0]{id} };
  run_timers(\%runs, $close, $finish);
  ok $run->{timed_out} && $run->{terminating}, 'timed out and terminating';
  ok defined $run->{kill_at}, 'KILL scheduled';
  my $until = clock_gettime(CLOCK_MONOTONIC) + 10;
  while (!@finished && clock_gettime(CLOCK_MONOTONIC) < $until) { sleep 0.02; run_timers(\%runs, $close, $finish) }
  ok $run->{forced}, 'KILL reached the group: forced';
  is_deeply \@closed, ['out'], 'the pipes closed at final_at';
  is_deeply \@finished, [7], 'answered once';
  is waitpid($pid, 0), $pid, 'the child is gone';
  is $? & 127, 9, 'by SIGKILL';
  is kill_group({ pid => 0 }, 'TERM'), 0, 'no pid: nobody signalled';
};

subtest 'write_queue drains into a pipe and reports a reader that is gone' => sub {
  local $SIG{PIPE} = 'IGNORE';
  pipe(my $r, my $w) or die "pipe: $!";
  nonblocking('t', $w);
  my $buf = "one\ntwo\n";
  is write_queue($w, \$buf), 1, 'written';
  is $buf, '', 'queue empty';
  sysread $r, my $got, 100;
  is $got, "one\ntwo\n", 'in order';
  close $r;
  $buf = "three\n";
  is write_queue($w, \$buf), 0, 'EPIPE: the reader is gone';
  is $buf, '', 'queue dropped';
};

subtest 'Streams: add and close keep {open}, {fh} and the fd index together' => sub {
  my (@watched, @closed);
  my $s = MgWorkhorse::Streams->new(
    watch => sub { push @watched, $_[0] }, unwatch => sub { @watched = grep { $_ != $_[0] } @watched },
    close => sub { push @closed, $_[0] }, fd => sub { $_[0] },
  );
  my $run = { fh => {}, open => 0 };
  $s->add($run, out => 11);
  $s->add($run, err => 12);
  is $run->{open}, 2, 'two open';
  is_deeply [ sort { $a <=> $b } $s->fds ], [ 11, 12 ], 'both indexed';
  is_deeply $s->of(12), [ $run, 'err' ], 'found by fd';
  $s->close($run, 'out');
  $s->close($run, 'out');
  is $run->{open}, 1, 'closed once only';
  is_deeply \@closed, [11], 'the close sub ran once';
  is_deeply \@watched, [12], 'no longer watched';
  is $s->of(11), undef, 'no longer indexed';
};

subtest 'wake_on_signals: HUP sets stopping and wakes the loop; drain_wake empties the pipe' => sub {
  local @SIG{qw(CHLD TERM INT HUP PIPE)};
  my $stopping = 0;
  my ($wake_r) = wake_on_signals('t', \$stopping);
  kill 'HUP', $$;
  my $until = clock_gettime(CLOCK_MONOTONIC) + 10;
  sleep 0.01 while !$stopping && clock_gettime(CLOCK_MONOTONIC) < $until;
  is $stopping, 1, 'stopping set';
  vec(my $bits = '', fileno $wake_r, 1) = 1;
  is select(my $ready = $bits, undef, undef, 5), 1, 'the self-pipe is readable';
  drain_wake($wake_r);
  is select($ready = $bits, undef, undef, 0), 0, 'and empty after drain_wake';
};

done_testing;
