// The config file format: what a user may write per tool and in settings.json, validated with zod.
// Every object is strict, so a typo such as "netwrok" is an error and never silently changes a policy.
import path from 'node:path';
import { z } from 'zod';
import { DURATION_RE, MIN_WARM_IDLE_MS, PROFILES, RELEASE_AGE_RE, SIZE_RE, durationMs } from '../defaults.js';
import { parsePortSpec } from './ports.js';

import { ENV_NAME_RE, TOOL_NAME_RE } from './names.js';
import { parseDetachKeys } from '../plan/session.js';

export { ENV_NAME_RE, TOOL_NAME_RE };

const NETWORK_REFUSALS: Record<string, string> = {
  host: 'host networking shares the host network namespace (every local service and interface)',
  private: 'use "none" or "bridge"',
  pasta: 'use "bridge" for outbound network, or allowed_hosts for a few hosts',
  'pasta:': 'use "bridge" for outbound network, or allowed_hosts for a few hosts',
  slirp4netns: 'use "bridge" for outbound network, or allowed_hosts for a few hosts',
  'slirp4netns:': 'use "bridge" for outbound network, or allowed_hosts for a few hosts',
  'container:': "joining another container's network escapes this tool's policy",
  'ns:': "joining a network namespace escapes this tool's policy",
};

const noControlChars = (s: string) => !/[\0\r\n]/.test(s);
const safeString = z.string().refine(noControlChars, 'must not contain NUL or line breaks');

const toolSpec = z
  .string()
  .min(1, 'must not be empty')
  .max(256)
  .regex(/^[A-Za-z0-9@][^\s\0]*$/, 'must be a mise tool spec such as "npm:eslint" or "npm:eslint@9.12.0"');

const command = z
  .string()
  .min(1, 'must not be empty')
  .refine(noControlChars, 'must not contain NUL or line breaks')
  .refine((s) => !s.startsWith('-'), 'must not start with "-"');

const containerPath = z
  .string()
  .refine(noControlChars, 'must not contain NUL or line breaks')
  .refine((s) => s.startsWith('/'), 'must be absolute')
  .refine((s) => path.posix.normalize(s) === s || path.posix.normalize(s) + '/' === s, 'must be normalised (no "..", "." or "//")')
  .refine((s) => s !== '/', 'must not be "/"');

export const MOUNT_OPTIONS = ['ro', 'rw', 'z', 'Z'] as const;
const mountOptions = z
  .string()
  .refine(
    (s) => s === '' || s.split(',').every((o) => (MOUNT_OPTIONS as readonly string[]).includes(o)),
    `must be a comma-separated list of ${MOUNT_OPTIONS.join(', ')}`,
  )
  .refine((s) => !(s.split(',').includes('ro') && s.split(',').includes('rw')), 'must not contain both "ro" and "rw"');

const reason = safeString.min(3, 'must say why (a short reason)');

const mount = z.strictObject({
  src: safeString.min(1, 'must not be empty'),
  /** Where it appears in the container; omitted: at its own host path. */
  dst: containerPath.optional(),
  opts: mountOptions.optional(),
  /** Mounting a protected path (credentials, shell rc files, system trees…) needs a stated reason. */
  allow_sensitive: reason.optional(),
});

const envName = z.string().regex(ENV_NAME_RE, 'must be a variable name (letters, digits, "_"; no wildcards)');
const envValue = z
  .union([z.string(), z.number(), z.boolean()], 'must be a string, number or boolean')
  .transform(String)
  .refine((s) => !s.includes('\0'), 'must not contain NUL');

const network = z.string().superRefine((value, ctx) => {
  if (value === 'none' || value === 'bridge') return;
  const refusal = Object.entries(NETWORK_REFUSALS).find(([k]) => (k.endsWith(':') ? value.startsWith(k) : value === k));
  ctx.addIssue({
    code: 'custom',
    message: `must be "none" or "bridge", got ${JSON.stringify(value)}${refusal ? `: ${refusal[1]}` : ''}`,
  });
});

// host, or *.suffix, with an optional :port; lower-case DNS names only.
const HOST_PATTERN_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/;
const allowedHost = z
  .string()
  .regex(HOST_PATTERN_RE, 'must be a lower-case host name or "*.domain", optionally with ":port"')
  .refine((s) => !s.includes(':') || (Number(s.split(':')[1]) >= 1 && Number(s.split(':')[1]) <= 65535), 'port must be 1-65535');

/** Why `entry` is not a valid allowed_hosts entry (the message the config validator gives), or undefined. */
export function allowedHostIssue(entry: string): string | undefined {
  const r = allowedHost.safeParse(entry);
  return r.success ? undefined : r.error.issues[0]?.message;
}

