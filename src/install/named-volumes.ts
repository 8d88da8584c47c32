// Named volumes (`"src": "claude-state"`): persistent state of one tool without exposing a host
// directory. Podman hands a new volume to the container's user by itself; docker creates it owned by
// root, so for a non-root user shim creates and chowns it once (remembered in the state directory).
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { writeFileAtomic } from '../lock.js';
import { isVolumeName } from '../path-helpers.js';
import { namedVolume } from '../plan/names.js';
import { volumeChownArgv, volumeCreateArgv, volumeMountpointArgv } from '../plan/volume-plan.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';

/** The runtime volumes a tool's config declares. */
export function namedVolumesOf(tool: ResolvedTool): string[] {
  return tool.mounts.filter((m) => isVolumeName(m.src)).map((m) => namedVolume(tool.name, m.src));
}

/** Whether shim must prepare the volume's owner itself (docker, non-root user). */
export function needsChown(runtime: RuntimeInfo, uid: number): boolean {
  return runtime.name === 'docker' && uid !== 0;
}

export async function prepareNamedVolumes(
  tool: ResolvedTool,
  ctx: { host: HostEnv; runtime: RuntimeInfo; runtimeEnv: Record<string, string>; stateDir: string; image: string },
): Promise<void> {
  const volumes = namedVolumesOf(tool);
  if (!volumes.length || !needsChown(ctx.runtime, ctx.host.uid)) return;
  const file = path.join(ctx.stateDir, 'named-volumes.json');
  let done: string[] = [];
  try {
    done = JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
  } catch {
    // none prepared yet
  }
  const run = (argv: string[]) => runCaptured({ file: ctx.runtime.path, argv, env: ctx.runtimeEnv });
  for (const volume of volumes.filter((v) => !done.includes(v))) {
    if ((await run(volumeMountpointArgv(volume))).exitCode !== 0) {
      expectSuccess(`creating volume ${volume}`, await run(volumeCreateArgv(volume)), 'check that docker works');
    }
    expectSuccess(`preparing volume ${volume}`, await run(volumeChownArgv(ctx.image, volume, ctx.host.uid, ctx.host.gid)), 'check that docker works');
    done.push(volume);
    writeFileAtomic(file, `${JSON.stringify(done)}\n`);
  }
}
