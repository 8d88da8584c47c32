# The PID 1 of a run or install container, and its lifeline: shim holds a Unix socket on the host,
# bind-mounted here, for exactly as long as it runs. This process connects to it, starts the command as
# its child and waits; when the connection ends, because shim exited or was killed (SIGKILL of its whole
# process tree included), it kills every process of the container and exits, so the container ends and
# --rm removes it. The runtime keeps a container running whatever happens to shim: only this notices.
#
#   keeper-perl lifeline.pl SOCKET CMD [ARGS…]
#
# The tool cannot disarm it. As the PID 1 of its namespace, the kernel drops every signal the tool sends
# it that it has no handler for, SIGKILL and SIGSTOP included; the ones it handles it passes on to the
# tool. It runs under keeper-perl, an execute-only copy of perl: a process started from a file it cannot
# read is not dumpable, so the tool (the same user) can neither ptrace it nor write its /proc/1/mem. The
# lifeline's connection is made before the tool starts, and its end is on the host.
#
# Otherwise it is an init as the runtime's --init is: it passes on the signals the runtime delivers
# (`podman kill`, `docker stop`), collects orphans, and exits with the command's status (128+N after
# signal N). On a terminal the command gets a process group of its own in the foreground, so the keys
# that make signals (Ctrl-C) reach it and not this process. No module is loaded: it starts every cold
# run, and bare perl starts in about a millisecond.
use strict;
use warnings;

# Linux values (x86-64 and arm64): socket(2) and fcntl(2) arguments, waitpid's WNOHANG, the terminal's
# foreground group.
use constant { AF_UNIX => 1, SOCK_STREAM => 1, F_SETFL => 4, O_NONBLOCK => 2048, WNOHANG => 1, TIOCSPGRP => 0x5410 };
# What the runtime may deliver that the command is to get.
my @FORWARD = qw(HUP INT QUIT TERM USR1 USR2 ALRM WINCH);

my ($sock, @cmd) = @ARGV;
die "usage: lifeline SOCKET CMD [ARGS…]\n" unless defined $sock && @cmd;

my $line;
unless (socket($line, AF_UNIX, SOCK_STREAM, 0) && connect($line, pack('S Z*', AF_UNIX, $sock))) {
  print STDERR "shim: the container's lifeline $sock is not there ($!): shim is gone\n";
  exit 125;
}

# SIGCHLD, and every signal passed on, wake the wait below through a pipe of its own (a signal that
# comes just before the wait starts would otherwise be missed); never blocking, so no flood of signals
# can stall this process
pipe(my $wake_r, my $wake_w) or die "lifeline: pipe: $!\n";
fcntl($wake_w, F_SETFL, O_NONBLOCK);
my $child;
$SIG{CHLD} = sub { syswrite($wake_w, 'c') };
for my $sig (@FORWARD) {
  $SIG{$sig} = sub { kill $sig, $child if $child; syswrite($wake_w, 's') };
}

$child = fork;
die "lifeline: fork: $!\n" unless defined $child;
if ($child == 0) {
  $SIG{$_} = 'DEFAULT' for 'CHLD', @FORWARD;
  setpgrp(0, 0);
  if (-t STDIN) {
    # the terminal's foreground group: set from the background, where SIGTTOU would stop this process
    local $SIG{TTOU} = 'IGNORE';
    ioctl(STDIN, TIOCSPGRP, pack('i', $$));
  }
  { no warnings 'exec'; exec { $cmd[0] } @cmd; }
  print STDERR "shim: cannot run $cmd[0]: $!\n";
  exit($!{ENOENT} ? 127 : 126);
}

my $fds = '';
vec($fds, fileno($_), 1) = 1 for $line, $wake_r;
while (1) {
  # orphans of the command are collected too; its own end is the container's
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    next unless $pid == $child;
    my $st = $?;
    exit(($st & 127) ? 128 + ($st & 127) : $st >> 8);
  }
  next unless select(my $ready = $fds, undef, undef, undef) > 0;
  sysread($wake_r, my $drain, 4096) if vec($ready, fileno($wake_r), 1);
  next unless vec($ready, fileno($line), 1);
  # shim never writes: readable means its end closed (or a reset), whatever became of shim
  next if sysread($line, my $buf, 64);
  # every process of the container; run anywhere but as a namespace's PID 1 (by hand, on a host), kill
  # -1 would reach every process of the user, so then only the command and its group
  if ($$ == 1) { kill 'KILL', -1; } else { kill 'KILL', $child, -$child; }
  exit 137;
}
