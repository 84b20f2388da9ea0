package MgWorkhorse::FarmMessages;
# The farm's answers as protocol lines (src/epn/farm-protocol.ts), and the ePN texts a check's stdout gets:
# pure functions from a finished run to one JSON line, so the wording lives in one place.
#   die      `**ePN FILE: "MESSAGE".` after the output, on a line of its own (p1.pl's run_package)
#   no exit  `**ePN FILE: plugin did not call exit()` + newline before the output (mod_gearman, Icinga 1.8+)
#   compile  `**ePN failed to compile FILE: "ERROR"` after the output (p1.pl's eval_file, without its
#            " at p1.pl line 248." tail)
use strict;
use warnings;
use Config ();
use Exporter 'import';
use MIME::Base64 qw(encode_base64);
use MgWorkhorse::FarmJson qw(json_str json_num);

our @EXPORT_OK = qw(result_line failure_result_line compiled_line error_line);

my @SIG_NAME = split ' ', $Config::Config{sig_name};

# The `result` of a finished check. $run: id, file, mode, status ($?), buf/seen {out, err}, max, timed_out,
# timeout_ms, started_wall, compiled, compile_ms, compile (the child's C report), end (its E report),
# persistent (a persistent runner ran it: MgWorkhorse::EpnRunner).
sub result_line {
  my ($run, $duration_ms) = @_;
  my $file = $run->{file};
  my $st   = $run->{status};
  my ($code, $signal) = ('null', 'null');
  if (defined $st) {
    if   ($st & 127) { $signal = json_str('SIG' . ($SIG_NAME[ $st & 127 ] // $st & 127)) }
    else             { $code   = $st >> 8 }
  }
  my ($out, $end, $c, $problem) = ($run->{buf}{out}, $run->{end}, $run->{compile});
  my $kind = $end ? $end->{kind} : '';
  if ($run->{timed_out} && !$end) {
    my $where = $run->{mode} ne 'cached' && !$c ? " while compiling $file" : '';
    $problem = { kind => 'timeout', message => "timed out after $run->{timeout_ms} ms$where" };
  } elsif ($kind eq 'die') {
    $out = with_notice($out, qq(**ePN $file: "$end->{message}".\n));
    $problem = { kind => 'die', message => $end->{message} };
  } elsif ($kind eq 'noexit') {
    $out = "**ePN $file: plugin did not call exit()\n" . $out;
    $problem = { kind => 'noexit', message => 'plugin did not call exit()' };
  } elsif ($kind eq 'compile' && $c) {
    $out = with_notice($out, qq(**ePN failed to compile $file: "$c->{error}"\n));
    $problem = { kind => 'compile', message => $c->{error}, fallback => $c->{fallback} };
  } elsif ($kind eq 'exit-compile' && $c) {    # plain perl's output and code; the problem says it is not EPN-clean
    $problem = { kind => 'compile', message => $c->{error}, fallback => 0, exited => 1 };
  }
  my @modules = $end && $end->{modules} ne '' ? map { (split /\t/)[0] } split /\n/, $end->{modules} : ();
  return sprintf '{"type":"result","id":%s,"exitCode":%s,"signal":%s,"stdout":"%s","stderr":"%s",'
    . '"stdoutTruncated":%s,"stderrTruncated":%s,"startedAt":%s,"durationMs":%s,"compiled":%s,"compileMs":%s%s%s%s}',
    $run->{id}, $code, $signal, encode_base64($out, ''), encode_base64($run->{buf}{err}, ''),
    bool($run->{seen}{out} > $run->{max}), bool($run->{seen}{err} > $run->{max}),
    json_num($run->{started_wall}), json_num($duration_ms), bool($run->{compiled}),
    json_num($run->{compile_ms} // 0), problem_json($problem),
    @modules ? ',"newModules":[' . join(',', map { json_str($_) } sort @modules) . ']' : '',
    $run->{persistent} ? ',"persistent":true' : '';
}

# The `result` of a run answered without a child: a cached compile failure, or no such file ($p: message,
# fallback).
sub failure_result_line {
  my ($id, $file, $p, $now_ms) = @_;
  my $problem = { kind => 'compile', message => $p->{message}, fallback => $p->{fallback} };
  my $out = qq(**ePN failed to compile $file: "$p->{message}"\n);
  return sprintf '{"type":"result","id":%s,"exitCode":3,"signal":null,"stdout":"%s","stderr":"",'
    . '"stdoutTruncated":false,"stderrTruncated":false,"startedAt":%s,"durationMs":0,"compiled":false,'
    . '"compileMs":0%s}',
    $id, encode_base64($out, ''), json_num($now_ms), problem_json($problem);
}

# The answer to a `compile`.
sub compiled_line {
  my ($id, $file, $ok, $ms, $problem) = @_;
  return sprintf '{"type":"compiled","id":%s,"file":%s,"ok":%s,"compileMs":%s%s}',
    $id, json_str($file), bool($ok), json_num($ms), problem_json($problem);
}

# An `error` (id when the request's id could be read).
sub error_line {
  my ($id, $message) = @_;
  return sprintf '{"type":"error",%s"message":%s}', (defined $id ? qq("id":$id,) : ''), json_str($message);
}

# A notice after what the plugin printed, on a line of its own.
sub with_notice {
  my ($out, $notice) = @_;
  return $out eq '' || substr($out, -1) eq "\n" ? $out . $notice : "$out\n$notice";
}

# The `problem` member, or ''.
sub problem_json {
  my ($p) = @_;
  return '' unless $p;
  return sprintf ',"problem":{"kind":"%s","message":%s%s%s}', $p->{kind}, json_str($p->{message}),
    exists $p->{fallback} ? ',"fallback":' . bool($p->{fallback}) : '',
    $p->{exited} ? ',"exitedWhileCompiling":true' : '';
}

# A JSON boolean.
sub bool { $_[0] ? 'true' : 'false' }

1;
