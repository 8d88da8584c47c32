// `shim list`: every usable tool with its spec, network mode and installed version; broken files are
// named on stderr and the tools they define are left out, while the rest stay listed.
import type { App } from '../app.js';
import { formatProblem, listToolNames, mergeToolLayers } from '../config/merge.js';
import { ShimError } from '../errors.js';
import { readLockFile } from '../install/lockfile.js';
import { installState } from '../install/state.js';
import { resolveImage } from '../runtime/image.js';

export function listTools(app: App): number {
  const config = app.config();
  for (const problem of config.problems) {
    const skipped = problem.tools.length ? ` (not listed: ${problem.tools.join(', ')})` : '';
    app.reporter.warn(`${formatProblem(problem, app.paths.configDir)}${skipped}`);
  }
  const broken = new Set(config.problems.flatMap((p) => p.tools));
  const names = listToolNames(config.layers).filter((n) => !broken.has(n));
  if (!names.length) {
    app.reporter.info(`no tools configured in ${app.paths.configFile} or ${app.paths.configDropInDir}/ (see config.sample.json)`);
    return 0;
  }
  let runtimeName: string | undefined;
  try {
    runtimeName = app.runtime().name;
  } catch (e) {
    if (!(e instanceof ShimError)) throw e;
  }
  const lock = readLockFile(app.paths.stateDir);
  // a broken settings.json is reported by commands that run tools; the list still shows them
  const image = resolveImage({ host: app.host, settings: config.settingsProblem ? {} : config.settings }).choice.ref;
  if (config.settingsProblem) app.reporter.warn(formatProblem(config.settingsProblem, app.paths.configDir));
  const rows = names.map((name) => {
    try {
      const tool = mergeToolLayers(name, config.layers, app.paths.configDir);
      const state = runtimeName ? installState(lock, tool, runtimeName, image) : undefined;
      const locked = lock.tools[name]?.spec === tool.tool ? lock.tools[name]!.version : undefined;
      const installed = !locked ? 'not installed' : state?.kind === 'ready' ? `${locked} installed` : `${locked} locked, not installed`;
      const network = tool.allowed_hosts.length ? `hosts:${tool.allowed_hosts.join(',')}` : tool.network;
      return [name, tool.tool, network, installed];
    } catch (e) {
      if (!(e instanceof ShimError)) throw e;
      return [name, 'invalid', e.message, ''];
    }
  });
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) app.stdout(`${row.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd()}\n`);
  return 0;
}
