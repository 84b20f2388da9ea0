# The vfork launcher on a kernel with pidfds when opening one for a plugin fails (out of fds): SIGCHLD is not
# caught then, so the launcher must find the exit by itself once the pipes close. The whole of 16-launcher.t.
use strict;
use warnings;
use File::Basename qw(dirname);
use File::Spec ();
$ENV{MG_LAUNCHER_PORTABLE} = 'run-pidfd-fails';
my $t = File::Spec->rel2abs(dirname(__FILE__) . "/16-launcher.t");
do $t or die $@ || "$t: $!";
