// `shim pause NAME` and `shim resume NAME`: freeze every process of a session (NAME is its name) or of
// a warm container (the container's name or its tool's) and thaw it again. A call into a paused
// container waits until resume.
import type { App } from '../app/with-config-files.js';
import { RuntimeError, UsageError } from '../errors.js';
import { choosePausable, pauseObstacle, type PauseAction } from '../plan/pause.js';
import { freezeSupported } from '../runtime/detect.js';
import { executePause } from '../runtime/pause.js';
import { listWarm } from './warm.js';
import { listSessions } from './session-ps.js';

/** Pauses or resumes the warm containers `name` means; refuses where the host cannot freeze. */
export async function pauseCommand(app: App, action: PauseAction, name: string, options: { json?: boolean } = {}): Promise<number> {
  const runtime = app.runtime();
  const obstacle = pauseObstacle(runtime, freezeSupported(runtime));
  if (obstacle) throw new RuntimeError(obstacle, 'run the tool with rootful podman or docker, or boot the host with cgroup v2 (systemd.unified_cgroup_hierarchy=1)');
  const session = (await listSessions(app)).find((s) => s.name === name && (s.state === 'running' || s.state === 'paused'));
  if (session) {
    if (session.state !== (action === 'pause' ? 'running' : 'paused')) throw new UsageError(`nothing to ${action}: session ${name} is ${session.state}`, 'see `shim ps`');
    await executePause(action, [session.container], { path: runtime.path, env: app.runtimeEnv() });
    if (options.json) app.stdout(`${JSON.stringify({ action, session: name, containers: [{ name: session.container, tool: session.tool }] }, null, 2)}\n`);
    else app.reporter.info(`${action === 'pause' ? 'paused' : 'resumed'}: session ${name} (${session.tool})`);
    return 0;
  }
  // pause: the running warm containers; resume: the paused ones
  const { targets, error } = choosePausable(action, name, await listWarm(app));
  if (error !== undefined) throw new UsageError(error, 'name a session, container or tool from `shim ps` (its STATE column)');
  await executePause(action, targets.map((t) => t.name), { path: runtime.path, env: app.runtimeEnv() });
  if (options.json) app.stdout(`${JSON.stringify({ action, containers: targets.map((t) => ({ name: t.name, tool: t.tool })) }, null, 2)}\n`);
  else for (const t of targets) app.reporter.info(`${action === 'pause' ? 'paused' : 'resumed'}: ${t.name} (${t.tool})`);
  return 0;
}
