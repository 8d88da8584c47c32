#!/bin/sh
# The in-container end of shim's port forwarding (see src/plan/port-forward.ts). shim listens on the
# host's 127.0.0.1:PORT and on a Unix socket, bind-mounted read-only at /run/shim-ports/ports.sock.
# Connectors wait on that socket; when a client arrives on the host, shim writes the container port
# and a newline to one of them, which starts its replacement, then connects to the container's own
# loopback (127.0.0.1, else [::1]) and relays. The container needs no network: loopback is enough.
#
#   with-ports CMD [ARGS…]     start the waiting connectors, then become CMD
#   with-ports --wait          one connector: wait on shim's socket (run by this script only)
#   with-ports --serve         the connector's other end: read the port, relay (run by socat only)
set -eu
self=/usr/local/libexec/shim/with-ports
sock=/run/shim-ports/ports.sock
# connectors waiting at once: a browser opens about six connections together, and each one taken
# starts the next within milliseconds
waiting=4

# true if something listens on $1 (hex address:port as /proc/net/tcp* writes it) in file $2
listens() {
  while read -r _ local _ state _; do
    [ "$local" = "$1" ] && [ "$state" = 0A ] && return 0
  done <"$2"
  return 1
}

case "${1-}" in
--wait)
  # socat's messages are dropped: a client that hangs up early is not the tool's business
  exec socat "UNIX-CONNECT:$sock" "EXEC:$self --serve" 2>/dev/null
  ;;
--serve)
  IFS= read -r port || exit 0
  case $port in '' | *[!0-9]*) exit 0 ;; esac
  setsid -f "$self" --wait </dev/null >/dev/null 2>&1
  hex=$(printf '%04X' "$port")
  # IPv4 loopback or any address; else IPv6 loopback or any (no retry: a connection is tried once)
  if listens "0100007F:$hex" /proc/net/tcp || listens "00000000:$hex" /proc/net/tcp; then
    exec socat STDIO "TCP4:127.0.0.1:$port" 2>/dev/null
  fi
  exec socat STDIO "TCP6:[::1]:$port" 2>/dev/null
  ;;
esac

i=0
while [ "$i" -lt "$waiting" ]; do
  setsid -f "$self" --wait </dev/null >/dev/null 2>&1
  i=$((i + 1))
done
exec "$@"
