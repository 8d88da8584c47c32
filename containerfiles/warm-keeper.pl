# The keeper of a warm container (see src/plan/warm.ts): its PID 1, which runs every call. Calls reach it
# over Unix sockets that shim holds, not through the runtime's `exec` (on podman, `exec` costs about as
# much as a new container).
#
#   keeper-perl warm-keeper.pl IDLE TAG [DIR…]
#
# It runs under keeper-perl, an execute-only copy of perl: a process started from a file it cannot read
# is not dumpable, so a tool (the same user) can neither open its /proc/1/mem nor read its environment.
# As the PID 1 of its namespace the kernel drops SIGKILL and SIGSTOP the tool sends it.
#
# Who is who. The lifeline directory (/run/shim-lifeline) is shim's, mounted read-only: only shim makes
# sockets there, so a socket in it is shim's. A connection to shim, though, may come from any process of
# the container, so the keeper proves itself with a secret: at birth it connects to birth-TAG.sock and
# sends a fresh random secret with the nonce shim gave it (SHIM_WARM_BIRTH, read and dropped before any
# call runs, when no other process exists in the container); shim keeps only its hash. Every later
# connection starts with the secret, which therefore only ever goes to shim.
#
# A call. shim makes TAG.ID.sock and sends SIGUSR1 (the directory is also looked at every second). The
# keeper forks a handler for it; when no other call runs, it first kills every process but itself (what
# earlier calls left behind: with kill -1, which trusts nothing a process says about itself, then it
# collects them until none of its descendants is left) and empties each DIR (tmpfs dirs chosen by shim, never crossing into a
# mount). The handler opens four connections (control, stdin, stdout, stderr), reads the working
# directory and argv from the control one, and starts the tool in a session of its own with the three
# sockets as its stdio. Lines on the control connection are signals (INT, TERM, HUP; KILL: the call, all
# it started and its process group; "WINCH ROWS COLS": a terminal's new size); when it closes, shim is
# gone, however it went, and the call goes the same way. When the tool ends the handler writes "exit N"
# (128+S after signal S). A call on a terminal gets a pseudo-terminal of its own instead of the
# sockets, and the handler relays between it and the stdin and stdout connections.
#
# A process the runtime starts from outside (`podman exec` from the host) counts as a call: while it runs
# no clean start happens and the container does not stop. It is told by its parent, which is outside the
# container's pid namespace (parent pid 0 in /proc/PID/stat, read after the process's name: the name is
# the tool's to choose, `x) S 0 y` included). Nothing inside can arrange that parent: an orphan goes to
# PID 1. One that starts just as a clean start begins dies with the leftovers.
#
# Idle: after IDLE seconds without a call it exits, which stops the container (--rm removes it).
use strict;
use warnings;
use Socket qw(AF_UNIX SOCK_STREAM pack_sockaddr_un);
use POSIX ();
use Fcntl qw(O_RDWR O_NOCTTY);

# Terminal ioctls (Linux, asm-generic: x86-64 and arm64): unlock the pseudo-terminal, get its number, set
# its size.
use constant { TIOCSPTLCK => 0x40045431, TIOCGPTN => 0x80045430, TIOCSWINSZ => 0x5414 };

my $LIFELINE = '/run/shim-lifeline';
my ($idle, $tag, @dirs) = @ARGV;
die "usage: warm-keeper IDLE TAG [DIR…]\n" unless defined $tag && $idle =~ /^\d+$/ && $tag =~ /^[0-9a-z]{1,32}$/;
my $nonce = delete $ENV{SHIM_WARM_BIRTH};
die "warm-keeper: no SHIM_WARM_BIRTH\n" unless defined $nonce && $nonce =~ /^[0-9a-f]{16,128}$/;

