#!/usr/bin/env bash
# The quick start's main job: a throwaway shim setup in .quickstart/ (config, state, links), then real
# tools run through their links: cowsay, and prettier formatting code piped on stdin. Your own
# ~/.config/shim and ~/.local/bin are not touched.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
[ -s dist/shim.mjs ] || npm run --silent build

demo=$PWD/.quickstart
mkdir -p "$demo/config/shim" "$demo/project"
# the demo project is a repository of its own: without a .git (or .shim.json) of its own, the project
# root would be the nearest one above it, this clone, which holds shim's own links, config and state,
# and shim rightly refuses to mount that into a tool
[ -e "$demo/project/.git" ] || git init -q "$demo/project"
cat > "$demo/config/shim/config.json" <<'JSON'
{
  // no network, no mounts: cowsay only gets its arguments
  "cowsay": { "tool": "npm:cowsay" },
  // the project directory, read-write, and nothing else
  "prettier": { "tool": "npm:prettier", "mounts": [{ "src": ".", "dst": "/workspace" }] },
}
JSON
export XDG_CONFIG_HOME=$demo/config XDG_STATE_HOME=$demo/state XDG_CACHE_HOME=$demo/cache SHIM_BIN_DIR=$demo/bin
# build machines have no image registry: use the locally built base when .ci/setup-containers.sh made one
if [ -z "${SHIM_BASE_IMAGE:-}" ] && { podman image exists localhost/shim-base:bookworm 2>/dev/null \
     || docker image inspect localhost/shim-base:bookworm >/dev/null 2>&1; }; then
  export SHIM_BASE_IMAGE=localhost/shim-base:bookworm
fi
export SHIM_CA_BUNDLE=${SHIM_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
export PATH=$SHIM_BIN_DIR:$PATH

node bin/shim.js up
cd "$demo/project"
echo "+ cowsay 'hello from a sandbox'" >&2
cowsay 'hello from a sandbox'
echo "+ echo 'const answer={value:42}' | prettier --stdin-filepath answer.js" >&2
echo 'const answer={value:42}' | prettier --stdin-filepath answer.js
echo "quick start done: the links are in $SHIM_BIN_DIR; 'node bin/shim.js list' with the same XDG_* variables shows them" >&2
