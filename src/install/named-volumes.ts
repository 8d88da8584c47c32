// Named volumes (`"src": "claude-state"`): persistent state of one tool of one setup without exposing a
// host directory. shim creates each once, labelled with its setup; podman hands a new volume to the
// container's user by itself, docker creates it owned by root, so for a non-root user shim chowns it.
// A volume an older shim named after the tool alone (shared by every setup on the runtime) is copied
// into the setup's own at its first use, so a sign-in kept there is not lost. What was prepared is
// remembered in the state directory: a run after the first costs no runtime command.
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { writeFileAtomic } from '../lock.js';
import { isVolumeName } from '../path-helpers.js';
import { legacyNamedVolume, namedVolume } from '../plan/names.js';
import { volumeChownArgv, volumeCopyArgv } from '../plan/volume-plan.js';
import type { Reporter } from '../report.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';
import { ensureVolume, volumeExists } from './volumes.js';

/** The runtime volumes a tool's config declares, with the names older shims gave them. */
export function namedVolumesOf(tool: ResolvedTool, setup: string): { volume: string; legacy: string }[] {
  return tool.mounts.filter((m) => isVolumeName(m.src)).map((m) => ({ volume: namedVolume(tool.name, m.src, setup), legacy: legacyNamedVolume(tool.name, m.src) }));
}

/** Whether shim must prepare the volume's owner itself (docker, non-root user). */
export function needsChown(runtime: RuntimeInfo, uid: number): boolean {
  return runtime.name === 'docker' && uid !== 0;
}

export interface NamedVolumeContext {
  host: HostEnv;
  runtime: RuntimeInfo;
  runtimeEnv: Record<string, string>;
  stateDir: string;
  setup: string;
  image: string;
  reporter: Reporter;
}

function readDone(file: string): string[] {
  try {
    const done = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(done) ? done.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return []; // none prepared yet
  }
}

export async function prepareNamedVolumes(tool: ResolvedTool, ctx: NamedVolumeContext): Promise<void> {
  const volumes = namedVolumesOf(tool, ctx.setup);
  if (!volumes.length) return;
  const file = path.join(ctx.stateDir, 'named-volumes.json');
  const done = readDone(file);
  const todo = volumes.filter((v) => !done.includes(v.volume));
  if (!todo.length) return;
  const run = (argv: string[]) => runCaptured({ file: ctx.runtime.path, argv, env: ctx.runtimeEnv });
  const hint = `check that ${ctx.runtime.name} works (shim doctor)`;
  for (const { volume, legacy } of todo) {
    const runtime = { path: ctx.runtime.path, env: ctx.runtimeEnv };
    const created = await ensureVolume(runtime, volume, { setup: ctx.setup, tool: tool.name });
    if (created && (await volumeExists(runtime, legacy))) {
      expectSuccess(`copying volume ${legacy} into ${volume}`, await run(volumeCopyArgv(ctx.image, legacy, volume)), hint);
      ctx.reporter.info(
        `${tool.name}: copied ${legacy} (an older shim's volume, shared by every setup on this ${ctx.runtime.name}) into ${volume}, this setup's own; ` +
          `the old one is left as it was: remove it with \`${ctx.runtime.name} volume rm ${legacy}\` once no other setup needs it`,
      );
    }
    if (needsChown(ctx.runtime, ctx.host.uid)) expectSuccess(`preparing volume ${volume}`, await run(volumeChownArgv(ctx.image, volume, ctx.host.uid, ctx.host.gid)), hint);
    done.push(volume);
    writeFileAtomic(file, `${JSON.stringify(done)}\n`);
  }
}
