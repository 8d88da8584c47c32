// `shim rebuild`, `shim install` and `shim prune`: image and install upkeep.
import type { App } from '../app.js';
import { resolveTool, listToolNames } from '../config/merge.js';
import { ensureInstalled } from '../install/ensure.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';
import { ensureImage } from '../runtime/image.js';
import { checkToolName, imageContext } from './run.js';

export async function rebuild(app: App): Promise<number> {
  const ref = await ensureImage(imageContext(app), { force: true });
  app.reporter.info(`built ${ref}`);
  return 0;
}

/** Installs the named tools (all configured tools when none is named); `force` reinstalls. */
export async function installTools(app: App, names: readonly string[], force: boolean): Promise<number> {
  names.forEach(checkToolName);
  const config = app.config();
  const tools = (names.length ? names : listToolNames(config.layers)).map((n) => resolveTool(n, config, app.paths.configDir));
  const ctx = imageContext(app);
  const image = await ensureImage(ctx);
  for (const tool of tools) {
    const stamp = await ensureInstalled(
      { host: app.host, stateDir: app.paths.stateDir, runtime: ctx.runtime, runtimeEnv: ctx.runtimeEnv, image, caBundle: app.caBundle(), reporter: app.reporter, newRunId: app.newRunId },
      tool,
      force,
    );
    app.reporter.info(`${tool.name}: ${stamp.spec} ${stamp.version}`);
  }
  return 0;
}

/** Removes the download cache volumes (installs are kept, so every tool stays runnable offline). */
export async function prune(app: App): Promise<number> {
  const ctx = imageContext(app);
  const run = (argv: string[]) => runCaptured({ file: ctx.runtime.path, argv, env: ctx.runtimeEnv });
  const listed = expectSuccess('listing volumes', await run(['volume', 'ls', '--format', '{{.Name}}']), 'check that the runtime works');
  const caches = listed.stdout.split('\n').filter((v) => v === 'shim-cache' || v.startsWith('shim-cache-'));
  for (const volume of caches) {
    const out = await run(['volume', 'rm', volume]);
    if (out.exitCode === 0) app.reporter.info(`removed: ${volume}`);
    else app.reporter.warn(`skip: ${volume} (${out.stderr.trim() || 'in use'})`);
  }
  if (!caches.length) app.reporter.info('no cache volumes to remove');
  return 0;
}
