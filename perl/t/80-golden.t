# Replays the golden transcripts in fixtures/farm/*.jsonl (format: fixtures/farm/README.md): each request line
# is sent as is (after ${FIXTURES} is replaced), each answer line must match the farm's next line, placeholders
# standing for volatile values. MG_FARM_GOLDEN_RECORD=1 rewrites the answer lines from a real farm instead.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(repo_dir);
use File::Spec;
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);

my $json     = JSON::PP->new->canonical;
my $fixtures = File::Spec->catdir(repo_dir(), 'fixtures', 'epn');
my %REQUEST  = map { $_ => 1 } qw(run compile invalidate shutdown);
my $record   = $ENV{MG_FARM_GOLDEN_RECORD};

for my $file (sort glob File::Spec->catfile(repo_dir(), 'fixtures', 'farm', '*.jsonl')) {
  subtest $file => sub { replay($file) };
}
done_testing;

sub replay {
  my ($file) = @_;
  open my $fh, '<', $file or die "$file: $!";
  my @lines = grep { /\S/ } <$fh>;
  close $fh;
  my $f = FarmTest->start;
  my @recorded = ($record ? normalize($f->ready) : ());
  if (!$record) {
    my $want = $json->decode(shift @lines);
    ok match($want, $f->ready), 'ready' or diag explain $f->ready;
  } else {
    shift @lines if @lines && $json->decode($lines[0])->{type} eq 'ready';
  }
  for my $line (@lines) {
    chomp $line;
    my $m = $json->decode($line);
    if (exists $m->{send_raw} || $REQUEST{ $m->{type} // '' }) {
      push @recorded, $line if $record;
      my $out = exists $m->{send_raw} ? $m->{send_raw} : $line;
      $out =~ s/\$\{FIXTURES\}/$fixtures/g;
      $f->send($out);
      if ($record) {    # answers: what arrives until the farm is quiet (one request at a time)
        while (defined(my $got = $f->next_line(($m->{type} // '') eq 'shutdown' ? 3 : 1.5))) {
          push @recorded, normalize($json->decode($got));
        }
      }
      next;
    }
    next if $record;
    my $got = $f->next_line(15);
    ok defined $got, "an answer for: $line" or last;
    my $gm = $json->decode($got);
    ok match($m, $gm), "matches $line" or diag "got: $got";
  }
  if ($record) {
    open my $out, '>', $file or die "$file: $!";
    print $out "$_\n" for @recorded;
    close $out;
    pass "recorded $file";
    $f->close_and_wait;
    return;
  }
  ok !defined $f->next_line(0.5), 'no further answers';
  is $f->close_and_wait, 0, 'the farm exits 0';
}

# Expected value against actual value, with the placeholders of fixtures/farm/README.md.
sub match {
  my ($want, $got, $key) = @_;
  if (ref $want eq 'HASH') {
    return 0 unless ref $got eq 'HASH' && join(',', sort keys %$want) eq join(',', sort keys %$got);
    for (keys %$want) { return 0 unless match($want->{$_}, $got->{$_}, $_) }
    return 1;
  }
  if (ref $want eq 'ARRAY') {
    return 0 unless ref $got eq 'ARRAY' && @$want == @$got;
    for (0 .. $#$want) { return 0 unless match($want->[$_], $got->[$_]) }
    return 1;
  }
  return !defined $got if !defined $want;
  return 0 if !defined $got;
  if (JSON::PP::is_bool($want)) { return JSON::PP::is_bool($got) && $want == $got }
  return $got =~ /\A[1-9][0-9]*\z/                    if $want eq '<pid>';
  return $got =~ /\Av5\.\d+\.\d+\z/                   if $want eq '<perl>';
  return !ref $got && $got =~ /\A[0-9.]+\z/ && $got > 1e12 if $want eq '<epoch-ms>';
  return !ref $got && $got =~ /\A[0-9.]+\z/           if $want eq '<ms>';
  if (defined $key && ($key eq 'stdout' || $key eq 'stderr')) {
    (my $bytes = decode_base64($want)) =~ s/\$\{FIXTURES\}/$fixtures/g;
    return $got eq encode_base64($bytes, '');
  }
  (my $w = $want) =~ s/\$\{FIXTURES\}/$fixtures/g;
  return $w eq $got;
}

# An answer as a golden line: volatile fields become placeholders, the fixtures path ${FIXTURES}.
sub normalize {
  my ($m) = @_;
  my %m = %$m;
  $m{pid}        = '<pid>'      if exists $m{pid};
  $m{perl}       = '<perl>'     if exists $m{perl};
  $m{startedAt}  = '<epoch-ms>' if exists $m{startedAt};
  $m{durationMs} = '<ms>'       if exists $m{durationMs};
  $m{compileMs}  = '<ms>'       if exists $m{compileMs} && $m{compileMs} != 0;
  for my $k (qw(stdout stderr)) {
    next unless exists $m{$k};
    (my $bytes = decode_base64($m{$k})) =~ s/\Q$fixtures\E/\${FIXTURES}/g;
    $m{$k} = encode_base64($bytes, '');
  }
  my $walk;
  $walk = sub {
    my $v = shift;
    return ref $v eq 'HASH' ? { map { $_ => $walk->($v->{$_}) } keys %$v }
      : ref $v eq 'ARRAY' ? [ map { $walk->($_) } @$v ]
      : defined $v && !ref $v ? ($v =~ s/\Q$fixtures\E/\${FIXTURES}/gr) : $v;
  };
  for my $k (keys %m) { $m{$k} = $walk->($m{$k}) unless $k =~ /\A(?:stdout|stderr)\z/ }
  return $json->encode(\%m);
}
