# The farm's small JSON decoder agrees with JSON::PP on what Node's JSON.stringify writes, and its quoting is valid.
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(repo_dir);
use lib FarmTest::repo_dir() . '/perl/lib';
use JSON::PP ();
use MgWorkhorse::FarmJson qw(decode_json_line json_str json_num);

my $pp = JSON::PP->new->utf8->canonical;
my @lines = (
  '{"type":"run","id":1,"file":"/p/check_x","args":["-w","5","a b"],"env":{"K":"v"},"timeoutMs":60000,"maxOutputBytes":10485760,"cache":true}',
  '{"type":"run","id":2,"file":"/p/c","args":[],"env":{},"timeoutMs":1.5,"maxOutputBytes":0,"cache":false}',
  '{"s":"quote \" backslash \\\\ slash \/ ctl \u0001 nl \n tab \t","u":"\u00e9\u20ac\ud83d\ude00","raw":"é€😀"}',
  ' { "a" : [ 1 , -2.5e3 , true , false , null , { } , [ ] ] } ',
  '{"type":"shutdown"}',
);
for my $line (@lines) {
  my ($got, $err) = decode_json_line($line);
  is $err, undef, "decodes: $line";
  my $want = $pp->decode($line);
  # JSON::PP gives characters; the farm wants the UTF-8 bytes (paths, argv, env are bytes to the OS)
  my $bytes = sub { my $s = shift; utf8::encode($s); $s };
  my $norm; $norm = sub {
    my $v = shift;
    return ref $v eq 'HASH' ? { map { $_ => $norm->($v->{$_}) } keys %$v }
      : ref $v eq 'ARRAY' ? [ map { $norm->($_) } @$v ]
      : JSON::PP::is_bool($v) ? ($v ? 1 : 0)
      : defined $v ? $bytes->($v) : undef;
  };
  is_deeply $got, $norm->($want), "same value as JSON::PP: $line";
}
for my $bad ('{"a":}', '{"a":1', '[1,]', '{"a":"x}', '{"a":1} x', '', 'nul', '{"a":"\x"}', qq({"a":"tab\tinside"})) {
  my ($got, $err) = decode_json_line($bad);
  ok defined $err, "rejects '$bad'";
}
for my $s ("plain", "quote \" and \\", "ctl \x01\x1f nl\n", "utf8 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "latin1 \xe9", "wide \x{263a}") {
  my $j = json_str($s);
  unlike $j, qr/[^\x20-\x7e]/, 'json_str is ASCII';
  ok eval { JSON::PP->new->allow_nonref->decode($j); 1 }, "json_str is valid JSON: $j";
}
is(JSON::PP->new->allow_nonref->decode(json_str("\xc3\xa9")), "\x{e9}", 'valid UTF-8 bytes are read as UTF-8');
is(JSON::PP->new->allow_nonref->decode(json_str("\xe9")), "\x{e9}", 'other bytes as Latin-1');
is json_num(1.5), '1.5', 'json_num 1.5';
is json_num(3), '3', 'json_num 3';
is json_num(0.0004), '0', 'json_num rounds to 3 decimals';
is json_num(undef), 'null', 'json_num undef';
done_testing;
