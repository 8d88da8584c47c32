// Resource limits and profiles (pure). A profile picks the limits and how strict the tool's config
// must be; explicit `limits` override single values. Limits the host cannot enforce fail closed.
import type { ResolvedTool } from '../config/merge.js';
import type { LimitsConfig, Settings } from '../config/schema.js';
import { DEFAULT_INSTALL_TIMEOUT, DEFAULT_PIDS_LIMIT, PROFILE_LIMITS, durationMs, sizeBytes, type Profile } from '../defaults.js';
import { ConfigError } from '../errors.js';

export interface ResolvedLimits {
  profile: Profile;
  memory?: string;
  cpus?: number;
  pids?: number;
  timeout?: string;
  timeoutMs?: number;
  output?: string;
  outputBytes?: number;
  /** Runtime flags for the limits the kernel enforces (memory, CPU, processes). */
  args: string[];
  /** Limits requested but not enforced on this host (best effort). */
  unenforced: string[];
  warnings: string[];
}

const off = (v: string | number | undefined) => v === undefined || v === '0' || v === 0;

/** What the safe profile refuses in a tool's config (its strictness). */
function safeProfileProblems(tool: ResolvedTool): string[] {
  const problems: string[] = [];
  if (tool.network !== 'none' || tool.allowed_hosts.length) problems.push('network access');
  if (tool.ports.length) problems.push('published ports');
  if (tool.podman_args.length) problems.push('podman_args');
  if (tool.mounts.some((m) => !(m.opts ?? '').split(',').includes('ro'))) problems.push('read-write mounts');
  return problems;
}

/** Resolves the tool's limits. `enforceable`: whether the host can enforce kernel limits. */
export function resolveLimits(tool: ResolvedTool, settings: Pick<Settings, 'profile' | 'limits_best_effort'>, enforceable: boolean): ResolvedLimits {
  const profile = tool.profile ?? settings.profile ?? 'default';
  if (profile === 'safe') {
    const problems = safeProfileProblems(tool);
    if (problems.length) {
      throw new ConfigError(`${tool.name}: the "safe" profile allows no ${problems.join(', ')}`, `remove them from ${tool.name}, or use "profile": "default"`);
    }
  }
  const merged: LimitsConfig = { ...PROFILE_LIMITS[profile], ...tool.limits };
  const out: ResolvedLimits = { profile, args: [], unenforced: [], warnings: [] };
  if (!off(merged.memory)) out.memory = merged.memory;
  if (!off(merged.cpus)) out.cpus = merged.cpus;
  if (!off(merged.pids)) out.pids = merged.pids;
  if (!off(merged.timeout)) [out.timeout, out.timeoutMs] = [merged.timeout, durationMs(merged.timeout!)];
  if (!off(merged.output)) [out.output, out.outputBytes] = [merged.output, sizeBytes(merged.output!)];

  const kernel = [
    ...(out.memory ? [`memory ${out.memory}`] : []),
    ...(out.cpus ? [`cpus ${out.cpus}`] : []),
    ...(out.pids ? [`pids ${out.pids}`] : []),
  ];
  if (kernel.length && !enforceable) {
    const bestEffort = tool.limits_best_effort ?? settings.limits_best_effort ?? profile === 'dev';
    if (!bestEffort) {
      throw new ConfigError(
        `${tool.name}: this host cannot enforce the limits of the "${profile}" profile (${kernel.join(', ')}): rootless podman on cgroup v1 ignores resource limits`,
        'move the host to cgroup v2, or accept unenforced limits with "limits_best_effort": true (settings.json or the tool), or use "profile": "dev"',
      );
    }
    out.unenforced = kernel;
    out.warnings.push(`${tool.name}: limits not enforced on this host (rootless podman on cgroup v1): ${kernel.join(', ')}`);
    return out;
  }
  // no extra swap: a memory limit is the limit
  if (out.memory) out.args.push(`--memory=${out.memory}`, `--memory-swap=${out.memory}`);
  if (out.cpus) out.args.push(`--cpus=${out.cpus}`);
  if (out.pids) out.args.push(`--pids-limit=${out.pids}`);
  return out;
}

/** The limits of a tool's install container. */
export interface InstallLimits {
  /** Runtime flags: the tool's memory, CPU and process limits (a process limit always, where enforceable). */
  args: string[];
  memory?: string;
  /** Stop the install after this long (settings.json "install_timeout", default 10m); none when "0". */
  timeout?: string;
  timeoutMs?: number;
  unenforced: string[];
  warnings: string[];
}

/** Resolves the limits of a tool's install: the kernel limits of its runs (memory, cpus, pids, with the
 *  same best-effort rule), at least the default process limit, and the install timeout. The run's own
 *  timeout and output limits do not apply: an install has its own timeout, and shim keeps only the end
 *  of its output. */
export function resolveInstallLimits(
  tool: ResolvedTool,
  settings: Pick<Settings, 'profile' | 'limits_best_effort' | 'install_timeout'>,
  enforceable: boolean,
): InstallLimits {
  const run = resolveLimits(tool, settings, enforceable);
  const args = [...run.args];
  if (enforceable && !run.pids) args.push(`--pids-limit=${DEFAULT_PIDS_LIMIT}`);
  const timeout = settings.install_timeout ?? DEFAULT_INSTALL_TIMEOUT;
  return {
    args,
    ...(run.memory && !run.unenforced.length ? { memory: run.memory } : {}),
    ...(off(timeout) ? {} : { timeout, timeoutMs: durationMs(timeout) }),
    unenforced: run.unenforced,
    warnings: run.warnings.map((w) => w.replace(/^[^:]*: limits not enforced/, `${tool.name}: install limits not enforced`)),
  };
}
