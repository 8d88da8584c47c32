#!/bin/sh
# Runs in shim's install container, never in a run: installs one mise tool spec into the tool's own
# volume ($MISE_DATA_DIR lives in it), then the tool's companion npm packages into /mise/companions
# (found through /node_modules, a link in the image, from any directory), then runs the install
# scripts of exactly the packages named in $SHIM_INSTALL_SCRIPTS. No other package's scripts ever run.
# The result is recorded in /mise/manifest.json, written last, so an interrupted install leaves no
# manifest and a later run installs again rather than using half a tree.
# Prints one JSON line on stdout (the manifest). Everything mise and npm say goes to stderr.
# Usage: install-tool <spec> <name> <install id> [minimum release age]
# Environment: SHIM_PACKAGES (one npm spec per line), SHIM_INSTALL_SCRIPTS (one package name per line),
# SHIM_NPM_BEFORE (an ISO date: companions published later are not picked).
set -eu
spec=$1     # what to install, e.g. npm:@scope/pkg or npm:@scope/pkg@1.2.3
name=$2     # the same without the version, e.g. npm:@scope/pkg
id=$3       # shim's id for this install; runs check the manifest still carries it
age=${4:-}  # e.g. 3d; empty: no minimum
manifest=/mise/manifest.json
companions=/mise/companions
rm -f "$manifest"
# one tool per volume: start from an empty tree so exactly one version is installed
rm -rf "$MISE_DATA_DIR" "$MISE_STATE_DIR" "$companions"
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
prefix=$(mise where "$name@$version")
bins=$(mise bin-paths "$name@$version" | paste -sd: -)

if [ -n "${SHIM_PACKAGES:-}" ]; then
  mkdir -p "$companions"
  printf '{ "private": true }\n' > "$companions/package.json"
  # one argument per line of $SHIM_PACKAGES (shim validates the specs: no spaces, no globs)
  set -f; IFS='
'
  # shellcheck disable=SC2086
  npm install --prefix "$companions" --ignore-scripts --no-package-lock --omit=dev \
    ${SHIM_NPM_BEFORE:+--before "$SHIM_NPM_BEFORE"} $SHIM_PACKAGES 1>&2
  unset IFS; set +f
fi

# the tool's own package is found the same way (a config that imports "eslint/config" needs eslint),
# unless a companion of that name was asked for
case "$name" in
  npm:*)
    own=${name#npm:}
    mkdir -p "$companions/node_modules/$(dirname "$own")"
    [ -e "$companions/node_modules/$own" ] || ln -s "$prefix/lib/node_modules/$own" "$companions/node_modules/$own"
    ;;
esac

# install scripts, only for the named packages: in the tool's own tree, then among the companions
has_pkg() { [ -n "$(find "$1" -path "*/node_modules/$2/package.json" -print 2>/dev/null | head -n 1)" ]; }
for pkg in ${SHIM_INSTALL_SCRIPTS:-}; do
  found=
  if has_pkg "$prefix/lib" "$pkg"; then
    npm rebuild --global --prefix "$prefix" --ignore-scripts=false --foreground-scripts "$pkg" 1>&2
    found=1
  fi
  if has_pkg "$companions" "$pkg"; then
    npm rebuild --prefix "$companions" --ignore-scripts=false --foreground-scripts "$pkg" 1>&2
    found=1
  fi
  if [ -z "$found" ]; then
    echo "shim: install_scripts names $pkg, which is not part of this install (neither $name nor its packages depend on it)" >&2
    exit 4
  fi
done

SPEC="$spec" VERSION="$version" BINS="$bins" ID="$id" PREFIX="$prefix" COMPANIONS="$companions" node -e '
  const fs = require("fs"), path = require("path");
  const e = process.env;
  const binPaths = e.BINS.split(":").filter(Boolean);
  // the commands the package provides: what a tool config may name as "command"
  const commands = [...new Set(binPaths.flatMap((d) => { try { return fs.readdirSync(d); } catch { return []; } }))].sort();
  // every package with install scripts that did not run (npm also builds a binding.gyp implicitly)
  const allowed = new Set((e.SHIM_INSTALL_SCRIPTS || "").split("\n").filter(Boolean));
  const skipped = new Set();
  const walk = (dir, depth) => {
    let entries; try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const d of entries) {
      if (!d.isDirectory() || d.name.startsWith(".")) continue;
      const p = path.join(dir, d.name);
      if (d.name.startsWith("@")) { walk(p, depth); continue; }
      let pkg; try { pkg = JSON.parse(fs.readFileSync(path.join(p, "package.json"), "utf8")); } catch { continue; }
      const s = pkg.scripts || {};
      const gyp = fs.existsSync(path.join(p, "binding.gyp")) && !s.install && !s.preinstall;
      if ((s.preinstall || s.install || s.postinstall || gyp) && !allowed.has(pkg.name)) skipped.add(pkg.name);
      if (depth < 12) walk(path.join(p, "node_modules"), depth + 1);
    }
  };
  walk(path.join(e.PREFIX, "lib", "node_modules"), 0);
  walk(path.join(e.COMPANIONS, "node_modules"), 0); // walk sees directories only, so not the link to the tool itself
  // the companions as installed: name -> version, for the lock file
  const packages = {};
  for (const spec of (e.SHIM_PACKAGES || "").split("\n").filter(Boolean)) {
    const name = spec.replace(/(?<=.)@[^@/]*$/, "");
    try { packages[name] = JSON.parse(fs.readFileSync(path.join(e.COMPANIONS, "node_modules", name, "package.json"), "utf8")).version; }
    catch { console.error(`shim: package ${name} was not installed`); process.exit(5); }
  }
  const m = { spec: e.SPEC, version: e.VERSION, binPaths, installId: e.ID, commands, packages, skippedScripts: [...skipped].sort() };
  fs.writeFileSync(process.argv[1], JSON.stringify(m) + "\n");' "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
cat "$manifest"
