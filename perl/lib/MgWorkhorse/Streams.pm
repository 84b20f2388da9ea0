package MgWorkhorse::Streams;
# The pipes of the runs that a helper's loop watches (perl/mg-spawner.pl: Perl handles in IO::Poll;
# perl/mg-epn-farm.pl: bare fds in IO::Select). The bookkeeping is shared; how a pipe is watched, unwatched,
# closed and numbered is the script's, given as subs. A run counts its open pipes in {open} and holds them by
# name in {fh}; it can be answered only once {open} is 0.
use strict;
use warnings;

# new(watch => sub($h), unwatch => sub($h), close => sub($h), fd => sub($h) -> number)
sub new {
  my ($class, %how) = @_;
  return bless { %how, of => {} }, $class;
}

# Watches pipe $h of $run under $name ('out', 'err', or the script's own report pipe).
sub add {
  my ($self, $run, $name, $h) = @_;
  $run->{fh}{$name} = $h;
  $run->{open}++;
  $self->{of}{ $self->{fd}->($h) } = [ $run, $name ];
  $self->{watch}->($h);
}

# Stops watching one of $run's pipes and closes it (nothing if it is closed already).
sub close {
  my ($self, $run, $name) = @_;
  my $h = delete $run->{fh}{$name} // return;
  delete $self->{of}{ $self->{fd}->($h) };
  $self->{unwatch}->($h);
  $self->{close}->($h);
  $run->{open}--;
}

# [run, name] of the watched pipe with this fd, or undef.
sub of { $_[0]{of}{ $_[1] } }

# The fds watched now.
sub fds { keys %{ $_[0]{of} } }

1;
