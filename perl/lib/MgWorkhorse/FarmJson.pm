package MgWorkhorse::FarmJson;
# JSON for the farm protocol (src/epn/farm-protocol.ts): a small strict decoder for the one-line requests Node's
# JSON.stringify writes, and string quoting for the answers. JSON::PP (core) took about 600 us to decode one run
# request here, a large share of a core at a thousand checks a second; this decoder takes a few tens of us.
use strict;
use warnings;
use Exporter 'import';

our @EXPORT_OK = qw(decode_json_line json_str json_num);

my %UNESCAPE = ('"' => '"', '\\' => '\\', '/' => '/', b => "\b", f => "\f", n => "\n", r => "\r", t => "\t");

# Decodes one JSON text. Strings come back as the UTF-8 bytes they were sent as (paths, arguments and environment
# values are bytes to the OS), true/false as 1/0, null as undef. Returns ($value) or (undef, $error).
sub decode_json_line {
  my ($text) = @_;
  my $value = eval {
    pos($text) = 0;
    my $v = _value(\$text);
    $text =~ /\G[ \t\r\n]*\z/gc or die "trailing characters at offset " . pos($text) . "\n";
    $v;
  };
  return $value if defined $value || $@ eq '';
  chomp(my $err = $@);
  return (undef, $err);
}

# One JSON value at pos() of $$r.
sub _value {
  my ($r) = @_;
  $$r =~ /\G[ \t\r\n]*/gc;
  return _string($r) if $$r =~ /\G"/gc;
  if ($$r =~ /\G\{/gc) {
    my %h;
    $$r =~ /\G[ \t\r\n]*/gc;
    return \%h if $$r =~ /\G\}/gc;
    while (1) {
      $$r =~ /\G[ \t\r\n]*"/gc or die "expected a key at offset " . pos($$r) . "\n";
      my $k = _string($r);
      $$r =~ /\G[ \t\r\n]*:/gc or die "expected ':' at offset " . pos($$r) . "\n";
      $h{$k} = _value($r);
      $$r =~ /\G[ \t\r\n]*/gc;
      next if $$r =~ /\G,/gc;
      return \%h if $$r =~ /\G\}/gc;
      die "expected ',' or '}' at offset " . pos($$r) . "\n";
    }
  }
  if ($$r =~ /\G\[/gc) {
    my @a;
    $$r =~ /\G[ \t\r\n]*/gc;
    return \@a if $$r =~ /\G\]/gc;
    while (1) {
      push @a, _value($r);
      $$r =~ /\G[ \t\r\n]*/gc;
      next if $$r =~ /\G,/gc;
      return \@a if $$r =~ /\G\]/gc;
      die "expected ',' or ']' at offset " . pos($$r) . "\n";
    }
  }
  return 0 + $1 if $$r =~ /\G(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)/gc;
  return 1     if $$r =~ /\Gtrue/gc;
  return 0     if $$r =~ /\Gfalse/gc;
  return undef if $$r =~ /\Gnull/gc;
  die "unexpected character at offset " . (pos($$r) // 0) . "\n";
}

# The opening quote is consumed; returns the string's bytes (\u escapes become UTF-8).
sub _string {
  my ($r) = @_;
  $$r =~ /\G((?:[^"\\\x00-\x1f]++|\\["\\\/bfnrtu])*+)"/gc or die "bad string at offset " . pos($$r) . "\n";
  my $s = $1;
  return $s if index($s, '\\') < 0;
  $s =~ s{\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\(.)}{
    my $c = defined $1 ? chr(0x10000 + ((hex($1) - 0xD800) << 10) + (hex($2) - 0xDC00))
          : defined $3 ? chr(hex $3)
          : $UNESCAPE{$4} // die "bad escape \\$4\n";
    utf8::encode($c);
    $c;
  }ge;
  return $s;
}

# A JSON string literal, ASCII only. Bytes that are valid UTF-8 are read as UTF-8, others as Latin-1, so any Perl
# message (which may quote bytes of a plugin's source) gives valid JSON.
sub json_str {
  my ($s) = @_;
  $s = '' unless defined $s;
  if (!utf8::is_utf8($s)) {
    my $copy = $s;
    $s = $copy if utf8::decode($copy);
  }
  $s =~ s/(["\\])/\\$1/g;
  $s =~ s{([^\x20-\x7e])}{
    my $o = ord $1;
    $o == 10 ? '\n' : $o == 9 ? '\t' : $o == 13 ? '\r'
      : $o < 0x10000 ? sprintf('\u%04x', $o)
      : sprintf('\u%04x\u%04x', 0xD800 + (($o - 0x10000) >> 10), 0xDC00 + (($o - 0x10000) & 0x3FF));
  }ge;
  return qq("$s");
}

# A JSON number with at most three decimals (times in ms).
sub json_num {
  my ($n) = @_;
  return 'null' unless defined $n;
  my $s = sprintf '%.3f', $n;
  $s =~ s/\.?0+\z// if $s =~ /\./;
  return $s;
}

1;
