// Keeps track of warm containers (the planner, plan/warm.ts, decides every flag): finds the live
// container of a policy from a small state file, or starts one, and returns the call's exec command
// and how to signal it. Whether a recorded container still runs is read from /proc (its init's pid and
// start time), so a call into a warm container costs no extra runtime command.
import fs from 'node:fs';
import path from 'node:path';
import { withLock, writeFileAtomic } from '../lock.js';
import { RuntimeError } from '../errors.js';
import { CALL_END_SLACK_MS, warmExecArgv, warmRemoveArgv, warmReusable, warmSignals, type WarmPlan, type WarmState } from '../plan/warm.js';
import { expectSuccess, runCaptured, type Command, type SignalPlan } from './exec.js';
import { ensureSharedLifelineDir, lifelineDirId } from './lifeline.js';

export interface WarmContext {
  runtimePath: string;
  runtimeEnv: Readonly<Record<string, string>>;
  stateDir: string;
  now: () => number;
  /** Reported once when a container is started (it is then reused by later calls). */
  onStart?: (name: string) => void;
}

export interface WarmCall {
  command: Command;
  signals: SignalPlan;
  /** The container the call runs in, and whether this call started it. */
  container: string;
  started: boolean;
}

export function warmStateFile(stateDir: string, key: string): string {
  return path.join(stateDir, 'warm', `${key}.json`);
}

export function readWarmState(file: string): WarmState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as WarmState;
    return typeof s.name === 'string' && Number.isInteger(s.pid) && typeof s.pidStart === 'string' && typeof s.lastUse === 'number' && typeof s.idleSeconds === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** The start time (field 22 of /proc/PID/stat, in clock ticks since boot) of a host process, if it runs. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name, which may hold spaces or parentheses itself
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the recorded container still runs, with the very lifeline directory the call's socket goes
 *  in (one made anew since, or a record from before lifelines, would leave the call unwatched). */
const alive = (s: WarmState | undefined, lifelineDir: string) =>
  s !== undefined && processStart(s.pid) === s.pidStart && s.lifelineDir !== undefined && s.lifelineDir === lifelineDirId(lifelineDir);

/** Starts the policy's container and records it. Its init's pid must be visible here: with a runtime
 *  on another host (or in another pid namespace) shim could not tell whether it still runs. */
async function start(warm: WarmPlan, ctx: WarmContext, file: string): Promise<WarmState> {
  const run = (argv: string[]) => runCaptured({ file: ctx.runtimePath, argv, env: ctx.runtimeEnv });
  // the calls' lifeline directory is mounted from the start (each call adds its socket there)
  const lifelineDir = ensureSharedLifelineDir(warm.lifeline.dir);
  expectSuccess('starting the warm container', await run(warm.startArgv), 'run again with SHIM_DEBUG=1, or set "warm": false for this tool');
  const pidOut = await run(warm.pidArgv);
  const pid = Number(pidOut.stdout.trim());
  const pidStart = Number.isInteger(pid) && pid > 0 ? processStart(pid) : undefined;
  if (pidStart === undefined) {
    await run(warmRemoveArgv([warm.name]));
    throw new RuntimeError(
      `the warm container's process (pid ${pidOut.stdout.trim() || '?'}) is not visible on this host, so shim could not tell later whether it still runs`,
      'warm containers need the runtime on this host (not a remote daemon): set "warm": false for this tool',
    );
  }
  const state: WarmState = { name: warm.name, pid, pidStart: pidStart!, lastUse: ctx.now(), idleSeconds: warm.idleSeconds, lifelineDir };
  writeFileAtomic(file, JSON.stringify(state));
  ctx.onStart?.(warm.name);
  return state;
}

/** Finds the live container of the plan's policy (starting one when none is), records this call's use,
 *  and returns the call's exec command and signals. The record is read and written under its lock, so
 *  a call never puts back a container another one has just replaced. */
export async function prepareWarmCall(warm: WarmPlan, ctx: WarmContext): Promise<WarmCall> {
  const file = warmStateFile(ctx.stateDir, warm.key);
  let started = false;
  // one start per policy however many calls arrive at once; the others wait, then reuse it
  const state = await withLock(`${file}.lock`, async () => {
    const recorded = readWarmState(file);
    if (recorded && warmReusable(recorded, ctx.now(), alive(recorded, warm.lifeline.dir))) {
      writeFileAtomic(file, JSON.stringify({ ...recorded, lastUse: ctx.now() }));
      return recorded;
    }
    started = true;
    return start(warm, ctx, file);
  });
  return {
    command: { file: ctx.runtimePath, argv: warmExecArgv(warm, state.name), env: ctx.runtimeEnv },
    signals: warmSignals(warm, state.name, ctx.runtimePath),
    container: state.name,
    started,
  };
}

/** Records the end of a call as a use of its container (less a second, see CALL_END_SLACK_MS), so a
 *  long call does not make the next one start a second container. Never fails the run. */
export async function noteWarmCallEnded(stateDir: string, key: string, container: string, now: number): Promise<void> {
  const file = warmStateFile(stateDir, key);
  try {
    await withLock(`${file}.lock`, async () => {
      const recorded = readWarmState(file);
      if (recorded?.name !== container) return;
      writeFileAtomic(file, JSON.stringify({ ...recorded, lastUse: Math.max(recorded.lastUse, now - CALL_END_SLACK_MS) }));
    });
  } catch {
    // a record that cannot be written only means the next call may start a new container
  }
}

/** Forgets the recorded containers of the given keys (after `shim stop`). */
export function forgetWarm(stateDir: string, keys: readonly string[]): void {
  for (const key of keys) fs.rmSync(warmStateFile(stateDir, key), { force: true });
}
