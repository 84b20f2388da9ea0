package MgWorkhorse::PadCheck;
# Which named subs of a plugin capture file-scope `my` variables (R3), read from the compiled code's pad flags with
# the core B module. A persistent runner (MgWorkhorse::EpnRunner) calls a plugin's handler many times in one
# process; such subs keep the first call's variables, so a plugin with them runs forked.
use strict;
use warnings;
use B ();

use constant { PADNAME_OUTER => 0x01, PADNAME_OUR => 0x10 };    # PADNAMEt_OUTER, PADNAMEt_OUR of perl's pad.h

# The name of a named sub compiled from $file that captures an outer `my` variable, or undef. Walks every stash
# once per compiled plugin version (the plugin may switch packages).
sub shared_lexical_sub {
  my ($file) = @_;
  my @stashes = ('main::');
  while (defined(my $stash = shift @stashes)) {
    no strict 'refs';
    for my $name (keys %$stash) {
      my $full = $stash eq 'main::' ? $name : "$stash$name";
      if ($name =~ /::\z/) { push @stashes, $full if $full ne 'main::'; next }
      my $glob = $stash->{$name};
      next unless ref \$glob eq 'GLOB' && defined *$glob{CODE};
      my $cv = B::svref_2object(*$glob{CODE});
      next if $cv->XSUB || ($cv->FILE // "") ne $file;
      my ($names) = $cv->PADLIST->ARRAY;
      for my $pn ($names->ARRAY) {
        next unless $pn->can('FLAGS');
        return $full if ($pn->FLAGS & PADNAME_OUTER) && !($pn->FLAGS & PADNAME_OUR) && ($pn->PV // '') =~ /\A[\$\@%]/;
      }
    }
  }
  return undef;
}

1;
