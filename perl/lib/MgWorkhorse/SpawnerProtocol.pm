package MgWorkhorse::SpawnerProtocol;
# The line protocol of the spawn helper (perl/mg-spawner.pl) and of the vfork launchers (perl/mg-launcher.pl),
# written once for both: the request decoder, the run request's checks, and the answer lines. The TypeScript
# side is src/exec/spawner-protocol.ts; the PROTOCOL section of mg-spawner.pl describes the messages.
use strict;
use warnings;
use Exporter qw(import);
use MIME::Base64 qw(encode_base64 decode_base64);
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);

our @EXPORT_OK = qw(PROTOCOL_VERSION decode_line parse_run ready_line started_line error_line result_line new_run);

use constant PROTOCOL_VERSION => 1;

# A tiny decoder for our own flat JSON: every string value is base64, so no escapes can occur. JSON::PP took
# 175 us per request, this takes 18 us.
# The run line as src/exec/helper-messages.ts encodeRunLine writes it, matched whole in one go: it comes once per
# check, and the general loop below costs ~15 us for it. Any other shape takes the general loop.
my $RUN_LINE = qr/\A\{"type":"run","id":(\d+),"argv":\[([^\]]*)\],"env":\[([^\]]*)\](?:,"cwd":"([A-Za-z0-9+\/=]*)")?,"timeoutMs":(\d+),"killGraceMs":(\d+),"maxOutputBytes":(\d+),"pipeDrainMs":(\d+)\}\n?\z/;

sub decode_line {
  my ($line) = @_;
  if (my ($id, $argv, $env, $cwd, @num) = $line =~ $RUN_LINE) {
    my %m = (type => 'run', id => $id + 0, argv => [ $argv =~ /"([A-Za-z0-9+\/=]*)"/g ], env => [ $env =~ /"([A-Za-z0-9+\/=]*)"/g ]);
    @m{qw(timeoutMs killGraceMs maxOutputBytes pipeDrainMs)} = map { $_ + 0 } @num;
    $m{cwd} = $cwd if defined $cwd;
    return \%m;
  }
  my %m;
  while ($line =~ /"(\w+)":(?:"([A-Za-z0-9+\/=]*)"|(-?[0-9][0-9.eE+-]*)|\[([^\]]*)\]|(true|false|null))/g) {
    my $k = $1;
    if    (defined $2) { $m{$k} = $2 }
    elsif (defined $3) { $m{$k} = $3 + 0 }
    elsif (defined $4) { $m{$k} = [ $4 =~ /"([A-Za-z0-9+\/=]*)"/g ] }
    else               { $m{$k} = $5 eq 'true' ? 1 : 0 }
  }
  return \%m;
}

# Checks a decoded run request: (undef, \@argv, \@env, $cwd) or ($error_text).
sub parse_run {
  my ($m) = @_;
  my @argv = map { decode_base64($_) } @{ $m->{argv} || [] };
  if (defined $m->{shell}) { @argv = ('/bin/sh', '-c', decode_base64($m->{shell})) }
  return ('a run needs argv or shell') unless @argv;
  for (qw(timeoutMs killGraceMs maxOutputBytes pipeDrainMs)) {
    return ("a run needs a number $_") unless defined $m->{$_} && $m->{$_} >= 0;
  }
  my @env = map { decode_base64($_) } @{ $m->{env} || [] };
  return (undef, \@argv, \@env, defined $m->{cwd} ? decode_base64($m->{cwd}) : undef);
}

# The run hash both scripts and MgWorkhorse::RunLoop work on, from a checked request.
sub new_run {
  my ($id, $m) = @_;
  my $now = clock_gettime(CLOCK_MONOTONIC);
  return {
    id => $id, started_wall => Time::HiRes::time() * 1000, t0 => $now, max => $m->{maxOutputBytes},
    grace => $m->{killGraceMs} / 1000, drain => $m->{pipeDrainMs} / 1000, deadline => $now + $m->{timeoutMs} / 1000,
    buf => { out => '', err => '' }, seen => { out => 0, err => 0 }, fh => {}, open => 0,
  };
}

sub ready_line   { sprintf '{"type":"ready","pid":%d,"version":%d}', $$, PROTOCOL_VERSION }
sub started_line { sprintf '{"type":"started","id":%d,"pid":%d}', @_ }

sub error_line {
  my ($id, $message) = @_;
  $message =~ s/([\\"])/\\$1/g;
  $message =~ s/[\x00-\x1f]/ /g;
  return sprintf '{"type":"error",%s"message":"%s"}', (defined $id && $id =~ /^\d+$/ ? qq("id":$id,) : ''), $message;
}

# The answer for a finished run: exit status or signal from {status}, or {spawn_errno} when it never ran.
sub result_line {
  my ($run) = @_;
  my $st = $run->{status};
  my ($code, $sig) = ('null', 'null');
  if (!defined $run->{spawn_errno} && defined $st) {
    if   ($st & 127) { $sig  = $st & 127 }
    else             { $code = $st >> 8 }
  }
  my $b = sub { $_[0] ? 'true' : 'false' };
  return sprintf '{"type":"result","id":%d,"exitCode":%s,"signal":%s,"timedOut":%s,"aborted":%s,'
    . '"forcefullyKilled":%s,"stdout":"%s","stderr":"%s","stdoutTruncated":%s,"stderrTruncated":%s,'
    . '"startedAt":%.3f,"durationMs":%.3f%s}',
    $run->{id}, $code, $sig, $b->($run->{timed_out}), $b->($run->{aborted}), $b->($run->{forced}),
    encode_base64($run->{buf}{out}, ''), encode_base64($run->{buf}{err}, ''),
    $b->($run->{seen}{out} > $run->{max}), $b->($run->{seen}{err} > $run->{max}),
    $run->{started_wall}, (clock_gettime(CLOCK_MONOTONIC) - $run->{t0}) * 1000,
    defined $run->{spawn_errno} ? sprintf(',"spawnError":{"errno":%d}', $run->{spawn_errno}) : '';
}

1;
