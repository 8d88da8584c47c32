#!/bin/sh
# Runs in shim's install container, never in a run: installs one mise tool spec into the tool's own
# volume ($MISE_DATA_DIR lives in it), then the tool's companion npm packages into /mise/companions
# (found through /node_modules, a link in the image, from any directory), resolved against the tool's
# exact version (their peer ranges must accept it; the tool itself is linked, never a second copy), then
# runs the install
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

# the tool's own npm package, when it is one: companions must work with exactly its locked version
own=
case "$name" in npm:*) own=${name#npm:} ;; esac
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
choices=/tmp/shim-package-choices.json
printf '[]' > "$choices"

if [ -n "${SHIM_PACKAGES:-}" ]; then
  mkdir -p "$companions"
  printf '{ "private": true }\n' > "$companions/package.json"
  # an unpinned companion resolves to its newest version whose peer range accepts the tool's locked
  # version (a plugin's newest release may want the next major of the tool, which npm would then install
  # beside it); one pinned or locked is taken as it is, and checked below
  if [ -n "$own" ]; then
    registry=$(npm config get registry)
    packages=$(OWN="$own" OWN_VERSION="$version" SEMVER="$npm_dir/node_modules/semver" REGISTRY="$registry" node -e '
      // the registry document of each package (all versions, their peer ranges and dates); fetch goes
      // through the egress proxy (NODE_USE_ENV_PROXY) and trusts the CA bundle, as npm does
      const fs = require("fs");
      const e = process.env, own = e.OWN, ownVersion = e.OWN_VERSION, semver = require(e.SEMVER);
      const before = e.SHIM_NPM_BEFORE ? Date.parse(e.SHIM_NPM_BEFORE) : undefined;
      const packument = async (pkg) => {
        const url = e.REGISTRY.replace(/\/*$/, "/") + pkg.replace("/", "%2f");
        const res = await fetch(url, { headers: { accept: "application/json" } });
        if (!res.ok) throw new Error(`shim: ${url}: ${res.status} ${res.statusText}`);
        return res.json();
      };
      (async () => {
        const choices = [], specs = [];
        for (const spec of e.SHIM_PACKAGES.split("\n").filter(Boolean)) {
          const at = spec.indexOf("@", 1);
          const pkg = at === -1 ? spec : spec.slice(0, at), range = at === -1 ? "" : spec.slice(at + 1);
          // exact versions, dist-tags and the tool itself are left to npm (and to the check after it)
          if (pkg === own || semver.valid(range) || (range && !semver.validRange(range))) { specs.push(spec); continue; }
          const doc = await packument(pkg);
          const list = Object.values(doc.versions || {})
            .filter((v) => semver.valid(v.version) && semver.satisfies(v.version, range || "*"))
            .filter((v) => !before || (doc.time && Date.parse(doc.time[v.version]) <= before))
            .sort((a, b) => semver.rcompare(a.version, b.version));
          if (!list.length) { specs.push(spec); continue; } // npm says what is wrong
          const needs = (v) => (v.peerDependencies || {})[own];
          const pick = list.find((v) => !needs(v) || semver.satisfies(ownVersion, needs(v), { includePrerelease: true }));
          const newest = list[0];
          if (!pick) {
            console.error(`shim: no version of ${spec} accepts ${own} ${ownVersion}, the version the tool is locked at (the newest, ${newest.version}, needs ${own} ${needs(newest)}): change the tool spec to a version ${pkg} accepts, or list a ${pkg} that accepts ${ownVersion} in "packages"`);
            process.exit(6);
          }
          specs.push(`${pkg}@${pick.version}`);
          if (pick !== newest) {
            choices.push({ name: pkg, version: pick.version, newest: newest.version, newestNeeds: `${own} ${needs(newest)}` });
            console.error(`shim: ${pkg} ${pick.version}, the newest that accepts ${own} ${ownVersion} (${newest.version} needs ${own} ${needs(newest)})`);
          }
        }
        fs.writeFileSync(process.argv[1], JSON.stringify(choices));
        process.stdout.write(specs.join("\n"));
      })().catch((err) => { console.error(err.message); process.exit(7); });' "$choices")
  else
    packages=$SHIM_PACKAGES
  fi
  # one argument per line (shim validates the specs: no spaces, no globs); the date as one argument
  set -f; IFS='
'
  # shellcheck disable=SC2086
  set -- $packages
  unset IFS; set +f
  [ -z "${SHIM_NPM_BEFORE:-}" ] || set -- --before "$SHIM_NPM_BEFORE" "$@"
  npm install --prefix "$companions" --ignore-scripts --no-package-lock --omit=dev "$@" 1>&2
fi

# the tool's own package is found the same way (a config that imports "eslint/config" needs eslint),
# unless a companion of that name was asked for: a copy npm installed as a peer dependency is replaced,
# so a config or plugin never loads another version of the tool than the one that runs
if [ -n "$own" ]; then
  asked=$(printf '%s\n' "${SHIM_PACKAGES:-}" | sed 's/\(.\)@.*/\1/' | grep -cxF -- "$own" || true)
  if [ "$asked" = 0 ]; then
    mkdir -p "$companions/node_modules/$(dirname "$own")"
    rm -rf "${companions:?}/node_modules/$own"
    ln -s "$prefix/lib/node_modules/$own" "$companions/node_modules/$own"
    # every companion (and their dependencies) that names the tool as a peer must accept its version
    OWN="$own" OWN_VERSION="$version" SEMVER="$npm_dir/node_modules/semver" node -e '
      const fs = require("fs"), path = require("path");
      const e = process.env, semver = require(e.SEMVER), conflicts = [];
      const walk = (dir, depth) => {
        let entries; try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
        for (const d of entries) {
          if (!d.isDirectory() || d.name.startsWith(".")) continue; // the link to the tool is not walked
          const p = path.join(dir, d.name);
          if (d.name.startsWith("@")) { walk(p, depth); continue; }
          let pkg; try { pkg = JSON.parse(fs.readFileSync(path.join(p, "package.json"), "utf8")); } catch { continue; }
          const range = (pkg.peerDependencies || {})[e.OWN];
          if (range && !semver.satisfies(e.OWN_VERSION, range, { includePrerelease: true })) conflicts.push(`${pkg.name}@${pkg.version} needs ${e.OWN} ${range}`);
          if (depth < 12) walk(path.join(p, "node_modules"), depth + 1);
        }
      };
      walk(process.argv[1], 0);
      if (conflicts.length) {
        console.error(`shim: ${conflicts.join("; ")}, but the tool is locked at ${e.OWN} ${e.OWN_VERSION}: list versions that accept ${e.OWN_VERSION} in "packages" (or change the tool spec), then shim install --upgrade`);
        process.exit(6);
      }' "$companions/node_modules"
  fi
fi

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

SPEC="$spec" VERSION="$version" BINS="$bins" ID="$id" PREFIX="$prefix" COMPANIONS="$companions" CHOICES="$choices" node -e '
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
  // companions picked older than their newest because of the version of the tool
  const packageChoices = JSON.parse(fs.readFileSync(e.CHOICES, "utf8"));
  const m = { spec: e.SPEC, version: e.VERSION, binPaths, installId: e.ID, commands, packages, packageChoices, skippedScripts: [...skipped].sort() };
  fs.writeFileSync(process.argv[1], JSON.stringify(m) + "\n");' "$manifest.tmp"
mv "$manifest.tmp" "$manifest"
cat "$manifest"
