#!/usr/bin/perl
# nagios: +epn
# A plugin written for Embedded Perl: compiled once in the worker's Perl farm, then run in a fork of it per check.
use strict;
use warnings;
use Getopt::Long;

my ($warn, $crit) = (80, 90);
GetOptions('w=i' => \$warn, 'c=i' => \$crit) or do { print "UNKNOWN - bad arguments\n"; exit 3 };
open my $fh, '<', '/proc/loadavg' or do { print "UNKNOWN - cannot read /proc/loadavg: $!\n"; exit 3 };
my ($load1) = split ' ', scalar <$fh>;
close $fh;
my $pct = int($load1 * 100);
my ($state, $rc) = $pct >= $crit ? ('CRITICAL', 2) : $pct >= $warn ? ('WARNING', 1) : ('OK', 0);
print "$state - load1 is $load1 (interpreter pid $$, parent ", getppid(), ")|load1=$load1;", $warn / 100, ';', $crit / 100, ";0;\n";
exit $rc;
