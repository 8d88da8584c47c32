// Every built-in default and unit in one leaf: the profiles and their limits, release ages, warm idle
// times, sizes and durations. config/, plan/ and install/ all read these; this file imports nothing,
// so no room has to import another room just to learn a number.

/** The profiles a tool (or settings.json) may name, from strictest to loosest. */
export const PROFILES = ['safe', 'default', 'dev'] as const;
export type Profile = (typeof PROFILES)[number];

/** Resource limits as written in a config ("0" or 0 turns one off). */
export interface LimitValues {
  memory?: string;
  cpus?: number;
  pids?: number;
  timeout?: string;
  output?: string;
}

/** Each profile's numbers (documented in the README). */
export const PROFILE_LIMITS: Readonly<Record<Profile, LimitValues>> = {
  // untrusted snippets and agents: small, short-lived, quiet
  safe: { memory: '1g', cpus: 1, pids: 256, timeout: '10m', output: '16m' },
  // linters, formatters, compilers: room to work, no runaway process counts or memory
  default: { memory: '4g', pids: 4096 },
  // anything goes that the tool's own config allows; limits only if set explicitly
  dev: {},
};

/** The process limit of install containers: far above what a build needs, far below what hurts the host. */
export const DEFAULT_PIDS_LIMIT = 4096;

/** How long an install container may run before shim stops it (settings.json "install_timeout"). */
export const DEFAULT_INSTALL_TIMEOUT = '10m';

/** How much of an install's stdout and stderr shim keeps (each, the last bytes): enough for the
 *  manifest line and the end of a failure's log; a flood of output costs no memory beyond this. */
export const INSTALL_OUTPUT_KEEP_BYTES = 1024 * 1024;

/** mise's minimum release age when neither the tool nor settings name one. */
export const DEFAULT_MIN_RELEASE_AGE = '3d';

/** How long a warm container waits for its next call. */
export const DEFAULT_WARM_IDLE = '10m';
/** The shortest warm_idle: shim stops reusing a container 5 to 30 s before its idle stop (plan/warm.ts). */
export const MIN_WARM_IDLE_MS = 10_000;

/** Sizes like "512m", "2g" (bytes, k, m, g). */
export const SIZE_RE = /^\d+(\.\d+)?[kmg]?$/;
/** Durations like "90s", "10m", "1h". */
export const DURATION_RE = /^\d+(ms|s|m|h)$/;
/** A release age: "0" (off), a duration with s/m/h/d/w/y, or a date YYYY-MM-DD. */
export const RELEASE_AGE_RE = /^(0|\d+[smhdwy]|\d{4}-\d{2}-\d{2})$/;

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const AGE_UNITS: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8, y: 3.1536e10 };

/** Bytes of a size that matches SIZE_RE. */
export function sizeBytes(size: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/.exec(size)!;
  return Math.round(Number(m[1]) * SIZE_UNITS[m[2]!]!);
}

/** Milliseconds of a duration that matches DURATION_RE. */
export function durationMs(duration: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(duration)!;
  return Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
}

/** A minimum release age in ms ("0" → 0; a date → the age it implies at `now`). */
export function releaseAgeMs(v: string, now: number): number {
  if (v === '0') return 0;
  const m = /^(\d+)([smhdwy])$/.exec(v);
  if (m) return Number(m[1]) * AGE_UNITS[m[2]!]!;
  const t = Date.parse(`${v}T00:00:00Z`);
  return Number.isNaN(t) ? 0 : now - t;
}

/** How many entries shim looks at below one writable or host directory mount (nested .git, sockets)
 *  before it gives up and refuses the mount (a bounded walk; facts/mount-sources.ts). */
export const MOUNT_WALK_LIMIT = 200_000;

/** The port `shim serve` listens on unless --port says otherwise (on 127.0.0.1 unless --host). */
export const SERVE_DEFAULT_PORT = 7717;
