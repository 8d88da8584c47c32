#!/bin/sh
# The in-container half of shim's warm containers (see src/plan/warm.ts). One script, three roles:
#
#   warm keep IDLE               the container's PID 1 (a warm container has no --init), run by keeper-sh,
#                                an execute-only copy of /bin/sh: a process started from a file it
#                                cannot read is not dumpable, so the tool (the same user) can neither
#                                open its /proc/1/mem, which would let it rewrite the keeper, nor read
#                                its /proc/1/environ. It exits, and
#                                so stops the container, after IDLE seconds in which no call ran; while
#                                no call runs, it kills whatever a finished call left running. As the
#                                PID 1 of its namespace it cannot be killed or stopped from inside: the
#                                kernel drops SIGKILL and SIGSTOP sent to it by the tool. Every second it
#                                probes each running call's lifeline and kills the call (as signal KILL
#                                does) once nobody listens on it: its shim is gone, however it went.
#   warm call ID DIRS CMD ARGS…  how every call starts (through the runtime's exec): it records its pid
#                                as call ID, and when no other call is running it starts from a clean
#                                slate: leftover processes are killed and DIRS (colon-separated tmpfs
#                                dirs, chosen by shim) are emptied. Then it becomes the tool. It refuses
#                                to run without its lifeline, the socket $LIFELINE/ID.sock shim holds.
#   warm signal ID SIG           delivers SIG to call ID; KILL goes to the call and all it started.
#
# A call is a process whose parent is outside the container (ppid 0): that is how exec starts one,
# and nothing inside the container can make one. Every other process but PID 1 belongs to a call while
# one runs, and is a leftover once none does.
set -u
STATE=/run/shim-warm
CALLS=$STATE/calls
LOCK=$STATE/lock
# shim's lifeline directory, mounted read-only: a socket per call, held by the call's shim
LIFELINE=/run/shim-lifeline

# Sets state and ppid of process $1 from /proc/$1/stat; fails when it is gone. The command name may
# hold spaces, parentheses or line breaks: the fields are taken after the last ") ", which the kernel
# writes right after the name. Built-ins only (no fork per process).
stat_of() {
  all=
  while IFS= read -r l; do all="$all$l "; done 2>/dev/null <"/proc/$1/stat" || return 1
  rest=${all##*) }
  state=${rest%% *}
  rest=${rest#* }
  ppid=${rest%% *}
  [ -n "$ppid" ]
}

# Sets others to the number of calls running besides this process, and strays to every other process
# but PID 1 and this one (zombies left out: they are gone, PID 1 collects them).
survey() {
  others=0 strays=
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    case $pid in 1 | "$$") continue ;; esac
    stat_of "$pid" || continue
    [ "$state" = Z ] && continue
    if [ "$ppid" = 0 ]; then others=$((others + 1)); else strays="$strays $pid"; fi
  done
}

# Kills leftovers until none is left (a forking leftover may have made new ones meanwhile), unless a
# call is running.
reap() {
  rounds=0
  while survey && [ "$others" = 0 ] && [ -n "$strays" ] && [ "$rounds" -lt 50 ]; do
    # shellcheck disable=SC2086
    kill -s KILL $strays 2>/dev/null
    rounds=$((rounds + 1))
  done
}

# A lock naming its holder: a symlink to "PID.UUID", made atomically (never without a holder). It is
# held for milliseconds; one whose holder is gone is taken over at once, and any other (or anything
# else at that path) after 5 s with the same holder (so a lock the tool made itself cannot stop the
# keeper or later calls; a clean start is never run next to a running call either way, see survey).
# A lock is removed only by whoever first claims it: the symlink $LOCK.claim.HOLDER.N, which one
# process alone can create (the next N only once the claimant before is gone too), after checking the
# lock still names HOLDER. So two waiters that find the same dead holder never both take the lock, and
# a release never removes a lock taken since.
lock() {
  read -r me 2>/dev/null </proc/sys/kernel/random/uuid || me=x
  me=$$.$me waited=0 last=
  # -T: were $LOCK a directory, ln would make the link inside it and succeed
  until ln -sT "$me" "$LOCK" 2>/dev/null; do
    holder=$(readlink "$LOCK" 2>/dev/null)
    [ -n "$holder" ] || [ -e "$LOCK" ] || continue
    [ "$holder" = "$last" ] || last=$holder waited=0
    waited=$((waited + 1))
    if [ "$waited" -gt 500 ] || { [ -n "$holder" ] && [ ! -d "/proc/${holder%%.*}" ]; }; then
      remove_held "$holder" && continue
    fi
    sleep 0.01
  done
}
unlock() { remove_held "$me"; }

# Removes the lock if it still names holder $1 ("" for anything but a symlink) and this process wins
# the claim on it, then clears the claims; fails while another live process has the claim.
remove_held() {
  n=0
  until ln -sT "$me" "$LOCK.claim.$1.$n" 2>/dev/null; do
    claimant=$(readlink "$LOCK.claim.$1.$n" 2>/dev/null) || return 1
    [ -d "/proc/${claimant%%.*}" ] && return 1
    n=$((n + 1))
  done
  [ "$(readlink "$LOCK" 2>/dev/null)" = "$1" ] && rm -rf "$LOCK"
  rm -f "$LOCK.claim.$1".*
}

# True when a call started since the last look (it leaves its id in $CALLS, even if it already ended);
# forgets the calls that ended. A file still empty at the second look belongs to a call killed while
# it was being written.
new_calls() {
  seen=1
  for f in "$CALLS"/*; do
    [ -e "$f" ] || continue
    seen=0
    if read -r pid 2>/dev/null <"$f"; then
      [ -d "/proc/$pid" ] || rm -f "$f"
    else
      case " $empty " in *" $f "*) rm -f "$f" ;; *) empty_now="$empty_now $f" ;; esac
    fi
  done
  return $seen
}

# Sets members to process $1 and all its descendants (ppid chains inside the container). Like every
# function here it uses the script's global variables (pid, ppid…): callers keep their own elsewhere.
family() {
  members=" $1 "
  grew=1
  while [ "$grew" = 1 ]; do
    grew=0
    for dir in /proc/[0-9]*; do
      pid=${dir#/proc/}
      case $members in *" $pid "*) continue ;; esac
      stat_of "$pid" || continue
      case $members in *" $ppid "*) members="$members$pid " grew=1 ;; esac
    done
  done
}

# Kills call $1 and all it started: its descendants, found before any of them is orphaned, and its
# process group.
kill_call() {
  family "$1"
  # shellcheck disable=SC2086
  kill -s KILL $members 2>/dev/null
  kill -s KILL -- "-$1" 2>/dev/null
}

# Kills every running call whose shim is gone: nobody accepts on its lifeline socket any more (the
# kernel refuses the connection once the listener died, SIGKILL included). A pid is killed only while
# it still is a call (its parent outside the container), never one reused since.
cut_loose() {
  for f in "$CALLS"/*; do
    [ -e "$f" ] || continue
    read -r call 2>/dev/null <"$f" || continue
    stat_of "$call" && [ "$ppid" = 0 ] && [ "$state" != Z ] || continue
    socat -u OPEN:/dev/null "UNIX-CONNECT:$LIFELINE/${f##*/}.sock" >/dev/null 2>&1
    # 1: refused or no socket; 0 (shim listens) or a probe killed by a call's clean start: not now
    [ $? = 1 ] || continue
    stat_of "$call" && [ "$ppid" = 0 ] && kill_call "$call"
  done
}

