package MgWorkhorse::RawFds;
# Bare file descriptors for the vfork launcher's per-run pipes and child exit, without PerlIO. A Perl `pipe()`
# wraps each end in a PerlIO handle: pipe2, then an lseek and an ioctl per end (both failing on a pipe) and an
# fcntl for close-on-exec, 8 syscalls per run that a bare pipe2(O_CLOEXEC) saves. A pidfd becomes readable when
# the child exits, which replaces the SIGCHLD handler, its wake-up byte and Perl's signal dispatch per run.
# Both are Linux system calls (pipe2 since 2.6.27, pidfd_open since 5.3); where one is missing (another kernel,
# a seccomp filter, an architecture not listed) the caller gets the portable way: Perl's pipe(), or undef for a
# pidfd (the launcher then waits for SIGCHLD). Core modules only.
use strict;
use warnings;
use Config ();
use Exporter qw(import);
use POSIX ();
our @EXPORT_OK = qw(cloexec_pipe close_fd pidfd_of read_fd close_inherited_fds);

use constant O_CLOEXEC => 0x80000;    # the same value on x86_64, i386 and aarch64 (asm-generic)
# pipe2 and pidfd_open by architecture; pidfd_open has one number everywhere (it came after the unification).
my %NR = (x86_64 => [ 293, 434 ], aarch64 => [ 59, 434 ], i686 => [ 331, 434 ], i386 => [ 331, 434 ]);
my ($arch) = $Config::Config{archname} =~ /\A([^-]+)/;
my ($SYS_pipe2, $SYS_pidfd_open) = @{ $NR{ $arch // '' } || [] };
# Tests run the portable ways too (MG_LAUNCHER_PORTABLE=1), and a kernel with pidfds where opening one for a
# plugin fails (=run-pidfd-fails: as when out of fds; the probe with our own pid still works).
my $Portable = $ENV{MG_LAUNCHER_PORTABLE} // '';
($SYS_pipe2, $SYS_pidfd_open) = () if $Portable eq '1';

my %Held;    # fd => the Perl handle that owns it (portable pipes only): closing the handle closes the fd

# A pipe whose ends are closed on exec: (read fd, write fd), or () with $! set.
sub cloexec_pipe {
  if (defined $SYS_pipe2) {
    my $fds = "\0" x 8;
    return unpack 'i2', $fds if syscall($SYS_pipe2, $fds, O_CLOEXEC) == 0;
    $SYS_pipe2 = undef if $! == POSIX::ENOSYS();    # filtered or an old kernel: the portable way from now on
    return if $! != POSIX::ENOSYS();
  }
  pipe(my $r, my $w) or return;    # perl marks fds above $^F close-on-exec
  $Held{ fileno $_ } = $_ for $r, $w;
  return (fileno $r, fileno $w);
}

# Closes an fd from cloexec_pipe or pidfd_of.
sub close_fd {
  my ($fd) = @_;
  my $h = delete $Held{$fd};
  return $h ? close $h : POSIX::close($fd);
}

# A pidfd for child $pid (readable once it exited), or undef where the kernel has none.
sub pidfd_of {
  my ($pid) = @_;
  return undef unless defined $SYS_pidfd_open;
  if ($Portable eq 'run-pidfd-fails' && $pid != $$) { $! = POSIX::EMFILE(); return undef }
  my $fd = syscall($SYS_pidfd_open, $pid, 0);
  return $fd if $fd >= 0;
  $SYS_pidfd_open = undef if $! == POSIX::ENOSYS() || $! == POSIX::EPERM();
  return undef;
}

# Closes every fd above 2 that is not close-on-exec: what the process that started us left open by mistake. Perl
# opens its own fds close-on-exec, so these are never ours, and a vfork'd plugin would inherit them (a daemon it
# leaves behind could then hold someone else's pipe open). Node starts launchers with fds 0-2 only; a test harness
# or a shell may not. Linux (/proc); elsewhere nothing is closed.
sub close_inherited_fds {
  opendir my $dh, '/proc/self/fd' or return 0;
  my @stray;
  for my $fd (grep { /\A\d+\z/ && $_ > 2 } readdir $dh) {
    open my $fi, '<', "/proc/self/fdinfo/$fd" or next;    # the listing's own fd, gone by now
    my ($flags) = join('', <$fi>) =~ /^flags:\s*([0-7]+)/m;
    push @stray, $fd if defined $flags && !(oct($flags) & O_CLOEXEC);
  }
  closedir $dh;
  POSIX::close($_) for @stray;
  return scalar @stray;
}

# One read(2) into $_[1]: the byte count, 0 at EOF, undef on an error ($! set). POSIX::read says "0 but true".
sub read_fd {
  my $n = POSIX::read($_[0], $_[1], $_[2]);
  return defined $n ? $n + 0 : undef;
}

1;
