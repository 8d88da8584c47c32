// The executor: runs argv the planner built, and decides nothing about the container. Three shapes:
// the tool in the foreground (stdio inherited, signals forwarded), a build whose output goes to
// stderr, and a captured call (installs, queries).
import { spawn } from 'node:child_process';
import os from 'node:os';
// execa is loaded only for captured calls (installs, builds, queries): a tool run on the hot path
// spawns the runtime with node:child_process and never pays for loading it
import type { Result } from 'execa';
import { ExitCode, RuntimeError, RuntimeNotFoundError, ShimError } from '../errors.js';
import { holdLifeline } from './lifeline.js';
import { copyWithBudget, watchOutputClosed, type Budget } from './output-budget.js';
import { tailOf } from './tail.js';
import { setLongTimeout } from './long-timeout.js';
import type { LifelinePlan } from '../plan/lifeline.js';
import { KeeperCall } from './keeper-call.js';
import { FORWARDED_SIGNALS, type ForwardedSignal } from '../plan/container.js';
import { terminalSize, type Command, type Launched, type SignalPlan } from './launch.js';

export type { Command, Launched, SignalPlan } from './launch.js';

export interface Captured {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Stopped by CapturedLimits.timeoutMs (the cleanup ran). */
  timedOut?: boolean;
  /** Output beyond CapturedLimits.keepBytes was dropped (the first bytes of that stream are gone). */
  truncated?: boolean;
}

/** Limits of a captured call, decided by the planner. */
export interface CapturedLimits {
  /** After this long the cleanup runs (the container is removed) and the client is ended. */
  timeoutMs?: number;
  /** Keep only the last this many bytes of stdout and of stderr. */
  keepBytes?: number;
}

/** The launcher error for a spawn that failed with this errno code (127 not found, 126 not runnable). */
export function spawnFailure(file: string, code: string | undefined): ShimError | undefined {
  if (code === 'ENOENT') return new RuntimeNotFoundError(`cannot run ${file}: not found`, 'install podman or docker, or fix PATH');
  if (code === 'EACCES') return new ShimError(`cannot run ${file}: permission denied`, ExitCode.cannotInvoke, 'check its permissions');
  return undefined;
}

function launchFailure(cmd: Command, result: Result): ShimError | undefined {
  return spawnFailure(cmd.file, (result as { code?: string }).code);
}

/** A process's exit status as a shell reports it: its code, else 128+N after signal N. */
export function exitStatus(code: number | null | undefined, signal: NodeJS.Signals | null | undefined): number {
  if (code !== null && code !== undefined) return code;
  const n = signal ? os.constants.signals[signal] : undefined;
  return n ? 128 + n : ExitCode.launcherFailed;
}

/** The name of signal number `n` ("SIGTERM"), when it has one. */
export function signalName(n: number): string | undefined {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0];
}

function statusOf(result: Result): number {
  return exitStatus(result.exitCode, result.signal as NodeJS.Signals | undefined);
}

/** Runs a runtime command with no output; resolves to its exit code (-1 when it could not start). */
export function spawnQuiet(file: string, argv: readonly string[], env: Readonly<Record<string, string>>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, [...argv], { env, stdio: 'ignore' });
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code ?? -1));
  });
}

