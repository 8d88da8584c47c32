// Layers a tool's per-file configs into one ResolvedTool, field by field, remembering which file set
// each field. Rules: scalars replace; `env` merges by key; arrays replace (never concatenate, so a
// later file can always narrow what an earlier one granted).
import path from 'node:path';
import { ConfigError, UnknownToolError } from '../errors.js';
import { didYouMean } from '../suggest.js';
import type { ConfigLayer, FileProblem, LoadedConfig } from './load.js';
import type { Profile } from '../defaults.js';
import type { CredentialConfig, LimitsConfig, MountConfig, ToolLayer } from './schema.js';

export interface ResolvedTool {
  name: string;
  tool: string;
  command: string;
  mounts: MountConfig[];
  env: Record<string, string>;
  env_passthrough: string[];
  /** Unset: the current directory, at its path in the container (see plan/workdir.ts). */
  workdir?: string;
  network: 'none' | 'bridge';
  allowed_hosts: string[];
  isolated: boolean;
  ports: string[];
  podman_args: string[];
  /** Unset: the global setting, else shim's default. */
  min_release_age?: string;
  secrets: string[];
  /** Brokered variables (a whole map: a later file replaces it, like an array). */
  credentials: Record<string, CredentialConfig>;
  git_writable: boolean;
  unsafe_podman_args: boolean;
  /** Unset: settings.json "profile", else "default". */
  profile?: Profile;
  /** Per-field overrides of the profile's limits (merged by key across files). */
  limits: LimitsConfig;
  /** Unset: settings.json "limits_best_effort", else false. */
  limits_best_effort?: boolean;
  /** Unset: settings.json "warm", else false. */
  warm?: boolean;
  /** Unset: settings.json "warm_idle", else "10m". */
  warm_idle?: string;
  /** Snapshot its read-write directories before each run (unset: no). */
  snapshot?: boolean;
  /** On a terminal, the link starts or reattaches to the tool's session for the project. */
  session?: boolean;
  /** Its sessions work on a copy of the project of their own (src/worktree). */
  worktree?: boolean;
  /** Its sessions' restart policy, first delay and delay cap (unset: no restarts). */
  restart?: 'no' | 'on-failure' | 'always';
  restart_delay?: string;
  restart_max_delay?: string;
  /** npm packages installed beside the tool, as configured. */
  packages: string[];
  /** Packages whose install scripts run at install time. */
  install_scripts: string[];
  /** Extra hosts the install may reach. */
  install_hosts: string[];
  /** Field (or `env.NAME`) → the file that set it; fields left at their default are absent. */
  provenance: Record<string, string>;
}

