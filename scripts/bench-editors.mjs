// B10 of scripts/bench.mjs: what an editor pays per save (issue 31). prettier and eslint called the way
// an editor's plugin calls them, one file on stdin (`prettier --stdin-filepath F`, `eslint --stdin
// --stdin-filename F --format json`), three ways, side by side, order rotated:
//   host   the tools installed with npm into a temp dir, run by Node directly
//   cold   through their shim links (a container per call)
//   warm   through the links of their `"warm": true` twins (the container's keeper runs the call; the
//          first call, which starts the container, is left out)
// Every way must print the same as the host before anything is timed.
import fs from 'node:fs';
import path from 'node:path';

export const EDITOR_TOOLS = {
  'shimbench-prettier': { tool: 'npm:prettier', command: 'prettier', mounts: [{ src: '.' }] },
  'shimbench-prettier-warm': { tool: 'npm:prettier', command: 'prettier', mounts: [{ src: '.' }], warm: true },
  'shimbench-eslint': { tool: 'npm:eslint@9', command: 'eslint', mounts: [{ src: '.' }] },
  'shimbench-eslint-warm': { tool: 'npm:eslint@9', command: 'eslint', mounts: [{ src: '.' }], warm: true },
};

// a small module an editor would save: lint-clean under the config below, already formatted
const SAMPLE = `export function total(items) {
  let sum = 0;
  for (const item of items) {
    if (item.price === undefined) continue;
    sum += item.price * (item.count ?? 1);
  }
  return sum;
}

export function describe(items) {
  return items.map((item) => \`\${item.name}: \${item.price}\`).join("\\n");
}
`;
const ESLINT_CONFIG = `export default [{ files: ["**/*.js"], rules: { semi: "error", eqeqeq: "error", "no-unused-vars": "warn" } }];\n`;

/** B10 on the setup's runtime; `h` holds bench.mjs's helpers. */
export function benchB10(root, runtime, rounds, cleanups, h) {
  const setup = h.makeSetup(path.join(root, 'b10'), runtime, [], EDITOR_TOOLS);
  cleanups.push(() => {
    h.sh(h.NODE, [h.SHIM, 'stop'], { env: setup.env, stdio: 'ignore' });
    h.sh(runtime, ['volume', 'rm', '-f', ...h.volumesOf(setup, Object.keys(EDITOR_TOOLS))], { stdio: 'ignore', env: h.withSbin(setup.env) });
  });
  fs.mkdirSync(path.join(setup.project, 'src'), { recursive: true });
  fs.writeFileSync(path.join(setup.project, 'src', 'cart.js'), SAMPLE);
  fs.writeFileSync(path.join(setup.project, 'eslint.config.mjs'), ESLINT_CONFIG);
  fs.writeFileSync(path.join(setup.project, 'package.json'), '{"type": "module"}\n');
  // the host's tools, installed by npm outside the project (as a user's global install would be)
  const hostDir = path.join(root, 'b10-host');
  fs.mkdirSync(hostDir, { recursive: true });
  h.log('B10: installing prettier and eslint@9 on the host (npm) and in shim…');
  h.mustRun('npm install', 'npm', ['install', '--prefix', hostDir, '--no-audit', '--no-fund', 'prettier', 'eslint@9'], { env: process.env });
  setup.shim(['install']);
  const input = fs.readFileSync(path.join(setup.project, 'src', 'cart.js'));
  const calls = {
    prettier: ['--stdin-filepath', 'src/cart.js'],
    eslint: ['--stdin', '--stdin-filename', 'src/cart.js', '--format', 'json'],
  };
  const hostBin = (tool) => path.join(hostDir, 'node_modules', '.bin', tool);
  const how = {
    host: (tool) => [hostBin(tool), { ...setup.env, PATH: `${path.dirname(h.NODE)}:${setup.env.PATH}` }],
    cold: (tool) => [setup.link(`shimbench-${tool}`), setup.env],
    warm: (tool) => [setup.link(`shimbench-${tool}-warm`), setup.env],
  };
  // the same output every way (eslint's JSON names the file by its path: compared without it)
  const outputs = {};
  for (const tool of Object.keys(calls)) {
    for (const [way, at] of Object.entries(how)) {
      const [file, env] = at(tool);
      const out = h.mustRun(`${way} ${tool}`, file, calls[tool], { env, cwd: setup.project, input }).stdout;
      outputs[`${tool} ${way}`] = tool === 'eslint' ? JSON.stringify(JSON.parse(out).map((x) => x.messages)) : out;
    }
    if (outputs[`${tool} cold`] !== outputs[`${tool} host`] || outputs[`${tool} warm`] !== outputs[`${tool} host`]) throw new Error(`B10: ${tool} printed differently on the host, cold and warm: ${JSON.stringify([outputs[`${tool} host`], outputs[`${tool} cold`], outputs[`${tool} warm`]]).slice(0, 400)}`);
  }
  const versions = Object.fromEntries(Object.keys(calls).flatMap((tool) => ['host', 'cold'].map((way) => [`${tool} ${way}`, h.mustRun(`${tool} --version`, how[way](tool)[0], ['--version'], { env: how[way](tool)[1], cwd: setup.project }).stdout.trim()])));
  const variants = { node: () => h.timeOnce(h.NODE, ['-e', '0'], setup.env, { cwd: setup.project }) };
  for (const tool of Object.keys(calls)) {
    for (const [way, at] of Object.entries(how)) {
      const [file, env] = at(tool);
      variants[`${tool} ${way}`] = () => h.timeOnce(file, calls[tool], env, { cwd: setup.project, as: { input } });
    }
  }
  h.log(`B10: ${rounds} rounds of prettier and eslint on one file, host vs shim cold vs shim warm (${runtime})`);
  const r = h.sideBySide(variants, rounds, 1);
  setup.shim(['stop']);
  const per = Object.keys(calls).map((tool) => {
    const [host, cold, warm] = ['host', 'cold', 'warm'].map((w) => r[`${tool} ${w}`]);
    return { tool, host, cold, warm, coldRatio: cold.median / host.median, warmRatio: warm.median / host.median };
  });
  const part = (x) => `${x.tool}: cold ${x.coldRatio.toFixed(2)}×, warm ${x.warmRatio.toFixed(2)}× the host (${h.fmtMs(x.host)} host, ${h.fmtMs(x.cold)} cold, ${h.fmtMs(x.warm)} warm)`;
  return {
    id: 'B10',
    title: `editors: prettier and eslint on one file on stdin (\`--stdin-filepath\`), on the host vs through shim cold and warm (${runtime})`,
    shim: per[0].warm,
    baseline: per[0].host,
    result: per.map(part).join('; '),
    target: 'reported only',
    met: null,
    per,
    notes: [
      `medians: ${Object.entries(r).map(([k, s]) => `${k} ${h.fmtMs(s)} (${h.spread(s)})`).join(', ')}`,
      `versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}; every way printed the same output before timing`,
      'the warm calls exclude the first one, which starts the container; on the host the tools run from node_modules/.bin with no NODE_EXTRA_CA_CERTS',
    ],
  };
}
