# How the compiler names packages and splits plugin texts (unit level; the farm tests cover the behaviour).
use strict;
use warnings;
use Test::More;
use lib 'perl/t/lib', 't/lib';
use FarmTest qw(repo_dir);
use lib FarmTest::repo_dir() . '/perl/lib';
use MgWorkhorse::EpnCompile ();

my $pn = \&MgWorkhorse::EpnCompile::package_name;
is $pn->('/usr/lib/nagios/plugins/check_foo.pl'), 'Embed::usr::lib::nagios::plugins::check_5ffoo_2epl', 'p1 naming';
is $pn->('check_rpc'), 'Embed::check_5frpc', 'relative name';
is $pn->('./plugins/2fa-check'), 'Embed::_2e::plugins::_32fa_2dcheck', 'digit after a slash';
is $pn->("/p/a\tb"), 'Embed::p::a_09b', 'zero padded below 0x10 (p1 pads with a space)';
is $pn->('//p//x'), 'Embed::p::x', 'slashes collapsed';
is $pn->('9lives'), 'Embed::_39lives', 'leading digit';

my $split = \&MgWorkhorse::EpnCompile::split_source;
my $s = $split->("#!/usr/bin/perl -wT\nprint 1;\n__END__\nrest\n");
is $s->{code}, "#!/usr/bin/perl -wT\nprint 1;\n", 'code before __END__';
is $s->{data_offset}, length("#!/usr/bin/perl -wT\nprint 1;\n__END__\n"), 'data starts after the token line';
is $s->{data_token}, 'END', 'token';
ok $s->{w}, '-w in a cluster';
is_deeply $s->{switches}, ['-wT'], 'switches';
ok !$split->("#!/usr/bin/perl -I/www\n")->{w}, 'a w inside an -I path is not -w';

$s = $split->("print <<EOT;\n__END__ is text here\nEOT\n=pod\n\n__DATA__ in pod\n\n=cut\npackage Foo;\n__DATA__\nx\n");
is $s->{data_token}, 'DATA', '__DATA__ found after a here-doc and POD';
is $s->{data_pkg}, 'Foo', 'package in effect at __DATA__';
like $s->{code}, qr/package Foo;\n\z/, 'code ends before the token';

$s = $split->("print <<~\"EOT\";\n  __END__\n  EOT\nprint 2;\n");
ok !defined $s->{data_offset}, 'indented here-doc body is skipped';
$s = $split->("print 1;\n=head1 X\n\nno cut at the end\n");
ok $s->{pod_open}, 'POD left open at the end';
$s = $split->("my \$x = 1 << 2;\n__END__\n");
is $s->{data_token}, 'END', 'a shift is not a here-doc';
done_testing;
