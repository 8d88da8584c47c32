#!/bin/sh
# Runs in shim's install container: installs one mise tool spec into $MISE_DATA_DIR (a volume) and prints,
# as the only line on stdout, where the run phase finds it: "<version>\t<bin dir>[:<bin dir>…]".
# Everything mise and npm say goes to stderr. Never runs the tool itself.
set -eu
spec=$1   # e.g. npm:@scope/pkg@1.2.3 (version optional)
name=$2   # the same without the version, e.g. npm:@scope/pkg
mise install "$spec" 1>&2
version=$(mise ls --installed --json "$name" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const list = JSON.parse(s); const last = list[list.length - 1];
    if (!last) process.exit(3); process.stdout.write(last.version);
  });')
bins=$(mise bin-paths "$name@$version" | paste -sd: -)
printf '%s\t%s\n' "$version" "$bins"
