#!/bin/sh
# The in-container end of shim's egress proxy. The container has no network (only loopback); shim's
# proxy listens on a Unix socket on the host, bind-mounted at /run/shim/proxy.sock. socat exposes it
# as 127.0.0.1:3128, where HTTP(S)_PROXY point, then the tool starts. Killing socat only loses the
# proxy: there is no other way out. Each connection retries the socket briefly, because the host's
# proxy starts in parallel with the container. socat's own messages are dropped: a client that closes
# early makes it log "Broken pipe" on the tool's stderr after a run that worked; a forwarder that does
# not start is caught below, and the proxy on the host reports every refusal itself.
set -eu
socat TCP4-LISTEN:3128,bind=127.0.0.1,reuseaddr,fork \
  UNIX-CONNECT:/run/shim/proxy.sock,retry=300,interval=0.01 2>/dev/null &

# true once 127.0.0.1:3128 (0100007F:0C38) is in state LISTEN (0A); shell built-ins only, no forks
listening() {
  while read -r _ local _ state _; do
    [ "$local" = 0100007F:0C38 ] && [ "$state" = 0A ] && return 0
  done </proc/net/tcp
  return 1
}

# socat listens within a few milliseconds: spin briefly, then back off, then give up
tries=0
until listening; do
  tries=$((tries + 1))
  if [ "$tries" -gt 500 ]; then
    echo "shim: the egress forwarder did not start in the container (socat on 127.0.0.1:3128)" >&2
    exit 125
  fi
  [ "$tries" -gt 50 ] && sleep 0.01
done
exec "$@"
