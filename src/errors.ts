// Typed launcher errors. Each carries the exit code main.ts uses and a hint that says what to do.
// The wrapped tool's own exit status is never an error: it passes through unchanged.

/** Exit codes, following the container runtimes' conventions (docker/podman run "Exit Status"). */
export const ExitCode = {
  usage: 2,
  launcherFailed: 125,
  cannotInvoke: 126,
  notFound: 127,
} as const;

/** Marks every ShimError, also one made by another copy of this module (a tool link's config loader is
 *  a bundle of its own, dist/link-config.cjs, loaded only when the config cache misses). */
const SHIM_ERROR = Symbol.for('shim.error');

/** Base of every error shim reports to the user (no stack trace is shown for these). */
export class ShimError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
    Object.defineProperty(this, SHIM_ERROR, { value: true });
  }
}

/** Whether `e` is a ShimError of any copy of this module. */
export function isShimError(e: unknown): e is ShimError {
  return e instanceof ShimError || (typeof e === 'object' && e !== null && SHIM_ERROR in e);
}

/** A config file is unreadable, is not valid JSON(C), or fails validation. */
export class ConfigError extends ShimError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.launcherFailed, hint);
  }
}

/** The command line itself is wrong (unknown command, bad tool name, missing argument). */
export class UsageError extends ShimError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** No tool of that name is configured. */
export class UnknownToolError extends ShimError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.notFound, hint);
  }
}

/** Neither podman nor docker (or not the requested one) could be found. */
export class RuntimeNotFoundError extends ShimError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.notFound, hint);
  }
}

/** The container runtime failed outside the tool: image build, install, or the runtime itself. */
export class RuntimeError extends ShimError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.launcherFailed, hint);
  }
}

/** A snapshot could not be taken, found or restored (caps, unknown id, a path in the way). */
export class SnapshotError extends ShimError {
  constructor(message: string, hint?: string, exitCode: number = ExitCode.launcherFailed) {
    super(message, exitCode, hint);
  }
}

const CODES: [new (...args: never[]) => ShimError, string][] = [
  [ConfigError, 'config_invalid'],
  [UsageError, 'usage'],
  [UnknownToolError, 'unknown_tool'],
  [RuntimeNotFoundError, 'runtime_not_found'],
  [RuntimeError, 'runtime_failed'],
  [SnapshotError, 'snapshot_failed'],
];

/** The `--json` form of an error: a stable code, the first line as message, further lines as issues. */
export function errorJson(error: ShimError): { error: { code: string; message: string; issues: string[]; hint: string | null; exitCode: number } } {
  const [message = '', ...issues] = error.message.split('\n');
  const code = CODES.find(([cls]) => error instanceof cls)?.[1] ?? 'failed';
  return { error: { code, message: message.replace(/:$/, ''), issues, hint: error.hint ?? null, exitCode: error.exitCode } };
}
