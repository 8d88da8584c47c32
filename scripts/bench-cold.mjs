// B9 of scripts/bench.mjs: a cold run's overhead over a bare run of the same image and command, item by
// item (issue 31). The tool is cowsay's install running `node` (`shimbench-node -e 0`); the bare run is
// `run --rm --pull=never --network none` with the install's volume and PATH (node lives there, not in
// the image) and the same image and command. Every variant runs once per round, order rotated:
//
//   link                   the tool link, as a user runs it
//   replay                 a minimal Node launcher (scripts/bench-replay.cjs) running shim's exact argv
//                          (from --dry-run) with the host-side items shim does: lifeline socket, watchdog,
//                          audit record; and the same without each of them
//   exact                  shim's exact argv spawned directly (no Node; its lifeline socket held by the
//                          bench), and that argv without each container-side item in turn
//   bare, node             the bare run; `node -e 0` on the host (the unit of the target)
//
// Each item's cost is the median with it less the median without it; below ±10 ms is noise on a busy
// machine. The launcher item is the link less the replay: shim's own work (config cache, plan, image
// stamp, locks) beyond what any Node launcher doing the same host-side things pays.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitRunArgv } from './bench-flags.mjs';

const REPLAY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench-replay.cjs');
export const COLD_TOOLS = { 'shimbench-node': { tool: 'npm:cowsay', command: 'node' } };
const LIFELINE_HELPER = '/usr/local/libexec/shim/lifeline';
const CA_IN_CONTAINER = '/etc/shim/ca-bundle.crt';

/** The exact argv's pieces, and builders for it without some items. */
function pieces(argv) {
  const { groups, image, command } = splitRunArgv(argv);
  // the command: [lifeline helper, socket] [sh -c CHECK shim-command-check MESSAGE] node -e 0
  let cmd = [...command];
  const lifelinePrefix = cmd[0] === LIFELINE_HELPER ? cmd.splice(0, 2) : [];
  const checkPrefix = cmd[0] === 'sh' && cmd[3] === 'shim-command-check' ? cmd.splice(0, 5) : [];
  const is = {
    lifeline: (g) => g.key.startsWith('--mount bind:/run/shim-lifeline'),
    init: (g) => g.key === '--init',
    seccomp: (g) => g.key === '--security-opt=seccomp',
    tmpfs: (g) => g.key.startsWith('--tmpfs'),
    ca: (g) => g.key === `--mount bind:${CA_IN_CONTAINER}` || (g.key === '--env' && g.tokens[1].endsWith(`=${CA_IN_CONTAINER}`)),
    nodeCa: (g) => g.key === '--env' && g.tokens[1].startsWith('NODE_EXTRA_CA_CERTS='),
  };
  const build = (without = [], lifelineDir = undefined) => {
    const drop = (g) => without.some((w) => is[w]?.(g));
    const flags = groups.filter((g) => !drop(g)).flatMap((g) => (lifelineDir && is.lifeline(g) ? [g.tokens[0], g.tokens[1].replace(/src=[^,]+/, `src=${lifelineDir}`)] : g.tokens));
    const c = [...(without.includes('lifeline') ? [] : lifelinePrefix), ...(without.includes('check') ? [] : checkPrefix), ...cmd];
    return [...flags, image, ...c];
  };
  const volume = groups.find((g) => g.key === '--mount volume:/mise');
  const pathEnv = groups.find((g) => g.key === '--env' && g.tokens[1].startsWith('PATH='));
  const bare = ['run', '--rm', '--pull=never', '--network', 'none', ...(volume?.tokens ?? []), ...(pathEnv?.tokens ?? []), image, ...cmd];
  const present = { lifeline: lifelinePrefix.length > 0, check: checkPrefix.length > 0, ...Object.fromEntries(Object.entries(is).filter(([k]) => k !== 'lifeline').map(([k, f]) => [k, groups.some(f)])) };
  return { build, bare, present };
}

