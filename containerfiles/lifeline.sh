#!/bin/sh
# The lifeline of a run or install container: shim holds a Unix socket on the host, bind-mounted here,
# for exactly as long as it runs. A watcher in a session of its own (no terminal signal reaches it, and
# it is PID 1's child, not the tool's) stays connected to it; when the connection ends, or cannot be
# made, because shim exited or was killed, SIGKILL and its whole process tree included, it kills every
# process of the container but PID 1, so the container ends with its tool and --rm removes it. The
# runtime's daemon or conmon keeps a container running whatever happens to shim: only this notices.
#
#   lifeline SOCKET CMD [ARGS…]
set -eu
sock=$1
shift
# socat ends on EOF: shim's end closed (the kernel closes it when shim dies, however it dies)
setsid -f /bin/sh -c 'socat -u "UNIX-CONNECT:$1" OPEN:/dev/null >/dev/null 2>&1; kill -s KILL -- -1 2>/dev/null' shim-lifeline "$sock" </dev/null >/dev/null 2>&1
exec "$@"