open(my $random, '<:raw', '/dev/urandom') or die "warm-keeper: /dev/urandom: $!\n";
(sysread($random, my $bytes, 32) // 0) == 32 or die "warm-keeper: /dev/urandom: short read\n";
close $random;
my $secret = unpack('H*', $bytes);

# A connection to one of shim's sockets, or undef.
sub dial {
  my ($name) = @_;
  socket(my $s, AF_UNIX, SOCK_STREAM, 0) or return;
  connect($s, pack_sockaddr_un("$LIFELINE/$name")) or return;
  return $s;
}

sub write_all {
  my ($s, $data) = @_;
  while (length $data) {
    my $n = syswrite($s, $data);
    return 0 unless $n;
    substr($data, 0, $n) = '';
  }
  return 1;
}

# One line (without its newline) from a socket, read a byte at a time; undef at EOF.
sub read_line {
  my ($s) = @_;
  my $line = '';
  while (1) {
    my $n = sysread($s, my $c, 1);
    return undef unless $n;
    return $line if $c eq "\n";
    $line .= $c;
    return undef if length $line > 64;
  }
}

sub read_exact {
  my ($s, $len) = @_;
  my $data = '';
  while (length $data < $len) {
    my $n = sysread($s, $data, $len - length $data, length $data);
    return undef unless $n;
  }
  return $data;
}

# Parent pid and state of a process, from /proc/PID/stat. The name before them is the process's own to
# choose (/proc/self/comm, prctl): it may hold spaces, parentheses and a forged ") S 0 ", so the fields
# are read after its last ")", which the kernel writes itself.
sub stat_of {
  my ($pid) = @_;
  open(my $f, '<', "/proc/$pid/stat") or return;
  my $all = do { local $/; <$f> } // return;
  my $end = rindex($all, ')');
  return if $end < 0;
  my ($state, $ppid) = substr($all, $end) =~ /^\) (\S) (\d+) / or return;
  return ($ppid, $state);
}

sub pids { opendir(my $d, '/proc') or return (); return grep { /^\d+$/ } readdir $d; }

# Kills process $root, everything it started (found before any of it is orphaned) and its group.
sub kill_call {
  my ($root) = @_;
  my %members = ($root => 1);
  my $grew = 1;
  my %parent;
  for my $pid (pids()) { my ($ppid) = stat_of($pid); $parent{$pid} = $ppid if defined $ppid; }
  while ($grew) {
    $grew = 0;
    for my $pid (keys %parent) {
      next if $members{$pid} || !$members{ $parent{$pid} };
      $members{$pid} = 1;
      $grew = 1;
    }
  }
  kill 'KILL', keys %members;
  kill 'KILL', -$root;
}

# Whether a process started from outside the container runs (`podman exec`, `docker exec`: its parent
# is outside, ppid 0, which nothing inside can make): someone on the host is at work in it, so it counts
# as a call.
sub outsider_runs {
  for my $pid (pids()) {
    my ($ppid, $state) = stat_of($pid);
    return 1 if defined $ppid && $ppid == 0 && $state ne 'Z' && $pid != $$;
  }
  return 0;
}

# Kills every process but this one: what finished calls left running (called when no call runs, so
# nothing but leftovers is left to kill). kill -1 reaches every process of the container, whatever it
# calls itself, and a fork racing it is refused by the kernel. Every process of the container but those
# started from outside descends from PID 1 (an orphan comes to it), so once it has no child left,
# nothing is left; it collects them until then (a process in an uninterruptible wait dies when that
# ends; it never runs again meanwhile).
sub kill_strays {
  # only as the PID 1 of its namespace: run anywhere else (by hand, on a host), kill -1 would reach
  # every process of the user
  return unless $$ == 1;
  for (1 .. 500) {
    my $gone;
    1 while ($gone = waitpid(-1, POSIX::WNOHANG())) > 0;
    return if $gone < 0;
    kill 'KILL', -1;
    select(undef, undef, undef, 0.01);
  }
}

# Empties a directory without crossing into anything mounted below it.
sub empty_dir {
  my ($dir) = @_;
  my $dev = (lstat $dir)[0] // return;
  my $walk;
  $walk = sub {
    my ($d) = @_;
    opendir(my $h, $d) or return;
    for my $e (grep { $_ ne '.' && $_ ne '..' } readdir $h) {
      my $p = "$d/$e";
      my @st = lstat $p or next;
      next if $st[0] != $dev;
      if (-d _) { $walk->($p); rmdir $p; }
      else { unlink $p; }
    }
  };
  $walk->($dir);
}

