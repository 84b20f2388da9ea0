#!/usr/bin/perl
# nagios: +epn
# bench/epn.ts's module-heavy plugin: the core modules a typical plugin pulls in plus Monitoring::Plugin
# (Debian: libmonitoring-plugin-perl). Builds a Monitoring::Plugin object, parses its arguments, touches each
# module once and leaves by plugin_exit.
use strict;
use warnings;
use Getopt::Long ();
use POSIX qw(floor);
use Data::Dumper ();
use Storable qw(dclone);
use File::Temp ();
use IO::Socket::INET ();
use Monitoring::Plugin;

my $np = Monitoring::Plugin->new(usage => 'Usage: %s [-w <warn>] [-c <crit>]', shortname => 'HEAVY');
$np->add_arg(spec => 'warning|w=s', help => 'warning threshold', default => 10);
$np->add_arg(spec => 'critical|c=s', help => 'critical threshold', default => 20);
$np->getopts;
my $copy = dclone({ w => $np->opts->warning });
local $Data::Dumper::Terse = 1;
my $dump = Data::Dumper::Dumper($copy);
my $value = floor(5.5);
$np->add_perfdata(label => 'value', value => $value, warning => $np->opts->warning, critical => $np->opts->critical);
$np->plugin_exit($np->check_threshold($value), "value is $value");
