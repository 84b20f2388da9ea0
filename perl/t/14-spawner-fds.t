# The fork spawn helper (perl/mg-spawner.pl) started with an fd its parent left open without close-on-exec: its
# plugins must hold stdin, stdout and stderr only (the vfork launcher's counterpart is in 16-launcher.t).
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest ();
use Fcntl ();
use IPC::Open3 qw(open3);
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);

open my $leak, '<', '/dev/null' or die;
fcntl $leak, Fcntl::F_SETFD(), 0 or die;
my $pid = open3(my $in, my $out, undef, $^X, FarmTest::repo_dir() . '/perl/mg-spawner.pl');
$in->autoflush(1);
my $json = JSON::PP->new;
is $json->decode(scalar <$out>)->{type}, 'ready', 'ready';
my @argv = ($^X, '-e', 'opendir my $d, "/proc/self/fd" or die; print join ",", sort grep { /^\d+$/ } readdir $d');
print $in $json->encode({ type => 'run', id => 1, argv => [ map { encode_base64($_, '') } @argv ], env => [],
  timeoutMs => 5000, killGraceMs => 500, maxOutputBytes => 65536, pipeDrainMs => 100 }), "\n";
my $r;
while (my $l = <$out>) { my $m = $json->decode($l); if ($m->{type} eq 'result') { $r = $m; last } }
is decode_base64($r->{stdout}), '0,1,2,3', 'the plugin inherits fds 0, 1 and 2 only (3: its own listing)';
close $in;
waitpid $pid, 0;
is $?, 0, 'EOF on stdin: the helper exits 0';
done_testing;