# Set once the tool's terminal has nothing more to give (a call's handler).
our $pty_done = 0;

# The handler of one call (a child of the keeper); never returns.
sub handle_call {
  my ($name) = @_;
  $SIG{USR1} = 'DEFAULT';
  my %c;
  for my $role (qw(ctl in out err)) {
    $c{$role} = dial($name) or POSIX::_exit(0);
    write_all($c{$role}, "$secret $role\n") or POSIX::_exit(0);
  }
  my $ctl = $c{ctl};
  my $len = read_line($ctl);
  POSIX::_exit(0) unless defined $len && $len =~ /^\d{1,7}$/;
  my $spec = read_exact($ctl, $len);
  POSIX::_exit(0) unless defined $spec;
  my ($tty, $cwd, @argv) = split /\0/, $spec, -1;
  POSIX::_exit(0) unless @argv && defined $tty;
  # a call on a terminal: a pseudo-terminal of its own, whose other end the handler relays
  my ($master, $pts, $term, $colorterm);
  if ($tty ne '') {
    # the terminal's size, then the TERM and COLORTERM shim chose (names from the image's terminfo)
    (my ($rows, $cols), $term, $colorterm) = $tty =~ /^(\d{1,5}) (\d{1,5})(?: ([A-Za-z0-9._+-]{1,64}))?(?: (truecolor|24bit))?$/ or POSIX::_exit(0);
    # ioctl writes into its third argument: each one a variable of its own
    my ($unlock, $n) = (pack('i', 0), pack('i', 0));
    if (!(sysopen($master, '/dev/ptmx', O_RDWR | O_NOCTTY) && ioctl($master, TIOCSPTLCK, $unlock) && ioctl($master, TIOCGPTN, $n))) {
      write_all($c{err}, "shim: no pseudo-terminal in the warm container: $!\n");
      write_all($ctl, "exit 125\n");
      POSIX::_exit(0);
    }
    $pts = '/dev/pts/' . unpack('i', $n);
    set_size($master, $rows, $cols);
  }
  my $tool = fork;
  POSIX::_exit(0) unless defined $tool;
  if ($tool == 0) {
    POSIX::setsid();
    if ($master) {
      # opened by a session leader without one, the terminal becomes its controlling terminal
      sysopen(my $slave, $pts, O_RDWR) or POSIX::_exit(125);
      open(STDIN, '<&', $slave) && open(STDOUT, '>&', $slave) && open(STDERR, '>&', $slave) or POSIX::_exit(125);
      $ENV{TERM} = $term if defined $term;
      $ENV{COLORTERM} = $colorterm if defined $colorterm;
    } else {
      open(STDIN, '<&', $c{in}) && open(STDOUT, '>&', $c{out}) && open(STDERR, '>&', $c{err}) or POSIX::_exit(125);
    }
    # the sockets themselves (and the control one) are close-on-exec: perl marks every fd above 2 so
    $SIG{$_} = 'DEFAULT' for qw(CHLD PIPE);
    POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new);
    if (!chdir $cwd) {
      print STDERR "shim: cannot enter $cwd in the warm container: $!\n";
      POSIX::_exit(126);
    }
    { no warnings 'exec'; exec { $argv[0] } @argv; }
    print STDERR "shim: cannot run $argv[0]: $!\n";
    POSIX::_exit($!{ENOENT} ? 127 : 126);
  }
  # without a terminal the tool has the streams; with one, the handler relays them to and from it
  close $c{$_} for $master ? qw(err) : qw(in out err);
  # SIGCHLD cuts the wait short; a line from shim too
  $SIG{CHLD} = sub { };
  my $buf = '';
  my $in_open = !!$master;
  while (1) {
    if (waitpid($tool, POSIX::WNOHANG()) == $tool) {
      my $st = $?;
      # what the tool wrote last is still in the terminal: out with it first
      relay($master, $c{out}) while $master && select(my $r = fd_set($master), undef, undef, 0) > 0 && !$pty_done;
      write_all($ctl, 'exit ' . (($st & 127) ? 128 + ($st & 127) : $st >> 8) . "\n");
      POSIX::_exit(0);
    }
    my $rin = fd_set($ctl, $master && !$pty_done ? $master : (), $in_open ? $c{in} : ());
    next unless select(my $rout = $rin, undef, undef, 0.1) > 0;
    relay($master, $c{out}) if $master && !$pty_done && vec($rout, fileno($master), 1);
    if ($in_open && vec($rout, fileno($c{in}), 1)) {
      my $n = sysread($c{in}, my $data, 65536);
      if ($n) { write_all($master, $data); } else { $in_open = 0; }
    }
    next unless vec($rout, fileno($ctl), 1);
    my $n = sysread($ctl, $buf, 256, length $buf);
    if (!$n) {
      # shim is gone: the call goes with everything it started
      kill_call($tool);
      waitpid($tool, 0);
      POSIX::_exit(0);
    }
    while ($buf =~ s/^([^\n]*)\n//) {
      my $line = $1;
      if ($line eq 'KILL') { kill_call($tool); }
      elsif ($line =~ /^(INT|TERM|HUP)$/) { kill $line, $tool; }
      elsif ($master && $line =~ /^WINCH (\d{1,5}) (\d{1,5})$/) { set_size($master, $1, $2); }
    }
    $buf = '' if length $buf > 256;
  }
}