/** Starts the watchdog detached (its own process group: a terminal's Ctrl-C must not end it). */
export function startWatchdog(argv: readonly string[] | undefined, env: Readonly<Record<string, string>>) {
  if (!argv?.length) return undefined;
  const [file, ...args] = argv;
  const dog = spawn(file!, args, { env, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  dog.on('error', () => {}); // no watchdog is no reason to fail the run
  dog.stdin!.on('error', () => {});
  dog.unref();
  return dog;
}

/** Limits shim enforces itself, decided by the planner. */
export interface ForegroundLimits {
  timeoutMs?: number;
  /** Combined stdout+stderr budget; when set, output is copied through shim instead of inherited. */
  outputBytes?: number;
  /** Called once when output goes over the budget (the rest is read and dropped). */
  onOutputCut?: () => void;
  /** Keep the last this many bytes of the tool's stderr for the caller (ForegroundResult.stderrTail):
   *  stderr is then copied through shim instead of inherited. */
  stderrTailBytes?: number;
}

export interface ForegroundResult {
  status: number;
  timedOut: boolean;
  outputCut: boolean;
  /** The reader of shim's output went away: the run was ended and its status is OUTPUT_CLOSED_STATUS. */
  outputClosed: boolean;
  /** A warm call was killed because its container was stopped under it (`shim stop`). */
  containerGone?: boolean;
  /** The end of the tool's stderr, when ForegroundLimits.stderrTailBytes asked for it. */
  stderrTail?: string;
}

/** How long a timed-out tool gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 5000;

/** Exit status of a run whose output was closed by the reader (`tool | head -1`): like SIGPIPE. */
export const OUTPUT_CLOSED_STATUS = 128 + os.constants.signals.SIGPIPE;

/**
 * Runs the tool's container in the foreground and returns its exit status (128+N after a signal).
 * A forwarded signal is delivered through the runtime's `kill` (falling back to signalling the client
 * when the container does not exist yet). SIGINT is forwarded only when shim has no terminal: on a
 * terminal, Ctrl-C already reaches the runtime (same process group) and a second copy would make the
 * tool see two interrupts. A warm call that the container's keeper runs (signals.keeperCall) gets
 * every signal through shim, over its connection, and its stdio is always copied. After any signal
 * the cleanup runs, so nothing of the run is left. Stdio is inherited unless an output budget is set.
 */
export async function runForeground(cmd: Command, signals: SignalPlan, onTerminal: boolean, limits: ForegroundLimits = {}): Promise<ForegroundResult> {
  const keeper = signals.keeperCall;
  // a keeper call's streams are sockets: its output is always copied (an unlimited budget at most)
  const budget: Budget | undefined = limits.outputBytes || keeper ? { left: limits.outputBytes ?? Infinity, cut: false, closed: false } : undefined;
  const lifeline = signals.lifeline ? await holdLifeline(signals.lifeline) : undefined;
  const watchdog = startWatchdog(signals.watchdogArgv, cmd.env);
  const child: Launched = keeper
    ? new KeeperCall(keeper, keeper.terminal ? terminalSize() : undefined)
    : spawn(cmd.file, [...cmd.argv], {
        env: cmd.env,
        stdio: ['inherit', budget ? 'pipe' : 'inherit', budget || limits.stderrTailBytes ? 'pipe' : 'inherit'],
      });
  const stderrTail = limits.stderrTailBytes ? tailOf(child.stderr, limits.stderrTailBytes) : undefined;
  if (stderrTail && !budget) child.stderr!.pipe(process.stderr, { end: false });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  // a keeper call on a terminal: the terminal's keys go to the tool's own terminal as they are typed
  // (Ctrl-C included: its terminal makes the signal), and its size follows ours
  const raw = keeper?.terminal && process.stdin.isTTY ? (process.stdin as NodeJS.ReadStream & { setRawMode(on: boolean): void }) : undefined;
  const onResize = () => (child as KeeperCall).resize(terminalSize());
  if (raw) {
    raw.setRawMode(true);
    process.stdout.on('resize', onResize);
  }
  if (keeper) process.stdin.pipe(child.stdin!);
  const quiet = (argv: readonly string[]) => spawnQuiet(cmd.file, argv, cmd.env);
  const deliver = (sig: ForwardedSignal) =>
    keeper
      ? void child.kill(sig)
      : void quiet(signals.signalArgv[sig]).then((code) => {
          if (code !== 0) child.kill(sig);
        });
  let signalled = false;
  let timedOut = false;
  const handlers = FORWARDED_SIGNALS.map((sig) => {
    const handler = () => {
      signalled = true;
      // a Ctrl-C on the terminal reached the runtime client too (same process group), not a keeper call
      if (sig === 'SIGINT' && onTerminal && !keeper) return;
      deliver(sig);
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  const timers: NodeJS.Timeout[] = [];
  // ends the tool as a timeout does: SIGTERM through the runtime, SIGKILL after the grace period
  const stop = () => {
    signalled = true;
    deliver('SIGTERM');
    timers.push(setTimeout(() => (keeper ? void child.kill('SIGKILL') : void quiet(signals.forceKillArgv)), KILL_GRACE_MS));
  };
  const timeout = limits.timeoutMs
    ? setLongTimeout(() => {
        timedOut = true;
        stop();
      }, limits.timeoutMs)
    : undefined;
  let unwatch = () => {};
  if (budget) {
    const onCut = limits.onOutputCut ?? (() => {});
    copyWithBudget(child.stdout!, process.stdout, budget, onCut);
    copyWithBudget(child.stderr!, process.stderr, budget, onCut);
    // a closed stdout (`tool | head -1`) ends the run, as SIGPIPE would end a tool writing to it
    unwatch = watchOutputClosed([process.stdout, process.stderr], [child.stdout!, child.stderr!], budget, stop);
  }
  try {
    const result = await exited;
    if (result.error instanceof ShimError) throw result.error;
    if (result.error) throw spawnFailure(cmd.file, result.error.code) ?? new ShimError(`cannot run ${cmd.file}: ${result.error.message}`, ExitCode.launcherFailed);
    if (signalled && !keeper) await quiet(signals.cleanupArgv);
    const ended = exitStatus(result.code, result.signal);
    const outputClosed = budget?.closed ?? false;
    const containerGone = keeper && (child as KeeperCall).containerGone;
    return {
      status: outputClosed ? OUTPUT_CLOSED_STATUS : ended,
      timedOut,
      outputCut: budget?.cut ?? false,
      outputClosed,
      ...(containerGone ? { containerGone } : {}),
      ...(stderrTail ? { stderrTail: stderrTail().text } : {}),
    };
  } finally {
    if (keeper) {
      process.stdin.unpipe(child.stdin!);
      if (raw) {
        raw.setRawMode(false);
        process.stdout.off('resize', onResize);
      }
      process.stdin.destroy();
      (child as KeeperCall).release();
    }
    watchdog?.stdin?.end('done\n');
    lifeline?.release();
    unwatch();
    timeout?.clear();
    for (const t of timers) clearTimeout(t);
    for (const [sig, handler] of handlers) process.off(sig, handler);
  }
}

/** Runs a command whose stdout and stderr both go to shim's stderr (image builds). */
export async function runToStderr(cmd: Command): Promise<number> {
  const { execa } = await import('execa');
  const result = await execa(cmd.file, cmd.argv, { env: cmd.env, extendEnv: false, stdin: 'ignore', stdout: 2, stderr: 2, reject: false });
  const failure = launchFailure(cmd, result);
  if (failure) throw failure;
  return statusOf(result);
}

/** Runs a command and captures its output (installs, image and volume queries), holding the
 *  container's lifeline when it has one; `limits` stop it after a time and bound what is kept. */
export async function runCaptured(cmd: Command, cleanup?: readonly string[], lifelinePlan?: LifelinePlan, limits: CapturedLimits = {}): Promise<Captured> {
  const { execa } = await import('execa');
  const lifeline = lifelinePlan ? await holdLifeline(lifelinePlan) : undefined;
  const keep = limits.keepBytes;
  const child = execa(cmd.file, cmd.argv, { env: cmd.env, extendEnv: false, stdin: 'ignore', reject: false, stripFinalNewline: false, ...(keep ? { buffer: false } : {}) });
  const tails = keep ? [tailOf(child.stdout, keep), tailOf(child.stderr, keep)] : undefined;
  const removeContainer = () => {
    if (cleanup) void execa(cmd.file, cleanup, { env: cmd.env, extendEnv: false, stdio: 'ignore', reject: false });
  };
  // an interrupted install must not leave its container running
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    child.kill(sig);
    removeContainer();
  };
  const sigs = cleanup ? FORWARDED_SIGNALS : [];
  for (const s of sigs) process.on(s, onSignal);
  let timedOut = false;
  const timers: NodeJS.Timeout[] = [];
  const timeout = limits.timeoutMs
    ? setLongTimeout(() => {
        timedOut = true;
        removeContainer();
        child.kill('SIGTERM');
        timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS));
      }, limits.timeoutMs)
    : undefined;
  try {
    const result = await child;
    const failure = launchFailure(cmd, result);
    if (failure) throw failure;
    if (signalled) throw new ShimError(`interrupted by ${signalled}`, 128 + os.constants.signals[signalled]);
    const [out, err] = tails ? tails.map((t) => t()) : [{ text: String(result.stdout ?? ''), cut: false }, { text: String(result.stderr ?? ''), cut: false }];
    return {
      exitCode: statusOf(result),
      stdout: out!.text,
      stderr: err!.text,
      ...(timedOut ? { timedOut } : {}),
      ...(out!.cut || err!.cut ? { truncated: true } : {}),
    };
  } finally {
    timeout?.clear();
    for (const t of timers) clearTimeout(t);
    lifeline?.release();
    for (const s of sigs) process.off(s, onSignal);
  }
}

/** Throws a RuntimeError with the command's own output when a captured call failed. */
export function expectSuccess(what: string, out: Captured, hint: string): Captured {
  if (out.exitCode === 0) return out;
  const detail = (out.stderr || out.stdout).trim().split('\n').slice(-15).join('\n');
  throw new RuntimeError(`${what} failed (exit ${out.exitCode})${detail ? `:\n${detail}` : ''}`, hint);
}
