#!/usr/bin/perl
# nagios: +epn
# mg-workhorse: persistent
# A plugin that opts in to a persistent runner: the farm runs it in a long-lived child, with no fork per check.
# That is only safe because it keeps no state between checks: no file-scope `my` used in subs, no globals it
# relies on being fresh. `mg-epn-check --run '' plugins/check_persistent_demo.pl` verifies it (and calls a
# leak an error for this header); the output is the same on every run, so its differential run can compare.
use strict;
use warnings;

my %kernel;
for my $name (qw(ostype osrelease)) {
  open my $fh, '<', "/proc/sys/kernel/$name" or do { print "UNKNOWN - cannot read /proc/sys/kernel/$name: $!\n"; exit 3 };
  chomp($kernel{$name} = <$fh> // '');
  close $fh;
}
print "OK - kernel $kernel{ostype} $kernel{osrelease}\n";
exit 0;
