// The shapes the executors share: a runtime command, how a run is signalled and cleaned up after (the
// planner's argv), and what a started run offers them (a spawned runtime client, or a keeper call).
import type { Readable, Writable } from 'node:stream';
import type { ForwardedSignal } from '../plan/container.js';
import type { LifelinePlan } from '../plan/lifeline.js';

export interface Command {
  file: string;
  argv: readonly string[];
  /** The complete environment of the runtime process (never inherited implicitly). */
  env: Readonly<Record<string, string>>;
}

/** How the runtime is told about signals and cleans up after them (argv from the planner). */
export interface SignalPlan {
  signalArgv: Record<ForwardedSignal, readonly string[]>;
  forceKillArgv: readonly string[];
  cleanupArgv: readonly string[];
  /** A host process that removes the container unless told the run finished (argv[0] is the file). */
  watchdogArgv?: readonly string[];
  /** The socket the container's watcher holds on to: held while the container runs (see plan/lifeline.ts). */
  lifeline?: LifelinePlan;
  /** The run is a warm call that the container's keeper runs (no runtime command is spawned): signals
   *  go to it over the call's own connection, which is also its lifeline (runtime/keeper-call.ts). */
  keeperCall?: KeeperCallSpec;
}

/** What the executors need of a started run: a spawned runtime client, or a keeper call. */
export interface Launched {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  once(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

/** The keeper of a live warm container, as recorded when it started. */
export interface KeeperRef {
  pid: number;
  pidStart: string;
  /** sha256 (hex) of the secret the keeper proves itself with. */
  secretHash: string;
}

export interface KeeperCallSpec {
  keeper: KeeperRef;
  socketPath: string;
  cwd: string;
  argv: readonly string[];
  /** The call has a terminal (stdin and stdout are both one): the keeper gives the tool a pseudo-terminal
   *  of the size of shim's, and relays it over the stdin and stdout connections. */
  terminal: boolean;
  /** TERM and COLORTERM for a call on a terminal (the planner's choice, names the image knows). */
  terminalEnv?: Record<string, string>;
}

export interface TerminalSize {
  rows: number;
  cols: number;
}

/** The size of a terminal shim writes to (80×24 when it cannot tell). */
export function terminalSize(out: Pick<NodeJS.WriteStream, 'rows' | 'columns'> = process.stdout): TerminalSize {
  return { rows: out.rows || 24, cols: out.columns || 80 };
}
