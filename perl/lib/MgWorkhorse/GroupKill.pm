package MgWorkhorse::GroupKill;
# Signals every other member of this process's own process group. The vfork launcher (perl/mg-launcher.pl) is a
# group leader, and the plugin it spawns with Proc::FastSpawn stays in that group: vfork+exec cannot setpgid
# in the child, and the parent's setpgid fails with EACCES once the child has exec'd. So the group is
# launcher + one plugin's tree, and killing the plugin must spare the launcher:
#   TERM: ignore TERM for the moment of a kill() to our own group; the kernel drops a signal the target
#         ignores when it is sent, so the launcher never sees it (one syscall, the common timeout path).
#   KILL: cannot be ignored, so scan /proc for members of our group and SIGKILL each but us, pass after pass
#         until none is left (a member may fork while we scan). The rare path: TERM ignored, or strays holding
#         the plugin's pipes after it exited.
# Core modules only.
use strict;
use warnings;
use Exporter qw(import);

our @EXPORT_OK = qw(signal_own_group group_members);

use constant MAX_KILL_PASSES => 20;

# Pids of the live (not zombie) processes in process group $pgid, found in /proc, without $$.
sub group_members {
  my ($pgid) = @_;
  opendir my $dh, '/proc' or return ();
  my @pids;
  for my $pid (readdir $dh) {
    next if $pid !~ /^\d+$/ || $pid == $$;
    open my $fh, '<', "/proc/$pid/stat" or next;    # gone meanwhile
    my $stat = <$fh> // next;
    # comm may hold spaces and parentheses: the fixed fields start after the last ')'.
    my ($state, undef, $pgrp) = split / /, substr($stat, rindex($stat, ')') + 2);
    push @pids, $pid if defined $pgrp && $pgrp == $pgid && $state ne 'Z' && $state ne 'X';
  }
  return @pids;
}

# Sends $sig to every other process in our own group. For KILL, returns how many were killed; for any other
# signal 1 (a kill() to a group does not say who got it, and the callers use the count of KILL only).
sub signal_own_group {
  my ($sig) = @_;
  my $pgid = getpgrp;
  if ($sig ne 'KILL') {
    local $SIG{$sig} = 'IGNORE';
    return kill($sig, -$pgid) ? 1 : 0;
  }
  my $n = 0;
  for (1 .. MAX_KILL_PASSES) {
    my @pids = group_members($pgid) or last;
    $n += kill 'KILL', @pids;
    select undef, undef, undef, 0.001;    # let the killed ones become zombies before the next scan
  }
  return $n;
}

1;