/** B9 on one runtime (rootless: podman run by the unprivileged user). `h` holds bench.mjs's helpers. */
export function benchB9Runtime(root, runtime, rounds, cleanups, h, rootless = false) {
  const label = rootless ? 'rootless podman' : runtime === 'podman' ? 'rootful podman' : runtime;
  if (!h.runtimeUsable(runtime)) return { runtime: label, skipped: `${runtime} is not usable here` };
  const user = rootless ? h.rootlessUser() : undefined;
  if (rootless && !user) return { runtime: label, skipped: 'no unprivileged user for rootless podman' };
  const setup = h.makeSetup(path.join(root, `b9-${label.replace(/ /g, '-')}`), runtime, [], COLD_TOOLS, user);
  const renv = h.withSbin(setup.env);
  cleanups.push(() => h.sh(runtime, ['volume', 'rm', '-f', ...h.volumesOf(setup, Object.keys(COLD_TOOLS))], { stdio: 'ignore', env: renv, ...setup.as }));
  h.log(`B9: installing shimbench-node (${label})…`);
  setup.shim(['install']);
  const out = JSON.parse(setup.shim(['run', '--dry-run', '--json', 'shimbench-node', '-e', '0']).stdout);
  const [file, ...argv] = out.argv;
  const p = pieces(argv);
  // the direct variants' lifeline: a socket the bench holds (connections wait in the backlog)
  const held = path.join(setup.state, 'b9-lifeline-held');
  fs.mkdirSync(held, { mode: 0o700 });
  const sock = path.join(held, 'lifeline.sock');
  const server = net.createServer().listen(sock);
  server.unref();
  // the replay's own lifeline directory, made and removed by it on every run
  const replayDir = path.join(setup.state, 'b9-lifeline-replay');
  const audit = path.join(setup.state, 'b9-audit.jsonl');
  if (user) {
    h.sh('chown', ['-R', `${user.uid}:${user.gid}`, held]);
  }
  let n = 0;
  const named = (a) => a.map((t, j) => (a[j - 1] === '--name' ? `shimbench-cold-${process.pid}-${n++}` : t));
  const opt = { cwd: setup.project, as: setup.as };
  // CPU time of the whole process tree (perf's task-clock follows every child: podman, conmon, crun, the
  // container's processes): far steadier than wall time on a loaded machine. Not for docker, whose work
  // is done by its daemon, outside the client's tree.
  const perfFile = path.join(setup.state, 'b9-perf.csv');
  const cpu = {};
  const usePerf = runtime === 'podman' && h.sh('perf', ['stat', '-x,', '-e', 'task-clock', '--', 'true']).status === 0;
  if (user && usePerf) h.sh('chown', [`${user.uid}:${user.gid}`, setup.state]);
  const timed = (key, f, args, env) => () => {
    if (!usePerf) return h.timeOnce(f, args, env, opt);
    const t = h.timeOnce('perf', ['stat', '-x,', '-e', 'task-clock', '-o', perfFile, '--', f, ...args], env, opt);
    const ms = Number(/^([\d.]+),msec,task-clock/m.exec(fs.readFileSync(perfFile, 'utf8'))?.[1]);
    (cpu[key] ??= []).push(ms);
    return t;
  };
  const direct = (a) => (key) => timed(key, file, named(a), renv)();
  const replay = (items, without = []) => (key) => timed(key, h.NODE, [REPLAY, items.join(',') || '-', audit, replayDir, file, ...named(p.build(without, replayDir))], renv)();
  const variants = {
    link: (key) => timed(key, setup.link('shimbench-node'), ['-e', '0'], setup.env)(),
    replay: replay(['lifeline', 'watchdog', 'audit']),
    'replay without watchdog': replay(['lifeline', 'audit']),
    'replay without audit': replay(['lifeline', 'watchdog']),
    'replay without lifeline': replay(['watchdog', 'audit'], ['lifeline']),
    'replay of nothing': replay([], ['lifeline']),
    exact: direct(p.build([], held)),
    bare: direct(p.bare),
    node: (key) => timed(key, h.NODE, ['-e', '0'], setup.env)(),
  };
  const containerItems = { lifeline: 'the lifeline (in-container watcher and its mount)', check: 'the `command -v` wrapper', init: '`--init`', seccomp: 'the seccomp profile', tmpfs: 'the two tmpfs mounts', ca: 'the CA bundle (mount and its five env vars)', nodeCa: '`NODE_EXTRA_CA_CERTS` alone' };
  const present = Object.keys(containerItems).filter((k) => p.present[k]);
  for (const k of present) variants[`exact without ${k}`] = direct(p.build([k], held));
  variants['exact without all items'] = direct(p.build(present.filter((k) => k !== 'nodeCa'), held));
  // every variant must work before anything is timed (this is also the untimed warm-up)
  for (const [k, f] of Object.entries(variants)) {
    try {
      f('warm-up');
    } catch (e) {
      throw new Error(`B9 (${label}) variant "${k}": ${e.message}`);
    }
  }
  h.log(`B9: ${rounds} rounds of ${Object.keys(variants).length} variants (${label})${usePerf ? ', wall and CPU time (perf stat -e task-clock)' : ''}`);
  const r = h.sideBySide(Object.fromEntries(Object.entries(variants).map(([k, f]) => [k, () => f(k)])), rounds, 0);
  server.close();
  const itemize = (m) => [
    { item: 'the launcher: shim\'s own work in its Node process (config cache, plan, image stamp, locks) beyond a minimal Node launcher doing the same host-side things', ms: m('link') - m('replay') },
    { item: 'a minimal Node launcher itself (Node start, spawning the runtime)', ms: m('replay of nothing') - m('exact without lifeline') },
    { item: 'the watchdog (a detached /bin/sh)', ms: m('replay') - m('replay without watchdog') },
    { item: 'the audit record (one appended line)', ms: m('replay') - m('replay without audit') },
    { item: 'the lifeline, host side (directory, listening socket) and container side together', ms: m('replay') - m('replay without lifeline') },
    ...present.map((k) => ({ item: containerItems[k], ms: m('exact') - m(`exact without ${k}`) })),
    { item: "shim's other flags (the exact argv without the items above, vs bare)", ms: m('exact without all items') - m('bare') },
  ];
  const items = itemize((k) => r[k].median);
  const cpuStats = usePerf ? Object.fromEntries(Object.keys(variants).map((k) => [k, h.stats(cpu[k])])) : undefined;
  const cpuItems = cpuStats ? itemize((k) => cpuStats[k].median) : undefined;
  const overhead = r.link.median - r.bare.median;
  const cpuOverhead = cpuStats ? cpuStats.link.median - cpuStats.bare.median : undefined;
  return { runtime: label, link: r.link, bare: r.bare, node: r.node, overhead, ratio: overhead / r.node.median, items, variants: r, cpu: cpuStats && { variants: cpuStats, items: cpuItems, overhead: cpuOverhead, ratio: cpuOverhead / cpuStats.node.median }, exactCommand: out.command };
}