// an npm package name, optionally with a version or range ("globals", "@eslint/js@9", "typescript@~5.6"):
// registry packages only (no URLs, git, file or alias specs, which would fetch from elsewhere)
export const NPM_PACKAGE_NAME_RE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const npmPackage = z
  .string()
  .max(214)
  .refine((s) => NPM_PACKAGE_NAME_RE.test(s.replace(/(?<=.)@[^@/]*$/, '')) && !/[\s:\\]/.test(s), 'must be an npm registry package, optionally with a version: "globals", "@eslint/js@9"');
const npmPackageName = z.string().max(214).regex(NPM_PACKAGE_NAME_RE, 'must be an npm package name without a version, e.g. "@anthropic-ai/claude-code"');

const port = z.string().refine((s) => parsePortSpec(s) !== undefined, 'must look like "8080", "8080:80" or "127.0.0.1:8080:80" (optionally "/udp"), with ports 1-65535');

// mise's minimum release age: "0" (off), a duration such as "3d" or "12h", or a date (YYYY-MM-DD).
const minReleaseAge = z
  .string()
  .regex(RELEASE_AGE_RE, 'must be "0", a duration such as "3d" or "12h", or a date YYYY-MM-DD');

// where a brokered credential's real value comes from, read on the host when a run starts
const credentialSource = z
  .string()
  .refine(noControlChars, 'must not contain NUL or line breaks')
  .refine((s) => /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(s) || /^file:\S/.test(s) || /^cmd:\s*\S/.test(s), 'must be "env:NAME" (a host variable), "file:PATH" (its first line) or "cmd:COMMAND ARGS…" (its output, run without a shell)')
  .refine((s) => !s.startsWith('file:') || s.startsWith('file:/') || s.startsWith('file:~/'), 'file: needs an absolute path (or ~/…)');

// a request header that carries the credential besides Authorization (e.g. "x-api-key"); never one
// that servers commonly echo (origin, referer…) or that a hop rewrites
const NOT_CREDENTIAL_HEADERS = ['host', 'origin', 'referer', 'user-agent', 'cookie', 'via', 'forwarded', 'connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length', 'content-type', 'accept', 'accept-encoding', 'range', 'if-range'];
const credentialHeader = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name such as "x-api-key"')
  .transform((s) => s.toLowerCase())
  .refine((s) => !NOT_CREDENTIAL_HEADERS.includes(s), 'must not be a header that servers echo or proxies rewrite (Authorization and Proxy-Authorization are always used)');

/** A variable the tool sees only as a placeholder; the egress proxy puts the real value into requests to `hosts`. */
const credential = z.strictObject({
  from: credentialSource,
  hosts: z.array(allowedHost).min(1, 'must name at least one host (each also in allowed_hosts)'),
  /** When its source is missing (an unset variable, an absent file), the run goes on without the variable. */
  optional: z.boolean().optional(),
  /** Headers, besides Authorization and Proxy-Authorization, where the placeholder is replaced (default ["x-api-key"]). */
  headers: z.array(credentialHeader).optional(),
});

const size = z.string().regex(SIZE_RE, 'must be a size such as "512m" or "2g"');
const duration = z.string().regex(DURATION_RE, 'must be a duration such as "90s", "10m" or "1h"');

// at least 10 s: shim stops reusing a container 5 to 30 s before its idle stop (see plan/warm.ts)
const warmIdle = duration.refine((s) => durationMs(s) >= MIN_WARM_IDLE_MS, 'must be at least "10s"');

const profile = z.enum(PROFILES, 'must be "safe", "default" or "dev"');

/** Resource limits; any field overrides the profile's value ("0" or 0 turns that limit off). */
const limits = z.strictObject({
  memory: z.union([size, z.literal('0')]).optional(),
  cpus: z.number().min(0).max(1024).optional(),
  pids: z.number().int().min(0).max(1_000_000).optional(),
  timeout: z.union([duration, z.literal('0')]).optional(),
  output: z.union([size, z.literal('0')]).optional(),
});

