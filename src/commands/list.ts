// `shim list [--json]`: every usable tool with its spec, network mode, locked version and whether it
// is installed; broken files are named (stderr, or "problems" in JSON) and the tools they define are
// left out, while the rest stay listed.
import type { App } from '../app/with-config-files.js';
import { displayFile, formatProblem, listToolNames, mergeToolLayers } from '../config/merge.js';
import { ShimError } from '../errors.js';
import { readLockFile } from '../install/lockfile.js';
import { installState } from '../install/state.js';
import { loadImageChoice } from '../runtime/image.js';

export interface ListedTool {
  name: string;
  spec: string | null;
  network: string | null;
  allowedHosts: string[];
  lockedVersion: string | null;
  /** Companion packages: name@locked version once installed, else as configured. */
  packages: string[];
  installed: boolean;
  error: string | null;
}

function runtimeName(app: App): string | undefined {
  try {
    return app.runtime().name;
  } catch (e) {
    if (!(e instanceof ShimError)) throw e;
    return undefined;
  }
}

/** Collects the listing (no runtime call: installed state comes from the lock file and volumes). */
export function collectTools(app: App): ListedTool[] {
  const config = app.config();
  const broken = new Set(config.problems.flatMap((p) => p.tools));
  const lock = readLockFile(app.paths.stateDir);
  // a broken settings.json is reported by commands that run tools; the list still shows them
  const image = loadImageChoice({ host: app.host, settings: config.settingsProblem ? {} : config.settings }).choice.ref;
  const runtime = runtimeName(app);
  return listToolNames(config.layers)
    .filter((n) => !broken.has(n))
    .map((name) => {
      try {
        const tool = mergeToolLayers(name, config.layers, app.paths.configDir);
        const entry = lock.tools[name]?.spec === tool.tool ? lock.tools[name] : undefined;
        const locked = entry?.version ?? null;
        const installed = Boolean(locked && runtime && installState(lock, tool, runtime, image).kind === 'ready');
        const packages = installed && entry?.packages ? Object.entries(entry.packages).map(([n, v]) => `${n}@${v}`) : tool.packages;
        return { name, spec: tool.tool, network: tool.network, allowedHosts: tool.allowed_hosts, lockedVersion: locked, packages, installed, error: null };
      } catch (e) {
        if (!(e instanceof ShimError)) throw e;
        return { name, spec: null, network: null, allowedHosts: [], lockedVersion: null, packages: [], installed: false, error: e.message };
      }
    });
}

export function listTools(app: App, options: { json?: boolean } = {}): number {
  const config = app.config();
  const tools = collectTools(app);
  const problems = [...config.problems, ...(config.settingsProblem ? [config.settingsProblem] : [])];
  if (options.json) {
    const json = { tools, problems: problems.map((p) => ({ file: displayFile(p.file, app.paths.configDir), messages: p.messages, tools: p.tools })) };
    app.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  for (const problem of problems) {
    const skipped = problem.tools.length ? ` (not listed: ${problem.tools.join(', ')})` : '';
    app.reporter.warn(`${formatProblem(problem, app.paths.configDir)}${skipped}`);
  }
  if (!tools.length) {
    app.reporter.info(`no tools configured in ${app.paths.configFile} or ${app.paths.configDropInDir}/ (see config.sample.json)`);
    return 0;
  }
  const rows = tools.map((t) => {
    if (t.error) return [t.name, 'invalid', t.error, ''];
    const network = t.allowedHosts.length ? `hosts:${t.allowedHosts.join(',')}` : t.network!;
    const state = !t.lockedVersion ? 'not installed' : t.installed ? `${t.lockedVersion} installed` : `${t.lockedVersion} locked, not installed`;
    return [t.name, t.spec!, network, `${state}${t.packages.length ? ` (+ ${t.packages.join(', ')})` : ''}`];
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) app.stdout(`${row.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()}\n`);
  return 0;
}
