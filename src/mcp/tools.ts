// The parts of `shim mcp` that decide without running anything: where a call may run (its cwd must be
// inside the server's root), which configured tool counts as "safe" for execute_code, how a language's
// interpreter is told to read the program from stdin, and the shape of a run's result.
import fs from 'node:fs';
import path from 'node:path';
import type { LimitedResult } from '../runtime/exec-for-mcp.js';
import { UsageError } from '../errors.js';
import { isSecretName } from '../plan/env.js';

/** Default and largest timeout_s of run_tool and execute_code. The default stays below the 60 s request
 *  timeout common MCP clients use, so a forgotten timeout_s yields a result rather than a client error. */
export const DEFAULT_TIMEOUT_S = 50;
export const MAX_TIMEOUT_S = 3600;
/** Cap of stdout and of stderr, each, returned to the client. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

/** True when `target` is `root` or below it (both absolute and already real paths). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  if (rel === '') return true;
  return !path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`);
}

/** The real path of the server's root directory (`--root`, relative to the current directory). */
export function loadServerRoot(cwd: string, root: string | undefined): string {
  const wanted = path.resolve(cwd, root ?? '.');
  let real: string;
  try {
    real = fs.realpathSync(wanted);
  } catch {
    throw new UsageError(`--root ${wanted} does not exist`, 'give an existing directory (default: the current directory)');
  }
  if (!fs.statSync(real).isDirectory()) throw new UsageError(`--root ${real} is not a directory`, 'give a directory');
  return real;
}

/** The real working directory of a call: `cwd` (absolute, or relative to the root), default the root.
 *  Refused unless it is an existing directory inside the root after resolving symbolic links. */
export function loadCallCwd(root: string, cwd: string | undefined): string {
  if (cwd === undefined || cwd === '') return root;
  const wanted = path.resolve(root, cwd);
  let real: string;
  try {
    real = fs.realpathSync(wanted);
  } catch {
    throw new UsageError(`cwd ${wanted} does not exist`, `use a directory inside ${root}`);
  }
  if (!isInside(root, real)) {
    throw new UsageError(`cwd ${real} is outside the directory this server was started for (${root})`, `use a directory inside ${root}, or start the server with shim mcp --root DIR`);
  }
  if (!fs.statSync(real).isDirectory()) throw new UsageError(`cwd ${real} is not a directory`, `use a directory inside ${root}`);
  return real;
}

/** Arguments that make an interpreter read its program from stdin, by command name. Interpreters not
 *  listed get none (node, sh, bash, ruby, perl… read a program from a non-terminal stdin by themselves). */
export const STDIN_PROGRAM_ARGS: Readonly<Record<string, readonly string[]>> = {
  python: ['-'],
  python3: ['-'],
  node: [],
  bash: [],
  sh: [],
  dash: [],
  zsh: [],
  ruby: [],
  perl: [],
};

/** The arguments for running a program from stdin with `command` (its basename is looked up). */
export function stdinProgramArgs(command: string): string[] {
  const base = path.posix.basename(command);
  return [...(STDIN_PROGRAM_ARGS[base] ?? (/^python\d+(\.\d+)*$/.test(base) ? ['-'] : []))];
}

/** Why a tool is not safe for execute_code (empty: safe). "Safe", until profiles exist: no mounts, no
 *  network, no published ports, no extra runtime arguments (they could add mounts or devices), and no
 *  secrets: a snippet from the client would read them, and could hand them back in its output. */
export function safetyProblems(
  tool: { podman_args: readonly string[]; secrets?: readonly string[]; env?: Readonly<Record<string, string>>; env_passthrough?: readonly string[] },
  policy: { network: string; mounts: readonly { src?: string; dst?: string | undefined }[]; ports: readonly string[] },
): string[] {
  const problems: string[] = [];
  if (policy.mounts.length) problems.push(`it has mounts (${policy.mounts.map((m) => m.dst ?? m.src).join(', ')})`);
  if (policy.network !== 'none') problems.push(`its network is "${policy.network}"`);
  if (policy.ports.length) problems.push('it publishes ports');
  if (tool.podman_args.length) problems.push('it has podman_args');
  const secrets = [...new Set([...(tool.secrets ?? []), ...[...Object.keys(tool.env ?? {}), ...(tool.env_passthrough ?? [])].filter(isSecretName)])];
  if (secrets.length) problems.push(`it carries secrets (${secrets.join(', ')})`);
  return problems;
}

/** What run_tool and execute_code return. */
export interface RunResultJson {
  exit_code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  duration_ms: number;
  timed_out: boolean;
  limits_hit: string[];
  warnings: string[];
}

export function runResultJson(result: LimitedResult, warnings: readonly string[]): RunResultJson {
  return {
    exit_code: result.exitCode,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    truncated: result.truncated,
    duration_ms: result.durationMs,
    timed_out: result.timedOut,
    limits_hit: result.limitsHit,
    warnings: [...warnings],
  };
}

/** A mount as list_tools shows it: "src -> dst (ro|rw)" as configured (src before expansion; no dst:
 *  the same path as on the host). */
export function mountSummary(mount: { src: string; dst?: string | undefined; opts?: string | undefined }): string {
  const mode = mount.opts?.split(',').includes('ro') ? 'ro' : 'rw';
  return `${mount.src} -> ${mount.dst ?? '(same path)'} (${mode})`;
}
