// Creates shim's volumes itself, labelled with their setup, rather than letting a `run --mount` make an
// unlabelled one: `shim prune` then finds this setup's volumes, and only them.
import { volumeCreateArgv, volumeMountpointArgv } from '../plan/volume-plan.js';
import { expectSuccess, runCaptured } from '../runtime/exec.js';

export interface VolumeRuntime {
  path: string;
  env: Record<string, string>;
}

/** Creates the volume with its labels unless it exists; returns whether it was created. */
export async function ensureVolume(runtime: VolumeRuntime, volume: string, labels: { setup: string; tool: string }): Promise<boolean> {
  const run = (argv: string[]) => runCaptured({ file: runtime.path, argv, env: runtime.env });
  if ((await run(volumeMountpointArgv(volume))).exitCode === 0) return false;
  const out = await run(volumeCreateArgv(volume, labels));
  // another shim may have created it in between: that is as good
  if (out.exitCode !== 0 && (await run(volumeMountpointArgv(volume))).exitCode === 0) return false;
  expectSuccess(`creating volume ${volume}`, out, 'check that the runtime works (shim doctor)');
  return true;
}
