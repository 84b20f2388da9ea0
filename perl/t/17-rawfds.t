# MgWorkhorse::RawFds (bare close-on-exec pipes and pidfds for the vfork launcher) in both of its ways, and the
# launcher's run-line fast path in MgWorkhorse::SpawnerProtocol::decode_line against its general decoder.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest ();
use lib FarmTest::repo_dir() . '/perl/lib';

# The module reads MG_LAUNCHER_PORTABLE when it loads: each way runs in its own perl.
sub in_perl {
  my ($code, %env) = @_;
  local @ENV{ keys %env } = values %env;
  my $lib = FarmTest::repo_dir() . '/perl/lib';
  open my $p, '-|', $^X, "-I$lib", '-MMgWorkhorse::RawFds=cloexec_pipe,close_fd,pidfd_of,read_fd', '-e', $code or die $!;
  local $/;
  return scalar <$p>;
}

my $probe = <<'PERL';
my ($r, $w) = cloexec_pipe() or die "pipe: $!";
# close-on-exec from /proc (a Perl handle on the fd to ask fcntl would hold the fd open: PerlIO counts its users)
sub cloexec { open my $fi, '<', "/proc/self/fdinfo/$_[0]" or die; my ($f) = join('', <$fi>) =~ /^flags:\s*(\d+)/m; oct($f) & 02000000 ? 1 : 0 }
my $cloexec = cloexec($r) && cloexec($w) ? 1 : 0;
POSIX::write($w, "abc", 3);
my $n1 = read_fd($r, my $buf, 10);
close_fd($w);
my $n2 = read_fd($r, my $eof, 10);
my $pid = fork // die;
POSIX::_exit(7) unless $pid;
my $pidfd = pidfd_of($pid);
my $readable = 'none';
if (defined $pidfd) { my $rin = ''; vec($rin, $pidfd, 1) = 1; $readable = select(my $rout = $rin, undef, undef, 5) }
waitpid $pid, 0;
print join ',', $cloexec, $n1, $buf, $n2, $readable, $? >> 8;
PERL

is in_perl($probe), '1,3,abc,0,1,7', 'pipe2: both ends close-on-exec, bytes through, EOF reads 0; the pidfd turns readable at exit';
is in_perl($probe, MG_LAUNCHER_PORTABLE => 1), '1,3,abc,0,none,7', 'portable: Perl pipe() ends, also close-on-exec; no pidfd';

use MgWorkhorse::SpawnerProtocol qw(decode_line);
# The general decoder alone: the same line with a blank the fast path's pattern does not allow.
sub general { my ($l) = @_; $l =~ s/^\{"type":"run",/{"type":"run", /; return decode_line($l) }
my @lines = (
  '{"type":"run","id":1,"argv":["L2Jpbi90cnVl"],"env":[],"timeoutMs":5000,"killGraceMs":500,"maxOutputBytes":65536,"pipeDrainMs":100}',
  '{"type":"run","id":22,"argv":["L2Jpbi9zaA==","LWM=","ZXhpdCAz"],"env":["Rk9PPWJhcg==","WD0="],"cwd":"L3RtcA==","timeoutMs":0,"killGraceMs":0,"maxOutputBytes":1,"pipeDrainMs":0}' . "\n",
  '{"type":"run","id":3,"argv":[],"env":[],"timeoutMs":1,"killGraceMs":2,"maxOutputBytes":3,"pipeDrainMs":4}',
);
for my $l (@lines) {
  my $fast = decode_line($l);
  is_deeply $fast, general($l), "fast path = general decoder: id $fast->{id}";
}
is_deeply decode_line('{"type":"cancel","id":9}'), { type => 'cancel', id => 9 }, 'other messages: general decoder';
is_deeply decode_line('{"type":"run","id":5,"shell":"ZWNobw==","env":[],"timeoutMs":1,"killGraceMs":1,"maxOutputBytes":1,"pipeDrainMs":1}')->{shell},
  'ZWNobw==', 'a shell run (not the fast shape): general decoder';

done_testing;
