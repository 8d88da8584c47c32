// Keeps track of warm containers (the planner, plan/warm.ts, decides every flag): finds the live
// container of a policy from a small state file, or starts one (and takes its keeper's secret at
// birth), and returns what the call needs to reach the keeper. Whether a recorded container still runs
// is read from /proc (its init's pid and start time), so a warm call runs no runtime command at all.
import fs from 'node:fs';
import path from 'node:path';
import { withLock, writeFileAtomic } from '../lock.js';
import { RuntimeError } from '../errors.js';
import { createHash, randomBytes } from 'node:crypto';
import { CALL_END_SLACK_MS, WARM_BIRTH_ENV, warmBirthSocket, warmCallSocket, warmReusable, type WarmPlan, type WarmState } from '../plan/warm.js';
import { expectSuccess, runCaptured } from './exec.js';
import { ensureSharedLifelineDir, lifelineDirId } from './lifeline.js';
import { listenForBirth, type KeeperCallSpec } from './keeper-call.js';
import { processStart } from './proc.js';
import { withPassedEnv } from '../plan/runtime-env.js';

export interface WarmContext {
  runtimePath: string;
  runtimeEnv: Readonly<Record<string, string>>;
  stateDir: string;
  now: () => number;
  /** Reported once when a container is started (it is then reused by later calls). */
  onStart?: (name: string) => void;
}

export interface WarmCall {
  /** What the call needs to reach the container's keeper. */
  keeperCall: KeeperCallSpec;
  /** The container the call runs in, whether this call started it, and when its use was recorded. */
  container: string;
  started: boolean;
  usedAt: number;
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

/** How long a new container's keeper has to report; it takes milliseconds. */
const BIRTH_TIMEOUT_MS = 30_000;

/** Whether the recorded container still runs, with the very lifeline directory the call's socket goes
 *  in (one made anew since, or a record from before keepers had secrets, cannot serve the call). */
const alive = (s: WarmState | undefined, lifelineDir: string) =>
  s !== undefined && processStart(s.pid) === s.pidStart && s.lifelineDir !== undefined && s.lifelineDir === lifelineDirId(lifelineDir) && !!s.tag && !!s.secretHash;

/** Waits for the keeper's secret; fails early when the container is gone (its keeper could not run). */
async function awaitSecret(secret: Promise<string>, pid: number, pidStart: string): Promise<string | undefined> {
  const deadline = Date.now() + BIRTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const got = await Promise.race([secret, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    if (got !== undefined) return got;
    if (processStart(pid) !== pidStart) return undefined;
  }
  return undefined;
}

/** Starts the policy's container and records it. Its init's pid must be visible here: with a runtime
 *  on another host (or in another pid namespace) shim could not tell whether it still runs, nor ring its
 *  keeper. */
async function start(warm: WarmPlan, ctx: WarmContext, file: string): Promise<WarmState> {
  const run = (argv: string[], env = ctx.runtimeEnv) => runCaptured({ file: ctx.runtimePath, argv, env });
  // the calls' lifeline directory is mounted from the start (each call adds its socket there)
  const lifelineDir = ensureSharedLifelineDir(warm.lifelineDir);
  // the nonce goes to the new keeper alone (through the runtime's environment, never an argv)
  const nonce = randomBytes(16).toString('hex');
  const birth = await listenForBirth(warmBirthSocket(warm.lifelineDir, warm.tag), nonce);
  try {
    expectSuccess('starting the warm container', await run(warm.startArgv, withPassedEnv(ctx.runtimeEnv, { [WARM_BIRTH_ENV]: nonce })), 'run again with SHIM_DEBUG=1, or set "warm": false for this tool');
    const pidOut = await run(warm.pidArgv);
    const pid = Number(pidOut.stdout.trim());
    const pidStart = Number.isInteger(pid) && pid > 0 ? processStart(pid) : undefined;
    if (pidStart === undefined) {
      await run(warm.removeArgv);
      throw new RuntimeError(
        `the warm container's process (pid ${pidOut.stdout.trim() || '?'}) is not visible on this host, so shim could not tell later whether it still runs`,
        'warm containers need the runtime on this host (not a remote daemon): set "warm": false for this tool',
      );
    }
    const secret = await awaitSecret(birth.secret, pid, pidStart);
    if (secret === undefined) {
      await run(warm.removeArgv);
      throw new RuntimeError("the warm container's keeper did not report at its start", 'run `shim doctor` (the image may predate this shim), or set "warm": false for this tool');
    }
    const secretHash = createHash('sha256').update(secret).digest('hex');
    const state: WarmState = { name: warm.name, pid, pidStart, lastUse: ctx.now(), idleSeconds: warm.idleSeconds, lifelineDir, tag: warm.tag, secretHash };
    writeFileAtomic(file, JSON.stringify(state));
    ctx.onStart?.(warm.name);
    return state;
  } finally {
    birth.close();
  }
}

/** Finds the live container of the plan's policy (starting one when none is), records this call's use,
 *  and returns how the call reaches its keeper. The record is read and written under its lock, so
 *  a call never puts back a container another one has just replaced. */
export async function prepareWarmCall(warm: WarmPlan, ctx: WarmContext): Promise<WarmCall> {
  const file = warmStateFile(ctx.stateDir, warm.key);
  let started = false;
  // one start per policy however many calls arrive at once; the others wait, then reuse it
  const state = await withLock(`${file}.lock`, async () => {
    const recorded = readWarmState(file);
    const now = ctx.now();
    if (recorded && warmReusable(recorded, now, alive(recorded, warm.lifelineDir))) {
      const used = { ...recorded, lastUse: now };
      writeFileAtomic(file, JSON.stringify(used));
      return used;
    }
    started = true;
    return start(warm, ctx, file);
  });
  return {
    keeperCall: {
      keeper: { pid: state.pid, pidStart: state.pidStart, secretHash: state.secretHash! },
      socketPath: warmCallSocket(warm.lifelineDir, state.tag!, warm.callId),
      cwd: warm.cwd,
      argv: warm.argv,
      terminal: warm.terminal,
      terminalEnv: warm.terminalEnv,
    },
    container: state.name,
    started,
    usedAt: state.lastUse,
  };
}

/** Records the end of a call as a use of its container (less a second, see CALL_END_SLACK_MS), so a
 *  long call does not make the next one start a second container; a call that took less than that
 *  changes nothing (its start is recorded already). Never fails the run. */
export async function noteWarmCallEnded(stateDir: string, key: string, container: string, usedAt: number, now: number): Promise<void> {
  if (now - CALL_END_SLACK_MS <= usedAt) return;
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
