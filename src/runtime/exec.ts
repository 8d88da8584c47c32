// The executor: runs argv the planner built, and decides nothing about the container. Three shapes:
// the tool in the foreground (stdio inherited, signals forwarded), a build whose output goes to
// stderr, and a captured call (installs, queries).
import os from 'node:os';
import { execa, type Result } from 'execa';
import { ExitCode, RuntimeError, RuntimeNotFoundError, ShimError } from '../errors.js';

export interface Command {
  file: string;
  argv: readonly string[];
  /** The complete environment of the runtime process (never inherited implicitly). */
  env: Readonly<Record<string, string>>;
}

export interface Captured {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function launchFailure(cmd: Command, result: Result): ShimError | undefined {
  const code = (result as { code?: string }).code;
  if (code === 'ENOENT') return new RuntimeNotFoundError(`cannot run ${cmd.file}: not found`, 'install podman or docker, or fix PATH');
  if (code === 'EACCES') return new ShimError(`cannot run ${cmd.file}: permission denied`, ExitCode.cannotInvoke, 'check its permissions');
  return undefined;
}

function statusOf(result: Result): number {
  if (result.exitCode !== undefined) return result.exitCode;
  const signal = result.signal ? os.constants.signals[result.signal as NodeJS.Signals] : undefined;
  return signal ? 128 + signal : ExitCode.launcherFailed;
}

/** How the runtime is told about signals and cleans up after them (argv from the planner). */
export interface SignalPlan {
  signalArgv: Record<(typeof FORWARDED)[number], readonly string[]>;
  cleanupArgv: readonly string[];
}

/**
 * Runs the tool's container in the foreground and returns its exit status (128+N after a signal).
 * A forwarded signal is delivered through the runtime's `kill` (falling back to signalling the client
 * when the container does not exist yet). SIGINT is forwarded only when shim has no terminal: on a
 * terminal, Ctrl-C already reaches the runtime (same process group) and a second copy would make the
 * tool see two interrupts. After any signal the cleanup runs, so no container of the run is left.
 */
export async function runForeground(cmd: Command, signals: SignalPlan, onTerminal: boolean): Promise<number> {
  const child = execa(cmd.file, cmd.argv, { env: cmd.env, extendEnv: false, stdio: 'inherit', reject: false, cleanup: false });
  const quiet = (argv: readonly string[]) => execa(cmd.file, argv, { env: cmd.env, extendEnv: false, stdio: 'ignore', reject: false });
  let signalled = false;
  const handlers = FORWARDED.map((sig) => {
    const handler = () => {
      signalled = true;
      if (sig === 'SIGINT' && onTerminal) return;
      void quiet(signals.signalArgv[sig]).then((r) => {
        if (r.exitCode !== 0) child.kill(sig);
      });
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  try {
    const result = await child;
    const failure = launchFailure(cmd, result);
    if (failure) throw failure;
    if (signalled) await quiet(signals.cleanupArgv);
    return statusOf(result);
  } finally {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  }
}

/** Runs a command whose stdout and stderr both go to shim's stderr (image builds). */
export async function runToStderr(cmd: Command): Promise<number> {
  const result = await execa(cmd.file, cmd.argv, { env: cmd.env, extendEnv: false, stdin: 'ignore', stdout: 2, stderr: 2, reject: false });
  const failure = launchFailure(cmd, result);
  if (failure) throw failure;
  return statusOf(result);
}

/** Runs a command and captures its output (installs, image and volume queries). */
export async function runCaptured(cmd: Command, cleanup?: readonly string[]): Promise<Captured> {
  const child = execa(cmd.file, cmd.argv, { env: cmd.env, extendEnv: false, stdin: 'ignore', reject: false, stripFinalNewline: false });
  // an interrupted install must not leave its container running
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    child.kill(sig);
    if (cleanup) void execa(cmd.file, cleanup, { env: cmd.env, extendEnv: false, stdio: 'ignore', reject: false });
  };
  const sigs = cleanup ? FORWARDED : [];
  for (const s of sigs) process.on(s, onSignal);
  try {
    const result = await child;
    const failure = launchFailure(cmd, result);
    if (failure) throw failure;
    if (signalled) throw new ShimError(`interrupted by ${signalled}`, 128 + os.constants.signals[signalled]);
    return { exitCode: statusOf(result), stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  } finally {
    for (const s of sigs) process.off(s, onSignal);
  }
}

/** Throws a RuntimeError with the command's own output when a captured call failed. */
export function expectSuccess(what: string, out: Captured, hint: string): Captured {
  if (out.exitCode === 0) return out;
  const detail = (out.stderr || out.stdout).trim().split('\n').slice(-15).join('\n');
  throw new RuntimeError(`${what} failed (exit ${out.exitCode})${detail ? `:\n${detail}` : ''}`, hint);
}
