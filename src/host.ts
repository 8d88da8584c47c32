// Facts about the invoking host, gathered once by main.ts and passed down as a plain value, so that
// everything below main.ts can be tested without touching process.*.

export type Env = Readonly<Record<string, string | undefined>>;

export interface HostEnv {
  cwd: string;
  home: string;
  uid: number;
  gid: number;
  env: Env;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Node's process.arch, e.g. "x64". */
  arch: string;
  /** Real path of the file every tool link points at (bin/shim.js). */
  shimEntry: string;
  /** Root of the installed package (holds containerfiles/). */
  packageRoot: string;
  version: string;
  /** The Node.js running shim: the egress proxy runs as a child process of the same binary. */
  node: { path: string; version: string };
  /** The highest directory the project root may be (`shim mcp --root`): a call never sees above it. */
  projectCeiling?: string;
}

export interface RuntimeInfo {
  name: 'podman' | 'docker';
  /** Absolute path of the runtime binary. */
  path: string;
  /** Rootless podman: the container's root is the invoking user, files are mapped with keep-id. */
  rootless: boolean;
}

/** True for the usual "on" spellings of a boolean environment variable. */
export function envFlag(env: Env, name: string): boolean {
  const v = env[name]?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}
