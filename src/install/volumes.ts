// Creates shim's volumes itself, labelled with their setup, rather than letting a `run --mount` make an
// unlabelled one: `shim prune` then finds this setup's volumes, and only them.
import { volumeCreateArgv, volumeNameArgv } from '../plan/volume-plan.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';

export interface VolumeRuntime {
  path: string;
  env: Record<string, string>;
}

/** Whether a volume of exactly this name exists (not one it is a prefix of). */
export async function volumeExists(runtime: VolumeRuntime, volume: string): Promise<boolean> {
  const out = await runCaptured({ file: runtime.path, argv: volumeNameArgv(volume), env: runtime.env });
  return out.exitCode === 0 && out.stdout.trim() === volume;
}

/** Creates the volume with its labels unless it exists; returns whether it was created. */
export async function ensureVolume(runtime: VolumeRuntime, volume: string, labels: { setup: string; tool: string }): Promise<boolean> {
  const run = (argv: string[]) => runCaptured({ file: runtime.path, argv, env: runtime.env });
  if (await volumeExists(runtime, volume)) return false;
  const out = await run(volumeCreateArgv(volume, labels));
  // another shim may have created it in between: that is as good
  if (out.exitCode !== 0 && (await volumeExists(runtime, volume))) return false;
  expectSuccess(`creating volume ${volume}`, out, 'check that the runtime works (shim doctor)');
  return true;
}
