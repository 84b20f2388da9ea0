#!/usr/bin/perl
# The guard of mg-workhorse's native spawner: waits for the worker to go, however it goes (SIGKILL and the OOM
# killer included), then kills the plugin process groups that were still running. Code first, POD at the end.
use strict;
use warnings;

# Slots in the group file: [0] = how many groups, then their ids (native/mg_spawn.c, SHARED_SLOTS).
use constant SLOTS => 65536;

my ($file) = @ARGV;
die "usage: mg-guard.pl GROUP-FILE (with the worker's pipe on fd 3)\n" unless defined $file;
open my $watch, '<&=', 3 or die "mg-guard: fd 3: $!\n";
# Only the worker's end of the pipe ends us: a Ctrl-C or a plugin's `kill 0` must not (we lead our own session,
# so neither should reach us anyway).
$SIG{$_} = 'IGNORE' for qw(INT TERM HUP PIPE QUIT);
# Blocks until the worker closes its end or dies: read gives 0 (EOF), or an error other than EINTR.
while (1) {
  my $n = sysread $watch, my $junk, 4096;
  last if defined $n && $n == 0;
  last if !defined $n && !$!{EINTR};
}
if (open my $fh, '<:raw', $file) {
  my $len = read $fh, my $data, 4 * SLOTS;
  close $fh;
  my ($count, @groups) = unpack 'l*', $data // '';
  $count = 0 if !defined $count || $count < 0 || $count > $#groups + 1;
  # A torn last update lists one group twice, which is harmless.
  my %seen;
  my @live = grep { $_ > 1 && !$seen{$_}++ } @groups[ 0 .. $count - 1 ];
  kill 'KILL', -$_ for @live;
  print STDERR "mg-guard: the worker is gone; killed the process groups of its running plugins: @live\n" if @live;
}
unlink $file;
exit 0;

__END__

=head1 NAME

mg-guard.pl - kill the plugins of a worker that died, for mg-workhorse's native spawner

=head1 SYNOPSIS

  perl perl/mg-guard.pl /dev/shm/mg-workhorse-groups-PID-XXXX   # fd 3: a pipe from the worker
                                                                 # started by src/exec/native-guard.ts

=head1 DESCRIPTION

The native spawner (F<native/mg_spawn.c>) starts plugins from a thread inside the worker, so no
helper process outlives the worker to end them. When the worker exits in an orderly way it kills
every plugin group itself; this guard covers the other exits, SIGKILL and the OOM killer among them,
which run no code of the worker. The C worker's job processes go on enforcing their plugin's timeout
in that case; with the guard, the plugins die at once, and their results were lost with the worker
either way (gearmand hands the jobs out again).

The worker keeps the ids of the running plugins' process groups in a file that it maps into its
memory (count first, then the ids, 32-bit each, native byte order). The guard blocks reading fd 3,
the read end of a pipe whose only write end the worker holds. EOF means the worker is gone: the guard
reads the file, sends SIGKILL to each listed group, removes the file and exits. After an orderly
stop the list is empty and it only removes the file.

=head1 PROTOCOL

Nothing is ever written on the pipe; its end is the message. The group file holds C<SLOTS> 32-bit
integers: slot 0 is the count C<n>, slots 1 to C<n> the process group ids.

=head1 SIGNALS

INT, TERM, HUP, QUIT and PIPE are ignored: only the end of the pipe ends the guard. It leads a
session of its own, so a terminal's signals do not reach it. SIGKILL ends it without killing
anything (the plugins then run until they end by themselves, as without a guard).

=cut
