// A captured executor with limits, for callers that are not a terminal (`shim mcp`): runs the planned
// runtime command with stdin from a string, keeps at most `maxOutputBytes` of stdout and of stderr
// (reading on past the cap so the tool never blocks on a full pipe), and stops the run after
// `timeoutMs` or when aborted: SIGTERM to the container through the runtime, SIGKILL after a grace
// period, then the plan's cleanup so no container of the run is left. Decides nothing about the container.
import { spawn } from 'node:child_process';
import { ExitCode, ShimError } from '../errors.js';
import { exitStatus, spawnFailure, type Command, type Launched, type SignalPlan } from './exec.js';
import { holdLifeline } from './lifeline.js';
import { KeeperCall } from './keeper-call.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_KILL_GRACE_MS = 5_000;
/** How long output is still read after the runtime process exited, when something else holds its pipes. */
const PIPE_DRAIN_MS = 2_000;

export interface LimitedOptions {
  /** Text written to the tool's stdin, which is then closed (none: stdin is closed at once). */
  stdin?: string;
  /** Stops the run after this many milliseconds (none: no time limit). */
  timeoutMs?: number;
  /** Cap of stdout and of stderr, each, in bytes (default 1 MiB). */
  maxOutputBytes?: number;
  /** Time between SIGTERM and SIGKILL when the run is stopped (default 5 s). */
  killGraceMs?: number;
  /** Stops the run like a timeout (the server is shutting down). */
  abort?: AbortSignal;
}

export interface LimitedResult {
  /** The runtime's exit status: the tool's own, 128+N after signal N, 125 when the runtime failed. */
  exitCode: number;
  /** The signal shim delivered to stop the run ("SIGTERM", or "SIGKILL" when it had to escalate), else null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was longer than the cap (the rest was read and dropped). */
  truncated: boolean;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  /** "timeout", "output" (truncated), in the order they were hit. */
  limitsHit: string[];
}

/** Keeps the first `cap` bytes of a stream, counts the rest. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.kept;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    // never end in the middle of a UTF-8 sequence cut by the cap
    return (this.truncated ? all.subarray(0, utf8Boundary(all)) : all).toString('utf8');
  }
}

/** Length of the longest prefix of `buf` that does not end inside a multi-byte UTF-8 sequence. */
export function utf8Boundary(buf: Buffer): number {
  let i = buf.length;
  // walk back over at most 3 continuation bytes to the lead byte of the last sequence
  let back = 0;
  while (back < 3 && i - back - 1 >= 0 && (buf[i - back - 1]! & 0xc0) === 0x80) back++;
  const leadAt = i - back - 1;
  if (leadAt < 0) return i;
  const lead = buf[leadAt]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return back + 1 >= need ? i : leadAt;
}

/** Runs the runtime with argv, output ignored, and resolves with its exit code (never rejects). */
function quiet(cmd: Command, argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd.file, argv, { env: cmd.env, stdio: 'ignore' });
    child.on('error', () => resolve(ExitCode.launcherFailed));
    child.on('close', (code) => resolve(code ?? ExitCode.launcherFailed));
  });
}

export async function runLimited(cmd: Command, signals: SignalPlan, options: LimitedOptions = {}): Promise<LimitedResult> {
  const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const grace = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const started = Date.now();
  const out = new CappedBuffer(cap);
  const err = new CappedBuffer(cap);
  const limitsHit: string[] = [];

  const lifeline = signals.lifeline ? await holdLifeline(signals.lifeline) : undefined;
  // a warm call: the container's keeper runs it, and takes its signals over the call's connection
  const keeper = signals.keeperCall;
  let child: Launched;
  try {
    child = keeper ? new KeeperCall(keeper) : spawn(cmd.file, cmd.argv, { env: cmd.env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    lifeline?.release();
    throw launchError(cmd, e as NodeJS.ErrnoException);
  }
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  // a tool that exits without reading its stdin closes the pipe: not an error
  child.stdin!.on('error', () => {});
  child.stdin!.end(options.stdin ?? '');

  let exited = false;
  let stopping: 'timeout' | 'abort' | undefined;
  let signal: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'timeout' | 'abort') => {
    if (stopping || exited) return;
    stopping = why;
    signal = 'SIGTERM';
    if (keeper) child.kill('SIGTERM');
    else
      void quiet(cmd, signals.signalArgv.SIGTERM).then((code) => {
        // the container does not exist yet (still starting): stop the runtime client instead
        if (code !== 0 && !exited) child.kill('SIGTERM');
      });
    killTimer = setTimeout(() => {
      if (exited) return;
      signal = 'SIGKILL';
      if (keeper) child.kill('SIGKILL');
      else
        void quiet(cmd, signals.forceKillArgv).then(() => {
          if (!exited) child.kill('SIGKILL');
        });
    }, grace);
    killTimer.unref();
  };

  const timer = options.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
  const onAbort = () => stop('abort');
  if (options.abort?.aborted) onAbort();
  else options.abort?.addEventListener('abort', onAbort, { once: true });

  try {
    const { code, sig } = await new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => reject(e instanceof ShimError ? e : launchError(cmd, e)));
      // "close": the process exited and its stdout/stderr are fully read
      child.once('close', (c, s) => resolve({ code: c, sig: s }));
      // a process the runtime left behind may hold the pipes open: read on briefly, then stop reading
      child.on('exit', (c, s) => {
        const t = setTimeout(() => {
          child.stdout!.destroy();
          child.stderr!.destroy();
          resolve({ code: c, sig: s });
        }, PIPE_DRAIN_MS);
        t.unref();
      });
    });
    exited = true;
    if (stopping) {
      limitsHit.push(stopping === 'timeout' ? 'timeout' : 'aborted');
      // a stopped run may leave its container behind (the client can die first): remove it
      if (!keeper) await quiet(cmd, signals.cleanupArgv);
    }
    const truncated = out.truncated || err.truncated;
    if (truncated) limitsHit.push('output');
    return {
      exitCode: exitStatus(code, sig),
      signal,
      stdout: out.text(),
      stderr: err.text(),
      truncated,
      timedOut: stopping === 'timeout',
      aborted: stopping === 'abort',
      durationMs: Date.now() - started,
      limitsHit,
    };
  } finally {
    exited = true;
    if (keeper) (child as KeeperCall).release();
    lifeline?.release();
    if (timer) clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    options.abort?.removeEventListener('abort', onAbort);
  }
}

function launchError(cmd: Command, e: NodeJS.ErrnoException): ShimError {
  return spawnFailure(cmd.file, e.code) ?? new ShimError(`cannot run ${cmd.file}: ${e.message}`, ExitCode.launcherFailed);
}
