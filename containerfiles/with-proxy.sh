#!/bin/sh
# The in-container end of shim's egress proxy. The container has no network (only loopback); shim's
# proxy listens on a Unix socket on the host, bind-mounted at /run/shim/proxy.sock. socat exposes it
# as 127.0.0.1:3128, where HTTP(S)_PROXY point, then the tool starts. Killing socat only loses the
# proxy: there is no other way out. Each connection retries the socket briefly, because the host's
# proxy starts in parallel with the container.
set -eu
socat TCP4-LISTEN:3128,bind=127.0.0.1,reuseaddr,fork \
  UNIX-CONNECT:/run/shim/proxy.sock,retry=300,interval=0.01 &
# wait until socat listens (127.0.0.1:3128 in state LISTEN), so the tool's first request finds it
tries=0
until grep -q '0100007F:0C38 00000000:0000 0A' /proc/net/tcp; do
  tries=$((tries + 1))
  if [ "$tries" -gt 2000 ]; then
    echo "shim: the egress forwarder did not start in the container (socat on 127.0.0.1:3128)" >&2
    exit 125
  fi
  sleep 0.001
done
exec "$@"
