#!/usr/bin/perl
# nagios: -epn
# A Perl plugin that opts out of Embedded Perl: the worker forks a fresh perl for it every time.
use strict;
use warnings;
print "OK - forked perl $^V as pid $$\n";
exit 0;
