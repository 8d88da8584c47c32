// Asks the runtime whether a container was killed for running out of memory (see plan/oom.ts).
import type { RuntimeInfo } from '../host.js';
import { oomEventsArgv, parseOomEvents } from '../plan/oom.js';
import { runCaptured } from './exec.js';

/** True when the runtime's event log holds an OOM kill of `container` since `sinceMs`; false when it
 *  holds none or cannot be asked (never a guess that it was). */
export async function askOomKilled(ctx: { runtime: RuntimeInfo; runtimeEnv: Readonly<Record<string, string>> }, container: string, sinceMs: number): Promise<boolean> {
  try {
    const out = await runCaptured({ file: ctx.runtime.path, argv: oomEventsArgv(ctx.runtime, container, sinceMs, Date.now()), env: ctx.runtimeEnv }, undefined, undefined, { timeoutMs: 10_000 });
    return out.exitCode === 0 && parseOomEvents(out.stdout);
  } catch {
    return false;
  }
}
