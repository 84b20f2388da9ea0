# The vfork launcher's portable ways (Perl pipes and SIGCHLD instead of pipe2 and pidfds, for kernels or seccomp
# filters without them; see MgWorkhorse::RawFds): the whole of 16-launcher.t again with them forced.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec ();
$ENV{MG_LAUNCHER_PORTABLE} = 1;
my $t = File::Spec->rel2abs(dirname(__FILE__) . "/16-launcher.t");
do $t or die $@ || "$t: $!";
