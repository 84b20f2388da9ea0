package FarmTest;
# Test helper: starts perl/mg-epn-farm.pl with IPC::Open3, speaks its protocol (JSON::PP on this side; the
# farm's own decoder is what is under test), collects messages per id.
use strict;
use warnings;
use Exporter 'import';
use File::Spec ();
use File::Temp ();
use IO::Select ();
use IPC::Open3 qw(open3);
use JSON::PP ();
use MIME::Base64 qw(decode_base64);
use POSIX ();
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(fixture farm_script repo_dir);

my $JSON = JSON::PP->new->canonical->allow_nonref;

sub repo_dir {
  my ($vol, $dir) = File::Spec->splitpath(File::Spec->rel2abs(__FILE__));
  my @d = File::Spec->splitdir($dir);
  pop @d while @d && $d[-1] eq '';
  splice @d, -3;    # perl/t/lib
  return File::Spec->catpath($vol, File::Spec->catdir(@d), '');
}

sub farm_script { File::Spec->catfile(repo_dir(), 'perl', 'mg-epn-farm.pl') }
sub fixture     { File::Spec->catfile(repo_dir(), 'fixtures', 'epn', @_) }

# FarmTest->start(@farm_options): a running farm that has printed its ready line.
sub start {
  my ($class, @opts) = @_;
  my $err = File::Temp->new(TEMPLATE => 'farm-stderr-XXXXXX', TMPDIR => 1);
  my ($in, $out);
  my $pid = open3($in, $out, '>&' . fileno($err), $^X, farm_script(), @opts);
  binmode $_ for $in, $out;
  $in->autoflush(1);
  my $self = bless { pid => $pid, in => $in, out => $out, err => $err, buf => '', by_id => {}, seq => 0,
    all => [] }, $class;
  $self->{ready} = $self->next_message(20) or die "farm did not say ready; stderr: " . $self->stderr;
  return $self;
}

sub pid    { $_[0]{pid} }
sub ready  { $_[0]{ready} }
sub stderr { my $f = $_[0]{err}->filename; open my $fh, '<', $f or return ''; local $/; return <$fh> // '' }

# Sends one request (a hash ref, or a raw line).
sub send {
  my ($self, $msg) = @_;
  my $line = ref $msg ? $JSON->encode($msg) : $msg;
  $line .= "\n" unless $line =~ /\n\z/;
  print { $self->{in} } $line;
}

sub next_id { ++$_[0]{seq} }

# Reads the next raw line from the farm, or undef after $timeout seconds (or at EOF).
sub next_line {
  my ($self, $timeout) = @_;
  my $end = time + ($timeout // 10);
  while ((my $nl = index $self->{buf}, "\n") < 0) {
    my $left = $end - time;
    return undef if $left <= 0 || $self->{eof};
    my $sel = IO::Select->new($self->{out});
    next unless $sel->can_read($left);
    my $n = sysread $self->{out}, $self->{buf}, 65536, length $self->{buf};
    $self->{eof} = 1 unless $n;
  }
  my $line = substr $self->{buf}, 0, index($self->{buf}, "\n") + 1, '';
  push @{ $self->{all} }, $line;
  return $line;
}

# The next message, decoded, also filed under its id.
sub next_message {
  my ($self, $timeout) = @_;
  my $line = $self->next_line($timeout) // return undef;
  my $m = $JSON->decode($line);
  push @{ $self->{by_id}{ $m->{id} } }, $m if defined $m->{id};
  return $m;
}

# Waits for a message with this id and type (messages for other ids are kept for later).
sub wait_for {
  my ($self, $id, $type, $timeout) = @_;
  my $end = time + ($timeout // 20);
  while (1) {
    my ($m) = grep { $_->{type} eq $type && !$_->{seen}++ } @{ $self->{by_id}{$id} || [] };
    return $m if $m;
    my $left = $end - time;
    return undef if $left <= 0;
    $self->next_message($left) // return undef;
  }
}

# Sends a run and returns its result, with stdout/stderr decoded into out/err and started attached.
sub run {
  my ($self, $file, $args, %o) = @_;
  my $id = $self->start_run($file, $args, %o);
  return $self->result($id, $o{wait});
}

sub start_run {
  my ($self, $file, $args, %o) = @_;
  my $id = $o{id} // $self->next_id;
  $self->send({ type => 'run', id => $id, file => $file, args => $args || [], env => $o{env} || {},
    timeoutMs => $o{timeoutMs} // 10000, maxOutputBytes => $o{maxOutputBytes} // 1048576,
    cache => exists $o{cache} ? ($o{cache} ? JSON::PP::true : JSON::PP::false) : JSON::PP::true,
    ($o{persistent} ? (persistent => JSON::PP::true) : ()) });
  return $id;
}

sub result {
  my ($self, $id, $wait) = @_;
  my $r = $self->wait_for($id, 'result', $wait // 20) or return undef;
  $r->{out} = decode_base64($r->{stdout});
  $r->{err} = decode_base64($r->{stderr});
  ($r->{started}) = grep { $_->{type} eq 'started' } @{ $self->{by_id}{$id} };
  return $r;
}

sub compile {
  my ($self, $file, %o) = @_;
  my $id = $self->next_id;
  $self->send({ type => 'compile', id => $id, file => $file, timeoutMs => $o{timeoutMs} // 10000 });
  return $self->wait_for($id, 'compiled', $o{wait} // 20);
}

# Closes the farm's stdin and waits for it to exit; returns its exit status ($?) or undef.
sub close_and_wait {
  my ($self, $timeout) = @_;
  close $self->{in} if $self->{in};
  delete $self->{in};
  return $self->wait_exit($timeout);
}

sub wait_exit {
  my ($self, $timeout) = @_;
  my $end = time + ($timeout // 15);
  while (time < $end) {
    # keep reading so that the farm never blocks on a full stdout
    $self->next_line(0.05) if !$self->{eof};
    my $r = waitpid $self->{pid}, POSIX::WNOHANG();
    if ($r == $self->{pid}) { $self->{exited} = 1; return $? }
    sleep 0.02 if $self->{eof};
  }
  return undef;
}

sub DESTROY {
  my ($self) = @_;
  return if $self->{exited} || !$self->{pid};
  local $?;
  kill 'KILL', $self->{pid};
  waitpid $self->{pid}, 0;
}

# Whether any live (not zombie) process is in process group $pgid.
sub group_alive {
  my ($pgid) = @_;
  for my $stat (glob '/proc/[0-9]*/stat') {
    open my $fh, '<', $stat or next;
    my $line = <$fh> // next;
    my ($state, undef, $pgrp) = (split ' ', (split /\) /, $line, 2)[1])[0 .. 2];
    return 1 if $pgrp == $pgid && $state ne 'Z';
  }
  return 0;
}

# Whether a process exists (and is not a zombie).
sub alive {
  my ($pid) = @_;
  return 0 unless kill 0, $pid;
  open my $fh, '<', "/proc/$pid/stat" or return 0;
  my $stat = <$fh> // '';
  return $stat =~ /\) Z / ? 0 : 1;
}

1;