/** Shows a config file relative to the config directory when it lives there. */
export function displayFile(file: string, configDir: string): string {
  const rel = path.relative(configDir, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** Formats a file's problems as "file: message" lines. */
export function formatProblem(problem: FileProblem, configDir: string): string {
  const file = displayFile(problem.file, configDir);
  return problem.messages.map((m) => `${file}: ${m}`).join('\n');
}

/** Returns every tool name defined by a valid layer, sorted. */
export function listToolNames(layers: readonly ConfigLayer[]): string[] {
  return [...new Set(layers.flatMap((l) => [...l.tools.keys()]))].sort();
}

/** The fields one tool's layers set, merged (pure, never throws); unset fields are absent. */
export interface MergedFields {
  merged: ToolLayer;
  env: Record<string, string>;
  limits: LimitsConfig;
  provenance: Record<string, string>;
  /** The files (as shown to the user) that mention the tool, in layering order. */
  files: string[];
}

/** The origin recorded for a layer's fields: its own label (a project file), else the file. */
export function layerOrigin(layer: ConfigLayer, configDir: string): string {
  return layer.origin ?? displayFile(layer.file, configDir);
}

/** Merges the fields of one tool across layers without applying defaults or checks. */
export function mergeToolFields(name: string, layers: readonly ConfigLayer[], configDir: string): MergedFields {
  const merged: ToolLayer = {};
  const env: Record<string, string> = {};
  const provenance: Record<string, string> = {};
  const limits: LimitsConfig = {};
  const files: string[] = [];
  for (const layer of layers) {
    const part = layer.tools.get(name);
    if (!part) continue;
    const file = layerOrigin(layer, configDir);
    files.push(file);
    for (const [key, value] of Object.entries(part) as [keyof ToolLayer, unknown][]) {
      if (value === undefined) continue;
      if (key === 'limits') {
        // limits merge by key like env: a later file can tighten one limit without restating the rest
        Object.assign(limits, value);
        provenance.limits = file;
        continue;
      }
      if (key === 'env') {
        for (const [k, v] of Object.entries(value as Record<string, string>)) {
          env[k] = v;
          provenance[`env.${k}`] = file;
        }
      } else {
        (merged as Record<string, unknown>)[key] = value;
      }
      provenance[key] = file;
    }
  }
  return { merged, env, limits, provenance, files };
}

/** Merges the layers of one tool (pure); throws ConfigError when `tool` is never set. */
export function mergeToolLayers(name: string, layers: readonly ConfigLayer[], configDir: string): ResolvedTool {
  const { merged, env, limits, provenance, files } = mergeToolFields(name, layers, configDir);
  if (!merged.tool) {
    throw new ConfigError(
      `${name}: missing "tool" (the mise tool spec, e.g. "npm:${name}"), in ${files.join(', ')}`,
      `add "tool" to the ${name} entry`,
    );
  }
  return {
    name,
    tool: merged.tool,
    command: merged.command ?? name,
    mounts: merged.mounts ?? [],
    env,
    env_passthrough: merged.env_passthrough ?? [],
    ...(merged.workdir !== undefined ? { workdir: merged.workdir } : {}),
    network: (merged.network as 'none' | 'bridge' | undefined) ?? 'none',
    allowed_hosts: merged.allowed_hosts ?? [],
    isolated: merged.isolated ?? false,
    ports: merged.ports ?? [],
    podman_args: merged.podman_args ?? [],
    ...(merged.min_release_age !== undefined ? { min_release_age: merged.min_release_age } : {}),
    secrets: merged.secrets ?? [],
    credentials: merged.credentials ?? {},
    git_writable: merged.git_writable ?? false,
    unsafe_podman_args: merged.unsafe_podman_args ?? false,
    ...(merged.profile !== undefined ? { profile: merged.profile } : {}),
    limits,
    ...(merged.limits_best_effort !== undefined ? { limits_best_effort: merged.limits_best_effort } : {}),
    ...(merged.warm !== undefined ? { warm: merged.warm } : {}),
    ...(merged.warm_idle !== undefined ? { warm_idle: merged.warm_idle } : {}),
    ...(merged.snapshot !== undefined ? { snapshot: merged.snapshot } : {}),
    ...(merged.session !== undefined ? { session: merged.session } : {}),
    ...(merged.worktree !== undefined ? { worktree: merged.worktree } : {}),
    ...(merged.restart !== undefined ? { restart: merged.restart } : {}),
    ...(merged.restart_delay !== undefined ? { restart_delay: merged.restart_delay } : {}),
    ...(merged.restart_max_delay !== undefined ? { restart_max_delay: merged.restart_max_delay } : {}),
    packages: merged.packages ?? [],
    install_scripts: merged.install_scripts ?? [],
    install_hosts: merged.install_hosts ?? [],
    provenance,
  };
}

/** Finds and merges one tool, refusing it when a file that mentions it is broken. */
export function resolveTool(name: string, config: LoadedConfig, configDir: string): ResolvedTool {
  const broken = config.problems.filter((p) => p.tools.includes(name));
  if (broken.length) {
    throw new ConfigError(
      `the configuration of "${name}" is invalid:\n${broken.map((p) => formatProblem(p, configDir)).join('\n')}`,
      'fix the file(s) above; other tools are not affected',
    );
  }
  if (!config.layers.some((l) => l.tools.has(name))) {
    // a file too broken to tell which tools it defines may define this one: a config error, not "unknown"
    const unreadable = config.problems.filter((p) => !p.tools.length);
    if (unreadable.length) {
      throw new ConfigError(
        `"${name}" is not defined by any readable config file, and these could not be read:\n${unreadable.map((p) => formatProblem(p, configDir)).join('\n')}`,
        'fix the file(s) above; tools of other files are not affected',
      );
    }
    const known = listToolNames(config.layers);
    const hints = [didYouMean(name, known)];
    if (config.problems.length) {
      hints.push(`these files could not be read and may define it: ${config.problems.map((p) => displayFile(p.file, configDir)).join(', ')}`);
    }
    if (!known.length && !config.problems.length) hints.push(`add it to ${path.join(configDir, 'config.json')} (see config.sample.json)`);
    throw new UnknownToolError(`unknown tool "${name}"`, hints.filter(Boolean).join('; ') || `known tools: ${known.join(', ')}`);
  }
  return mergeToolLayers(name, config.layers, configDir);
}
