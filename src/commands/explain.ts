// `shim explain <tool> [--json]`: the effective config with the origin of every field, what is
// enforced and what is not, and the exact runtime command (paste-ready, secrets redacted).
import type { App } from '../app/with-config-files.js';
import { resolveTool, type ResolvedTool } from '../config/merge.js';
import { TOOL_FIELDS } from '../config/schema.js';
import { envFlag } from '../host.js';
import { readLockFile } from '../install/lockfile.js';
import { CA_BUNDLE_VARS, RUN_CACHE_ENV } from '../plan/env.js';
import type { NetworkMode } from '../plan/network.js';
import { proxyEnv } from '../plan/egress.js';
import { describeSource } from '../plan/credentials.js';
import { describeProjectRoot } from '../facts/project-root.js';
import { loadImageChoice } from '../runtime/image.js';
import { dryRun } from './run.js';

const PROXY_ENV = proxyEnv();

export interface ExplainField {
  key: string;
  value: unknown;
  /** "built-in default", a config file (relative to the config dir), or an environment variable. */
  origin: string;
}

export interface ExplainReport {
  tool: string;
  spec: string;
  lockedVersion: string | null;
  runtime: { name: string; path: string; rootless: boolean };
  image: { ref: string; source: string };
  fields: ExplainField[];
  network: { mode: NetworkMode; origin: string; ports: string[]; allowedHosts: string[] };
  /** Brokered variables: the tool sees a placeholder, the proxy adds the real value for these hosts only. */
  /** `unset`: an optional credential whose source is missing here, which the tool does not get. */
  credentials: { name: string; hosts: string[]; from: string; optional: boolean; unset: boolean }[];
  /** What "." means for this run (the project root) and why, and where the tool starts. */
  project: { root: string; why: string } | null;
  workdir: string;
  mounts: { src: string; dst: string; mode: 'ro' | 'rw'; arrow: '-->' | '<-->' }[];
  env: { name: string; origin: string }[];
  enforced: string[];
  notEnforced: string[];
  warnings: string[];
  command: string;
  argv: string[];
  /** A warm tool: the command that starts its container and the exec of a call (null: a cold run). */
  warm: { idleSeconds: number; start: string; call: string } | null;
}

const DEFAULT = 'built-in default';

const NETWORK_SUMMARY: Record<NetworkMode, string> = {
  none: 'no network: loopback only (--network none)',
  bridge: 'full outbound network (--network bridge): explicit opt-in',
  allowlist: 'no network of its own (--network none); only the allowed hosts, through shim\'s proxy (HTTPS via CONNECT, plain HTTP), which refuses private and loopback addresses; no resolver inside',
};

function fieldOrigin(tool: ResolvedTool, key: string): string {
  return tool.provenance[key] ?? DEFAULT;
}

function envOrigin(tool: ResolvedTool, name: string, allowlist: boolean): string {
  // shim's proxy variables win over configured ones (see run-plan.ts)
  if (allowlist && name in PROXY_ENV) return 'shim (egress proxy for allowed_hosts)';
  if (name in tool.credentials) return `shim (credential placeholder; the proxy adds the real value for ${tool.credentials[name]!.hosts.join(', ')}, ${fieldOrigin(tool, 'credentials')})`;
  if (Object.keys(tool.credentials).length && CA_BUNDLE_VARS.includes(name)) return 'shim (the run\'s CA for brokered credentials)';
  if (name in tool.env) return tool.provenance[`env.${name}`] ?? DEFAULT;
  if (tool.env_passthrough.includes(name)) return `host (env_passthrough, ${fieldOrigin(tool, 'env_passthrough')})`;
  if (CA_BUNDLE_VARS.includes(name)) return 'shim (CA bundle)';
  if (name in RUN_CACHE_ENV) return 'shim (run-time caches in HOME)';
  return 'shim';
}

