#!/bin/sh
# Runs in shim's install container, never in a run: installs one mise tool spec into the tool's own
# volume ($MISE_DATA_DIR lives in it) and records the result in /mise/manifest.json, written last, so an
# interrupted install leaves no manifest and a later run installs again rather than using half a tree.
# Prints one line on stdout: "<version>\t<bin dir>[:<bin dir>…]". Everything mise and npm say goes to
# stderr. Usage: install-tool <spec> <name> <install id> [minimum release age]
set -eu
spec=$1     # what to install, e.g. npm:@scope/pkg or npm:@scope/pkg@1.2.3
name=$2     # the same without the version, e.g. npm:@scope/pkg
id=$3       # shim's id for this install; runs check the manifest still carries it
age=${4:-}  # e.g. 3d; empty: no minimum
manifest=/mise/manifest.json
rm -f "$manifest"
# one tool per volume: start from an empty tree so exactly one version is installed
rm -rf "$MISE_DATA_DIR" "$MISE_STATE_DIR"
if [ -n "$age" ]; then
  mise install --minimum-release-age "$age" "$spec" 1>&2
else
  mise install "$spec" 1>&2
fi
version=$(mise ls --installed --json "$name" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const list = JSON.parse(s);
    if (list.length !== 1) { console.error(`expected one installed version, found ${list.length}`); process.exit(3); }
    process.stdout.write(list[0].version);
  });')
bins=$(mise bin-paths "$name@$version" | paste -sd: -)
SPEC="$spec" VERSION="$version" BINS="$bins" ID="$id" node -e '
  const e = process.env;
  const m = { spec: e.SPEC, version: e.VERSION, binPaths: e.BINS.split(":").filter(Boolean), installId: e.ID };
  require("fs").writeFileSync(process.argv[1], JSON.stringify(m) + "\n");' "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
printf '%s\t%s\n' "$version" "$bins"
