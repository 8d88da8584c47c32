// Pauses or resumes containers through the runtime (the argv comes from plan/pause.ts).
import { expectSuccess, runCaptured } from './exec.js';
import { pauseArgv, type PauseAction } from '../plan/pause.js';

/** Runs `pause`/`unpause` on each container; throws a RuntimeError with the runtime's message on failure. */
export async function executePause(action: PauseAction, containers: readonly string[], runtime: { path: string; env: Readonly<Record<string, string>> }): Promise<void> {
  for (const name of containers) {
    const out = await runCaptured({ file: runtime.path, argv: pauseArgv(action, name), env: runtime.env });
    expectSuccess(`${action === 'pause' ? 'pausing' : 'resuming'} ${name}`, out, action === 'pause' ? 'see `shim ps`; a container already paused stays paused' : 'see `shim ps`; a container that is not paused needs no resume');
  }
}
