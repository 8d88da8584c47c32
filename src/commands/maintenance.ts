// `shim rebuild`, `shim install` and `shim prune`: image and install upkeep.
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/with-config-files.js';
import { readLockFile, updateLockFile } from '../install/lockfile.js';
import { setupOf } from '../facts/setup.js';
import { TOOL_VOLUME_PREFIX } from '../plan/names.js';
import { volumeListArgv, volumeMountpointArgv, volumeRemoveArgv, volumesToPrune } from '../plan/volume-plan.js';
import { resolveTool, listToolNames } from '../config/merge.js';
import { ensureInstalled, type InstallOptions } from '../install/ensure.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';
import { ensureImage } from '../runtime/image.js';
import { checkToolName, imageContext, installContext } from './run.js';

export async function rebuild(app: App): Promise<number> {
  const ref = await ensureImage(imageContext(app), { force: true });
  app.reporter.info(`built ${ref}`);
  return 0;
}

/** Installs the named tools (all configured tools when none is named); `force` reinstalls the locked
 *  version, `upgrade` resolves the spec again and reports old → new. */
export async function installTools(app: App, names: readonly string[], options: InstallOptions): Promise<number> {
  names.forEach(checkToolName);
  const config = app.config();
  const tools = (names.length ? names : listToolNames(config.layers)).map((n) => resolveTool(n, config, app.paths.configDir));
  const ctx = imageContext(app);
  const image = await ensureImage(ctx);
  for (const tool of tools) {
    const outcome = await ensureInstalled(installContext(app, ctx, image), tool, options);
    const change = outcome.previous ? `${outcome.previous} → ${outcome.version}` : options.upgrade ? `${outcome.version} (unchanged)` : outcome.version;
    app.reporter.info(`${tool.name}: ${tool.tool} ${change}${outcome.installed ? '' : ' (already installed)'}`);
  }
  return 0;
}

function directorySize(dir: string): number | undefined {
  try {
    let total = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) total += fs.lstatSync(path.join(entry.parentPath, entry.name)).size;
    }
    return total;
  } catch {
    return undefined; // docker's volumes are closed to non-root users
  }
}

/** This setup's tool volumes: labelled with its id, or recorded in its lock file for this runtime
 *  (installs made before volumes had labels). */
async function ownToolVolumes(app: App, run: (argv: string[]) => ReturnType<typeof runCaptured>, runtime: string, setup: string): Promise<string[]> {
  const labelled = expectSuccess('listing volumes', await run(volumeListArgv(setup)), 'check that the runtime works').stdout.split('\n');
  const recorded = Object.values(readLockFile(app.paths.stateDir).tools).map((t) => t.installs[runtime]?.volume);
  return [...labelled, ...recorded].filter((v): v is string => Boolean(v?.startsWith(TOOL_VOLUME_PREFIX)));
}

/** Removes this setup's download cache volumes (and the unscoped ones older shims shared); with `all`,
 *  this setup's tool volumes too (tools then reinstall their locked versions on next use). Another
 *  setup's volumes are never touched. Reports the space that came back when the volumes are readable. */
export async function prune(app: App, all: boolean): Promise<number> {
  const ctx = imageContext(app);
  const setup = setupOf(app);
  const run = (argv: string[]) => runCaptured({ file: ctx.runtime.path, argv, env: ctx.runtimeEnv });
  const listed = expectSuccess('listing volumes', await run(volumeListArgv()), 'check that the runtime works');
  const ownTools = all ? await ownToolVolumes(app, run, ctx.runtime.name, setup) : [];
  const volumes = volumesToPrune({ names: listed.stdout.split('\n'), ownTools, setup }, all);
  let freed = 0;
  let unknown = false;
  const removedTools: string[] = [];
  for (const volume of volumes) {
    const where = await run(volumeMountpointArgv(volume));
    const size = where.exitCode === 0 ? directorySize(where.stdout.trim()) : undefined;
    const out = await run(volumeRemoveArgv(volume));
    if (out.exitCode !== 0) {
      app.reporter.warn(`skip: ${volume} (${out.stderr.trim() || 'in use'})`);
      continue;
    }
    app.reporter.info(`removed: ${volume}`);
    if (size === undefined) unknown = true;
    else freed += size;
    if (volume.startsWith(TOOL_VOLUME_PREFIX)) removedTools.push(volume);
  }
  if (removedTools.length) {
    // keep the locked versions; forget only this runtime's copies
    await updateLockFile(app.paths.stateDir, (lock) => {
      for (const entry of Object.values(lock.tools)) {
        const volume = entry.installs[ctx.runtime.name]?.volume;
        if (volume && removedTools.includes(volume)) delete entry.installs[ctx.runtime.name];
      }
    });
  }
  if (!volumes.length) app.reporter.info(all ? 'no shim volumes to remove' : 'no cache volumes to remove');
  else app.reporter.info(`freed ${(freed / 1024 / 1024).toFixed(1)} MiB${unknown ? ' (plus volumes whose size could not be read)' : ''}`);
  return 0;
}