/** One tool as written in one file: every field optional (later files override earlier ones). */
export const ToolLayerSchema = z.strictObject({
  tool: toolSpec.optional(),
  command: command.optional(),
  mounts: z.array(mount).optional(),
  env: z.record(envName, envValue).optional(),
  env_passthrough: z.array(envName).optional(),
  workdir: containerPath.optional(),
  network: network.optional(),
  allowed_hosts: z.array(allowedHost).optional(),
  isolated: z.boolean().optional(),
  ports: z.array(port).optional(),
  podman_args: z.array(safeString).optional(),
  min_release_age: minReleaseAge.optional(),
  /** Variable names allowed to carry secrets (in env or env_passthrough); other secret-looking names are refused. */
  secrets: z.array(envName).optional(),
  /** Variables whose real value only the egress proxy holds (see plan/credentials.ts). */
  credentials: z.record(envName, credential).optional(),
  /** Let the project's .git be writable (by default it is mounted read-only over a writable project). */
  git_writable: z.boolean().optional(),
  /** Let podman_args through even when they undo the sandbox (warns on every run). */
  unsafe_podman_args: z.boolean().optional(),
  profile: profile.optional(),
  limits: limits.optional(),
  /** Run even where the host cannot enforce the limits (rootless podman on cgroup v1), with a warning. */
  limits_best_effort: z.boolean().optional(),
  /** Keep one container running per policy and run each call in it (see the README on warm containers). */
  warm: z.boolean().optional(),
  /** How long a warm container waits for the next call before it stops (default "10m"). */
  warm_idle: warmIdle.optional(),
  /** Snapshot the tool's read-write directories before each run (shim snapshot restore undoes a run). */
  snapshot: z.boolean().optional(),
  /** On a terminal, the tool's link starts (or reattaches to) a session named after the tool and project. */
  session: z.boolean().optional(),
  /** Every session of the tool works on a copy of the project of its own, on branch shim/NAME (shim diff,
   *  apply, discard). */
  worktree: z.boolean().optional(),
  /** A session's tool is run again after it exits: "on-failure" (a status other than 0), "always", or "no". */
  restart: z.enum(['no', 'on-failure', 'always'], 'must be "no", "on-failure" or "always"').optional(),
  /** The wait before the first restart (default "1s"); it doubles after each restart, up to restart_max_delay. */
  restart_delay: duration.optional(),
  /** The longest wait between restarts (default "1m"). */
  restart_max_delay: duration.optional(),
  /** npm packages installed beside the tool (shared configs, plugins, a language server's typescript). */
  packages: z.array(npmPackage).optional(),
  /** Packages whose install scripts run (in the install container only); all others' never do. */
  install_scripts: z.array(npmPackageName).optional(),
  /** Hosts this tool's install may reach besides its registry (a postinstall's download host). */
  install_hosts: z.array(allowedHost).optional(),
});
export type ToolLayer = z.output<typeof ToolLayerSchema>;
export type MountConfig = z.output<typeof mount>;
export type LimitsConfig = z.output<typeof limits>;
export type CredentialConfig = z.output<typeof credential>;

/** settings.json: what is not per tool. */
export const SettingsSchema = z.strictObject({
  $schema: z.string().optional(),
  runtime: z.enum(['podman', 'docker']).optional(),
  ca_bundle: safeString.min(1).optional(),
  base_image: safeString.min(1).optional(),
  image: safeString.min(1).optional(),
  min_release_age: minReleaseAge.optional(),
  /** Profile of tools that do not name one (default: "default"). */
  profile: profile.optional(),
  limits_best_effort: z.boolean().optional(),
  /** The hosts every install container may reach, replacing the built-in registry of each backend. */
  install_hosts: z.array(allowedHost).optional(),
  /** How long an install may run before it is stopped (default "10m"; "0" for no limit). */
  install_timeout: z.union([duration, z.literal('0')]).optional(),
  /** Default of "warm" for tools that do not set it. */
  warm: z.boolean().optional(),
  /** Default of "warm_idle" for tools that do not set it. */
  warm_idle: warmIdle.optional(),
  /** How many automatic snapshots (those taken before a run) are kept per directory. */
  snapshot_retention: z
    .strictObject({
      keep: z.number().int().min(1).optional(),
      max_age: z.string().regex(/^(0|\d+[mhdw])$/, 'must be "0" (no age limit) or an age such as "12h", "7d" or "2w"').optional(),
    })
    .optional(),
  /** The key sequence that detaches a terminal from a session (docker's notation; default "ctrl-]"). */
  detach_keys: z
    .string()
    .superRefine((s, ctx) => {
      const parsed = parseDetachKeys(s);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: `${parsed.error}: use e.g. "ctrl-]" or "ctrl-p,ctrl-q"` });
    })
    .optional(),
});
export type Settings = z.output<typeof SettingsSchema>;

/** Field names of a tool, for "did you mean" hints and provenance. */
export const TOOL_FIELDS = Object.keys(ToolLayerSchema.shape) as (keyof ToolLayer)[];