/** Builds the explanation without building, installing or running anything. */
export function explainTool(app: App, name: string): ExplainReport {
  // a call as an editor or agent makes it (no terminal on stdin): how explain itself is piped says
  // nothing about the tool's calls (and would make a warm tool look cold under `shim explain x | less`)
  const plan = dryRun({ ...app, host: { ...app.host, stdinIsTTY: false } }, name, []);
  const tool = resolveTool(name, app.config(), app.paths.configDir);
  const runtime = app.runtime();
  const config = app.config();
  const { choice } = loadImageChoice({ host: app.host, settings: config.settings });
  const env = app.host.env;
  // env values may be secrets: the report names variables, never their values
  const valueOf = (key: string) => (key === 'env' ? Object.keys(tool.env) : key === 'workdir' ? plan.workdir : ((tool as unknown as Record<string, unknown>)[key] ?? null));
  const fields: ExplainField[] = TOOL_FIELDS.map((key) => ({ key, value: valueOf(key), origin: fieldOrigin(tool, key) }));
  const allowNetwork = envFlag(env, 'SHIM_ALLOW_NETWORK') && tool.network === 'none' && plan.policy.network === 'bridge';
  const networkOrigin = allowNetwork ? 'SHIM_ALLOW_NETWORK (this run only)' : fieldOrigin(tool, plan.policy.network === 'allowlist' ? 'allowed_hosts' : 'network');
  const extraPorts = env.SHIM_EXTRA_PORTS ? ` + SHIM_EXTRA_PORTS` : '';
  const { policy } = plan;
  const identity = runtime.rootless ? 'the invoking user (rootless podman, --userns=keep-id)' : `uid:gid ${app.host.uid}:${app.host.gid}`;
  const enforced = [
    'no Linux capabilities (--cap-drop=all) and no privilege gain (no-new-privileges)',
    'read-only root file system; private tmpfs for /tmp and HOME',
    NETWORK_SUMMARY[policy.network],
    `the tool's install is read-only (volume ${plan.volume}); no other tool's install is mounted`,
    `runs as ${identity}; files written to mounts belong to you`,
    'only the listed variables enter the container (always NAME=value); the runtime adds no proxy variables',
    plan.warm
      ? `a warm container per policy, whose keeper runs each call (no runtime command per call; a call on a terminal runs cold), stopped after ${plan.warm.idleSeconds} s without one; each call starts with no leftover processes and empty tmpfs dirs when no other call is running; the tool never runs during install`
      : `a fresh container per run, removed on exit (--rm)${plan.coldReason ? ` (warm is on, but this runs cold: ${plan.coldReason})` : ''}; the tool never runs during install`,
  ];
  const limits = plan.limits;
  const kernel = [
    ...(limits?.memory ? [`memory ${limits.memory}`] : []),
    ...(limits?.cpus ? [`cpus ${limits.cpus}`] : []),
    ...(limits?.pids ? [`at most ${limits.pids} processes`] : []),
  ];
  const byShim = [...(limits?.timeout ? [`timeout ${limits.timeout} (then exit 124)`] : []), ...(limits?.output ? [`output ${limits.output} (the rest is cut)`] : [])];
  const profile = `profile "${limits?.profile ?? 'default'}" [${tool.profile ? fieldOrigin(tool, 'profile') : config.settings.profile ? 'settings.json' : DEFAULT}]`;
  if (kernel.length && !limits?.unenforced.length) enforced.push(`${profile}: ${[...kernel, ...byShim].join(', ')}`);
  else if (byShim.length) enforced.push(`${profile}: ${byShim.join(', ')}`);
  enforced.push('seccomp: shim\'s deny-by-default profile (no io_uring, user namespaces, mounts, keyrings, ptrace, bpf, kernel modules)');
  enforced.push(plan.warm ? 'the call ends when shim does, however shim ends (its connection to the keeper is its lifeline); the warm container stays' : 'the container ends when shim does, however shim ends (a lifeline it holds)');
  enforced.push('private IPC; no copy of the output in the runtime\'s logs (--log-driver=none)');
  enforced.push('no value of the tool\'s variables on the runtime\'s command line (a bare --env NAME: the runtime takes it from its environment)');
  const notEnforced = [
    ...(limits?.unenforced.length ? [`${limits.unenforced.join(', ')}: this host cannot enforce them (rootless podman on cgroup v1; limits_best_effort is on)`] : []),
    'the tool\'s variable values are in the runtime\'s environment and the container\'s configuration (podman/docker inspect): readable by your own processes and root, not by other users',
    ...(plan.warm ? ['calls that overlap share the warm container: they see each other\'s processes and /tmp, and the limits apply to them together'] : []),
    ...(policy.network === 'allowlist' ? ['inside an allowed host\'s connection (TLS is not intercepted, except to hosts with brokered credentials): what is sent there, and domain fronting on shared CDNs'] : []),
  ];
  return {
    tool: tool.name,
    spec: tool.tool,
    lockedVersion: readLockFile(app.paths.stateDir).tools[tool.name]?.version ?? null,
    runtime: { name: runtime.name, path: runtime.path, rootless: runtime.rootless },
    image: { ref: choice.ref, source: choice.source },
    fields,
    network: { mode: policy.network, origin: `${networkOrigin}${extraPorts}`, ports: policy.ports, allowedHosts: policy.allowedHosts },
    credentials: Object.entries(tool.credentials).map(([n, c]) => ({ name: n, hosts: c.hosts, from: describeSource(c.from), optional: Boolean(c.optional), unset: plan.unsetCredentials.some((u) => u.name === n) })),
    project: plan.project ? { root: plan.project.path, why: describeProjectRoot(plan.project) } : null,
    workdir: plan.workdir,
    mounts: policy.mounts.map((m) => ({ ...m, arrow: m.mode === 'ro' ? '-->' : '<-->' })),
    env: policy.env.map((n) => ({ name: n, origin: envOrigin(tool, n, policy.network === 'allowlist') })),
    enforced,
    notEnforced,
    warnings: plan.warnings,
    command: plan.display,
    argv: plan.displayArgv,
    warm: plan.warm ? { idleSeconds: plan.warm.idleSeconds, start: plan.warm.startDisplay, call: plan.warm.callDisplay } : null,
  };
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Human form of the report (stdout). */
export function formatExplain(r: ExplainReport): string {
  const lines = [`${r.tool}: ${r.spec}${r.lockedVersion ? ` (locked ${r.lockedVersion})` : ' (not installed yet)'} on ${r.runtime.name}${r.runtime.rootless ? ' (rootless)' : ''}, image ${r.image.ref}`, '', 'config (value, origin):'];
  const width = Math.max(...r.fields.map((f) => f.key.length));
  for (const f of r.fields) {
    if (f.key === 'env') continue;
    lines.push(`  ${f.key.padEnd(width)}  ${show(f.value)}  [${f.origin}]`);
  }
  lines.push('', `network: ${r.network.mode} [${r.network.origin}]${r.network.ports.length ? `, ports ${r.network.ports.join(', ')}` : ''}`);
  // the effective list, exactly: no host is ever added to it behind the user's back
  if (r.network.mode === 'allowlist') lines.push(...r.network.allowedHosts.map((h) => `  allowed: ${h}`));
  // TLS to these hosts only is decrypted by the proxy, which alone holds the values
  lines.push(...r.credentials.map((c) => (c.unset
    ? `  unset: ${c.name} (an optional credential for ${c.hosts.join(', ')}; its source ${c.from} is missing, so the tool does not get it)`
    : `  brokered: ${c.name} for ${c.hosts.join(', ')} (the tool sees a placeholder; the value, from ${c.from}, is added by the proxy)${c.optional ? ' [optional]' : ''}`)));
  if (r.project) lines.push('', `project root ("." in mounts): ${r.project.root}, ${r.project.why}`, `working directory: ${r.workdir}`);
  lines.push('', 'mounts (host --> container read-only, <--> read-write):');
  if (!r.mounts.length) lines.push('  none');
  for (const m of r.mounts) lines.push(`  ${m.src} ${m.arrow} ${m.dst}`);
  lines.push('', 'environment (names only):');
  for (const e of r.env) lines.push(`  ${e.name}  [${e.origin}]`);
  lines.push('', 'enforced:', ...r.enforced.map((e) => `  ✓ ${e}`));
  lines.push('', 'not enforced:', ...r.notEnforced.map((e) => `  ✗ ${e}`));
  if (r.warnings.length) lines.push('', 'warnings:', ...r.warnings.map((w) => `  ! ${w}`));
  // a bare --env NAME has no value to redact: pasted into a shell, it takes NAME from that shell's environment
  if (r.warm) lines.push('', 'warm container, started when none of this policy is up (secrets redacted; --env NAME takes its value from the environment):', `  ${r.warm.start}`, 'each call, run by the container\'s keeper over a socket (no runtime command):', `  ${r.warm.call}`);
  else lines.push('', 'runtime command (secrets redacted; --env NAME takes its value from the environment):', `  ${r.command}`);
  return `${lines.join('\n')}\n`;
}

export function explainCommand(app: App, name: string, options: { json?: boolean }): number {
  const report = explainTool(app, name);
  app.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatExplain(report));
  return 0;
}
