// `shim ps` and `shim stop [tool…]`: the warm containers that are up (running or paused), and stopping
// them before their idle time is over (a running call in one is killed with it, a paused one too).
import type { App } from '../app/with-config-files.js';
import { warmInspectArgv, warmListArgv, warmRemoveArgv } from '../plan/warm.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';
import { forgetWarm, readWarmState, warmStateFile } from '../runtime/warm.js';
import { setupOf } from '../facts/setup.js';
import { checkToolName } from './run.js';
import { ago, formatTable } from './table.js';

export interface WarmContainer {
  name: string;
  tool: string;
  key: string;
  startedAt: string;
  /** running or paused (or what the runtime says when it is on its way out). */
  state: string;
  /** From shim's own record: when a call last started in it, and its idle time (null when unknown). */
  lastUse: string | null;
  idleSeconds: number | null;
}

/** The warm containers that are up, running or paused (of one tool when named). */
export async function listWarm(app: App, tool?: string): Promise<WarmContainer[]> {
  const runtime = app.runtime();
  const run = (argv: string[]) => runCaptured({ file: runtime.path, argv, env: app.runtimeEnv() });
  const ids = expectSuccess('listing warm containers', await run(warmListArgv(setupOf(app), tool)), 'check that the runtime works (shim doctor)').stdout.split('\n').filter(Boolean);
  if (!ids.length) return [];
  // a container may stop between the two calls: what inspect still finds is listed
  const out = await run(warmInspectArgv(ids));
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', toolName = '', key = '', startedAt = '', status = ''] = line.split('\t');
      const state = readWarmState(warmStateFile(app.paths.stateDir, key));
      const own = state?.name === name.replace(/^\//, '');
      return {
        name: name.replace(/^\//, ''),
        tool: toolName,
        key,
        startedAt,
        state: status,
        lastUse: own ? new Date(state.lastUse).toISOString() : null,
        idleSeconds: own ? state.idleSeconds : null,
      };
    });
}

export async function psCommand(app: App, options: { json?: boolean } = {}): Promise<number> {
  const containers = await listWarm(app);
  if (options.json) {
    app.stdout(`${JSON.stringify({ runtime: app.runtime().name, containers }, null, 2)}\n`);
    return 0;
  }
  if (!containers.length) {
    app.reporter.info(`no warm containers (${app.runtime().name})`);
    return 0;
  }
  const now = Date.now();
  const rows = [
    ['TOOL', 'CONTAINER', 'STATE', 'STARTED', 'LAST CALL', 'IDLE STOP'],
    ...containers.map((c) => [c.tool, c.name, c.state, ago(c.startedAt, now), c.lastUse ? ago(c.lastUse, now) : '-', c.idleSeconds ? `after ${c.idleSeconds}s idle` : '-']),
  ];
  app.stdout(formatTable(rows));
  return 0;
}

/** Stops the warm containers of the named tools (all when none is named). */
export async function stopCommand(app: App, tools: readonly string[]): Promise<number> {
  tools.forEach(checkToolName);
  const found = tools.length ? (await Promise.all(tools.map((t) => listWarm(app, t)))).flat() : await listWarm(app);
  if (!found.length) {
    app.reporter.info(tools.length ? `no warm containers of ${tools.join(', ')}` : 'no warm containers');
    return 0;
  }
  const runtime = app.runtime();
  const out = await runCaptured({ file: runtime.path, argv: warmRemoveArgv(runtime.name, found.map((c) => c.name)), env: app.runtimeEnv() });
  expectSuccess('stopping warm containers', out, 'see `shim ps`; the runtime\'s own `rm --force` works too');
  forgetWarm(app.paths.stateDir, found.map((c) => c.key));
  for (const c of found) app.reporter.info(`stopped: ${c.name} (${c.tool})`);
  return 0;
}
