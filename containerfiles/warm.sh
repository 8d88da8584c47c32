#!/bin/sh
# The in-container half of shim's warm containers (see src/plan/warm.ts). One script, three roles:
#
#   warm keep IDLE               the container's main process. It exits, and so stops the container,
#                                after IDLE seconds in which no call ran; while no call runs, it kills
#                                whatever a finished call left running.
#   warm call ID DIRS CMD ARGS…  how every call starts (through the runtime's exec). When no other call
#                                is running it starts from a clean slate: leftover processes are killed
#                                and DIRS (colon-separated tmpfs dirs, chosen by shim) are emptied. Then
#                                it records its pid as call ID and becomes the tool.
#   warm signal ID SIG           delivers SIG to call ID; KILL goes to the call's whole process group.
#
# A call is a process whose parent is outside the container (ppid 0): that is how exec starts one,
# and nothing inside the container can make one. Every other process but PID 1 and the keeper belongs
# to a call while one runs, and is a leftover once none does. Everything here runs as the tool's own
# user, so none of it is a barrier against the tool: it gives each call what a fresh container would.
set -u
STATE=/run/shim-warm
CALLS=$STATE/calls
LOCK=$STATE/lock

# Sets ppid to the parent of process $1; fails when it is gone. Built-ins only (no fork per process).
ppid_of() {
  read -r line 2>/dev/null <"/proc/$1/stat" || return 1
  rest=${line##*) }   # after the command name, which may itself hold spaces or parentheses
  rest=${rest#* }     # past the state letter
  ppid=${rest%% *}
}

# Sets others to the number of calls running besides this process, and strays to the processes that
# belong to no call (when others is 0), leaving out PID 1, the keeper, this process and its children.
survey() {
  others=0 strays=
  read -r keeper 2>/dev/null <"$STATE/keeper" || keeper=
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    case $pid in 1 | "$$" | "$keeper") continue ;; esac
    ppid_of "$pid" || continue
    case $ppid in
      0) others=$((others + 1)) ;;
      "$$" | "$keeper") ;;
      *) strays="$strays $pid" ;;
    esac
  done
}

# Kills leftovers until none is left (a forking leftover may have made new ones meanwhile).
reap() {
  rounds=0
  while survey && [ "$others" = 0 ] && [ -n "$strays" ] && [ "$rounds" -lt 50 ]; do
    # shellcheck disable=SC2086
    kill -KILL $strays 2>/dev/null
    rounds=$((rounds + 1))
  done
}

lock() {
  waited=0
  until mkdir "$LOCK" 2>/dev/null; do
    # the lock is held for milliseconds; one left by a killed call is broken after ~5 s
    waited=$((waited + 1))
    [ "$waited" -gt 500 ] && rm -rf "$LOCK"
    sleep 0.01
  done
}

case ${1-} in
  keep)
    idle=$2
    mkdir -p "$CALLS"
    echo $$ >"$STATE/keeper"
    quiet=0
    while :; do
      sleep 1
      survey
      busy=$others
      for f in "$CALLS"/*; do
        [ -e "$f" ] || continue
        busy=1 # a call that started and ended between two looks still counts
        read -r pid 2>/dev/null <"$f" && [ -d "/proc/$pid" ] || rm -f "$f"
      done
      if [ "$busy" != 0 ]; then quiet=0; continue; fi
      [ -n "$strays" ] && lock && { reap; rmdir "$LOCK"; }
      quiet=$((quiet + 1))
      if [ "$quiet" -ge "$idle" ]; then
        lock
        survey
        [ "$others" = 0 ] && exit 0
        rmdir "$LOCK"
        quiet=0
      fi
    done
    ;;
  call)
    id=$2 dirs=$3
    shift 3
    lock
    survey
    if [ "$others" = 0 ]; then
      reap
      # -xdev: never into anything mounted below these dirs (shim leaves out dirs with mounts inside)
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
    echo $$ >"$CALLS/$id"
    rmdir "$LOCK"
    exec "$@"
    ;;
  signal)
    read -r pid 2>/dev/null <"$CALLS/$2" || exit 1
    if [ "$3" = KILL ]; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; else kill -s "$3" "$pid"; fi
    ;;
  *)
    echo "usage: warm keep IDLE | warm call ID DIRS CMD [ARGS…] | warm signal ID SIG" >&2
    exit 2
    ;;
esac