/** B9 on the runtimes asked for; `h` holds bench.mjs's helpers. */
export function benchB9(root, runtimes, rounds, cleanups, h) {
  const runs = runtimes.map((rt) => {
    try {
      return rt === 'rootless' ? benchB9Runtime(root, 'podman', rounds, cleanups, h, true) : benchB9Runtime(root, rt, rounds, cleanups, h);
    } catch (e) {
      h.log(`B9 (${rt}) failed: ${e.message}`);
      return { runtime: rt, skipped: `failed: ${e.message.split('\n')[0]}` };
    }
  });
  const done = runs.filter((x) => !x.skipped);
  const first = done[0];
  const part = (x) => `${x.runtime}: +${h.ms(x.overhead)} ms = ${x.ratio.toFixed(2)}× node -e 0 (link ${h.fmtMs(x.link)} vs bare ${h.fmtMs(x.bare)}, node -e 0 ${h.fmtMs(x.node)})${x.cpu ? `; CPU time +${h.ms(x.cpu.overhead)} ms = ${x.cpu.ratio.toFixed(2)}×` : ''}`;
  const notes = [];
  for (const x of runs) {
    if (x.skipped) {
      notes.push(`${x.runtime}: skipped (${x.skipped})`);
      continue;
    }
    const sum = x.items.reduce((a, b) => a + b.ms, 0);
    notes.push(`${x.runtime}, n=${x.link.n}: overhead +${h.ms(x.overhead)} ms; item by item (median with it less median without it): ${x.items.map((i) => `${i.item} ${i.ms >= 0 ? '+' : ''}${h.ms(i.ms)}`).join('; ')}; the items add up to ${h.ms(sum)} ms of the ${h.ms(x.overhead)} ms (the CA items overlap: NODE_EXTRA_CA_CERTS is part of the CA bundle's)`);
    notes.push(`${x.runtime} medians: ${Object.entries(x.variants).map(([k, s]) => `${k} ${h.fmtMs(s)}`).join(', ')}`);
    if (x.cpu) {
      const c = x.cpu;
      notes.push(`${x.runtime}, CPU time of the process tree (perf task-clock; steadier than wall time under load): link ${h.fmtMs(c.variants.link)}, bare ${h.fmtMs(c.variants.bare)}, node -e 0 ${h.fmtMs(c.variants.node)}: overhead +${h.ms(c.overhead)} ms = ${c.ratio.toFixed(2)}× node -e 0; item by item: ${c.items.map((i) => `${i.item} ${i.ms >= 0 ? '+' : ''}${h.ms(i.ms)}`).join('; ')}`);
      notes.push(`${x.runtime} CPU medians: ${Object.entries(c.variants).map(([k, s]) => `${k} ${h.fmtMs(s)}`).join(', ')}`);
    }
  }
  return {
    id: 'B9',
    title: "a cold run's overhead over a bare run of the same image and command (`node -e 0` in cowsay's install), item by item",
    shim: first?.link,
    baseline: first?.bare,
    result: done.map(part).join('; ') || 'no runtime usable',
    target: 'overhead ≤ 1.25× node -e 0 on rootful podman, rootless podman and docker',
    met: done.length === runs.length && done.length > 0 ? done.every((x) => x.ratio <= 1.25) : null,
    runs,
    notes,
  };
}
