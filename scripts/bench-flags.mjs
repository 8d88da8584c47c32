// B8 of scripts/bench.mjs: what shim's runtime flags cost. The exact `run` command shim builds for the
// installed tool (from `shim run --dry-run --json`, the tool's command replaced by `true`) against a bare
// `run --rm --pull=never --network none IMAGE true`, and that command without each flag (group) in turn:
// what a flag costs is how much faster the command is without it. Measured side by side, order rotated.
import fs from 'node:fs';
import path from 'node:path';

// flags shim gives a value as the next argument
const WITH_VALUE = new Set(['--name', '--label', '--tmpfs', '--mount', '--user', '--network', '--workdir', '--env', '-e', '--security-opt', '--cap-drop']);
// never left out: without them the command would pull, or leave its container behind
const KEEP = new Set(['run', '--rm', '--pull=never']);

/** Splits a `run` argv into flag groups (flag and its value), the image and the command. */
export function splitRunArgv(argv) {
  const groups = [];
  let i = 0;
  while (i < argv.length && (argv[i] === 'run' || argv[i].startsWith('-'))) {
    const flag = argv[i];
    const name = flag.replace(/=.*$/, '');
    const tokens = WITH_VALUE.has(flag) ? [flag, argv[i + 1]] : [flag];
    // one group per kind of flag (--memory-swap goes with --memory, which it needs), except security
    // options, mounts and tmpfs, one group each
    const key = name === '--memory-swap' ? '--memory' : name === '--security-opt' || flag.startsWith('--security-opt=') ? `--security-opt=${(tokens[1] ?? flag.split('=').slice(1).join('=')).split('=')[0]}` : name === '--mount' ? `--mount ${/type=(\w+)/.exec(tokens[1])?.[1]}:${/dst=([^,]+)/.exec(tokens[1])?.[1]}` : name === '--tmpfs' ? `--tmpfs ${tokens[1].split(':')[0]}` : name;
    groups.push({ key, tokens });
    i += tokens.length;
  }
  return { groups, image: argv[i], command: argv.slice(i + 1) };
}

const join = (groups, without) => groups.filter((g) => g.key !== without).flatMap((g) => g.tokens);

/** Runs B8 on the setup's runtime; `h` holds bench.mjs's helpers. */
export function benchB8(setup, runtime, rounds, h) {
  const out = JSON.parse(setup.shim(['run', '--dry-run', '--json', 'shimbench-cowsay', '--version']).stdout);
  const [file, ...argv] = out.argv;
  const { groups, image } = splitRunArgv(argv);
  // the lifeline's directory must exist for its mount (the helper itself is measured apart: `true` runs bare)
  const lifelineDir = path.join(setup.state, 'b8-lifeline');
  fs.mkdirSync(lifelineDir, { recursive: true, mode: 0o700 });
  for (const g of groups) if (g.key.startsWith('--mount bind:/run/shim-lifeline')) g.tokens[1] = g.tokens[1].replace(/src=[^,]+/, `src=${lifelineDir}`);
  let n = 0;
  const named = (a) => a.map((t, j) => (a[j - 1] === '--name' ? `shimbench-flags-${process.pid}-${n++}` : t));
  const env = { ...setup.env, PATH: `${setup.env.PATH}:/usr/local/sbin:/usr/sbin:/sbin` };
  const run = (a) => () => h.timeOnce(file, named(a), env, { cwd: setup.project });
  const variants = {
    bare: run(['run', '--rm', '--pull=never', '--network', 'none', image, 'true']),
    shim: run([...join(groups), image, 'true']),
  };
  const removable = [...new Set(groups.map((g) => g.key))].filter((k) => !KEEP.has(k));
  for (const key of removable) variants[`without ${key}`] = run([...join(groups, key), image, 'true']);
  h.log(`B8: ${rounds} rounds of ${Object.keys(variants).length} \`${runtime} run … true\` variants (shim's flags one by one)`);
  const r = h.sideBySide(variants, rounds);
  const costs = removable.map((key) => ({ flag: key, costMs: r.shim.median - r[`without ${key}`].median })).sort((a, b) => b.costMs - a.costMs);
  const ratio = r.shim.median / r.bare.median;
  return {
    id: 'B8',
    title: `shim's \`${runtime} run\` flags: shim's exact command (\`true\` as the command) vs a bare \`run --rm --network none IMAGE true\`, and without each flag in turn`,
    shim: r.shim,
    baseline: r.bare,
    result: `${ratio.toFixed(2)}× (+${h.ms(r.shim.median - r.bare.median)} ms); largest: ${costs.slice(0, 3).map((c) => `${c.flag} ${h.ms(c.costMs)} ms`).join(', ')}`,
    target: 'reported only',
    met: null,
    costs,
    notes: [`what each flag costs (the median without it, less shim's command's median; below ±5 ms is noise here): ${costs.map((c) => `\`${c.flag}\` ${c.costMs >= 0 ? '+' : ''}${h.ms(c.costMs)}`).join(', ')}`],
  };
}