# Sets a terminal's size (its foreground group gets SIGWINCH).
sub set_size {
  my ($tty, $rows, $cols) = @_;
  my $size = pack('S4', $rows, $cols, 0, 0);
  ioctl($tty, TIOCSWINSZ, $size);
}

# A select() set of the given handles.
sub fd_set {
  my $set = '';
  vec($set, fileno($_), 1) = 1 for @_;
  return $set;
}

# Copies what the tool wrote to its terminal on to shim; the terminal reports EIO once nothing holds it.
sub relay {
  my ($from, $to) = @_;
  my $n = sysread($from, my $data, 65536);
  if ($n) { write_all($to, $data); } else { $pty_done = 1; }
}

my %handlers;    # pid of each running call's handler => its socket's name

# Whether a call runs: one of the keeper's, or a process the runtime started from outside.
sub busy { return %handlers || outsider_runs(); }
my %seen;        # call sockets already taken up
my $last_use = time;
my $bell = 0;

# Takes up the calls whose sockets appeared since the last look.
sub serve_new {
  opendir(my $d, $LIFELINE) or return;
  my %now;
  for my $e (readdir $d) {
    next unless $e =~ /^\Q$tag\E\.[0-9a-z]{1,32}\.sock$/;
    $now{$e} = 1;
    next if $seen{$e}++;
    # a call starts like a fresh container unless another one is running
    if (!busy()) { kill_strays(); empty_dir($_) for @dirs; }
    my $pid = fork;
    next unless defined $pid;
    if ($pid == 0) { handle_call($e); }
    $handlers{$pid} = $e;
    $last_use = time;
  }
  delete $seen{$_} for grep { !$now{$_} } keys %seen;
}

# Collects every child that ended: the handlers, and whatever was orphaned onto PID 1.
sub collect {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    $last_use = time if delete $handlers{$pid};
  }
}

my $birth = dial("birth-$tag.sock") or die "warm-keeper: shim is not waiting at birth-$tag.sock\n";
write_all($birth, "birth $nonce $secret\n") or die "warm-keeper: birth: $!\n";
close $birth;

$SIG{USR1} = sub { $bell = 1 };
$SIG{CHLD} = sub { };
while (1) {
  select(undef, undef, undef, 1) unless $bell;
  $bell = 0;
  collect();
  my $busy = busy();
  kill_strays() unless $busy;
  $last_use = time if $busy;
  serve_new();
  if (!%handlers && time - $last_use >= $idle) {
    # a call that arrived meanwhile keeps it up; otherwise the container ends with PID 1
    exit 0;
  }
}