case ${1-} in
  keep)
    idle=$2
    mkdir -p "$CALLS"
    quiet=0 empty=
    while :; do
      sleep 1
      survey
      # a call whose shim is gone goes at once (a warm container outlives its calls' shims)
      [ "$others" != 0 ] && { cut_loose; survey; }
      # leftovers go as soon as no call runs (reap looks again under the lock)
      [ "$others" = 0 ] && [ -n "$strays" ] && lock && { reap; unlock; }
      empty_now=
      if new_calls || [ "$others" != 0 ]; then quiet=0; else quiet=$((quiet + 1)); fi
      empty=$empty_now
      if [ "$quiet" -ge "$idle" ]; then
        lock
        survey
        empty_now=
        # no call arrived meanwhile: stop (the container ends with PID 1, the lock with it)
        new_calls || [ "$others" != 0 ] || exit 0
        unlock
        quiet=0
      fi
    done
    ;;
  call)
    id=$2 dirs=$3
    shift 3
    # registered first, so a signal for this call finds it from the start
    [ -d "$CALLS" ] || mkdir -p "$CALLS"
    echo $$ >"$CALLS/$id"
    if [ ! -S "$LIFELINE/$id.sock" ]; then
      echo "shim: warm call $id has no lifeline ($LIFELINE/$id.sock): run it through shim" >&2
      exit 125
    fi
    lock
    survey
    if [ "$others" = 0 ]; then
      reap
      # -xdev: never into anything mounted below these dirs (shim leaves out dirs with mounts on them)
      old_ifs=$IFS IFS=:
      for d in $dirs; do
        IFS=$old_ifs
        # find only where there is something to remove (a glob costs no fork)
        for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do
          [ -e "$f" ] || [ -L "$f" ] || continue
          find "$d" -xdev -mindepth 1 -delete 2>/dev/null
          break
        done
      done
      IFS=$old_ifs
    fi
    unlock
    exec "$@"
    ;;
  signal)
    read -r call 2>/dev/null <"$CALLS/$2" || exit 1
    [ -d "/proc/$call" ] || exit 1
    if [ "$3" = KILL ]; then
      kill_call "$call"
      exit 0
    fi
    kill -s "$3" "$call"
    ;;
  *)
    echo "usage: warm keep IDLE | warm call ID DIRS CMD [ARGS…] | warm signal ID SIG" >&2
    exit 2
    ;;
esac
