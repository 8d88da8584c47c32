// Widening analysis of a project layer: which fields of an untrusted .shim.json give a tool more
// than the layers below it did (those are dropped until \`shim trust\`). Pure but for the real paths of
// mount sources.
import { DEFAULT_MIN_RELEASE_AGE, DEFAULT_WARM_IDLE, PROFILES, PROFILE_LIMITS, durationMs, releaseAgeMs, sizeBytes } from '../defaults.js';
import { findProjectRoot } from '../facts/project-root.js';
import { realpathLoose } from '../facts/realpath.js';
import { expandMountSource, isVolumeName, isWithin } from '../path-helpers.js';
import type { ConfigLayer } from './load.js';
import { mergeToolFields, type MergedFields } from './merge.js';
import type { ProjectContext, Widening } from './project-state.js';
import type { LimitsConfig, MountConfig, Settings, ToolLayer } from './schema.js';


/** What a project layer is compared with: the tool as the layers below define it. */
interface Base {
  isNew: boolean;
  fields: MergedFields;
}

const show = (v: unknown) => JSON.stringify(v);
const readOnly = (m: MountConfig) => (m.opts ?? '').split(',').includes('ro');
const PROFILE_RANK: Record<string, number> = Object.fromEntries(PROFILES.map((p, i) => [p, i]));

/** A limit as a comparable number; Infinity when off or unset. */
function limitValue(key: keyof LimitsConfig, v: string | number | undefined): number {
  if (v === undefined || v === 0 || v === '0') return Infinity;
  if (key === 'memory' || key === 'output') return sizeBytes(String(v));
  if (key === 'timeout') return durationMs(String(v));
  return Number(v);
}

interface MountCheck {
  /** The directory holding the project file: its mounts must stay inside it. */
  root: string;
  /** The project root of a run from here (what "." means in your own mounts; facts/project-root.ts). */
  runRoot: string;
  home: string;
}

function resolveHostSource(src: string, ctx: MountCheck): string {
  return realpathLoose(expandMountSource(src, ctx.runRoot, ctx.home));
}

/** Why a project's mount list gives more than the base, or undefined. */
function mountsWidening(mounts: MountConfig[], base: Base, ctx: MountCheck): string | undefined {
  const baseMounts = base.fields.merged.mounts ?? [];
  const problems: string[] = [];
  mounts.forEach((m, i) => {
    const at = `[${i}] ${show(m.src)}`;
    if (m.allow_sensitive) return problems.push(`${at} has allow_sensitive`);
    if (isVolumeName(m.src)) {
      // a named volume outlives the project and is shared by every project using that tool name
      const same = baseMounts.find((b) => b.src === m.src && (readOnly(m) || !readOnly(b)));
      if (!same) problems.push(`${at} is a named volume ${base.isNew ? '(it persists outside the project)' : 'your config does not give this tool'}`);
      return;
    }
    let real: string;
    try {
      real = resolveHostSource(m.src, ctx);
    } catch {
      return problems.push(`${at} is not a usable path`);
    }
    if (!isWithin(real, ctx.root)) return problems.push(`${at} resolves to ${real}, outside the project ${ctx.root}`);
    if (base.isNew) return;
    // a tool of yours: only what your own mounts already expose, and writable only where they are
    const covered = baseMounts.some((b) => {
      if (isVolumeName(b.src) || (!readOnly(m) && readOnly(b))) return false;
      try {
        return isWithin(real, resolveHostSource(b.src, ctx));
      } catch {
        return false;
      }
    });
    if (!covered) problems.push(`${at} (${readOnly(m) ? 'read-only' : 'read-write'}) is not ${readOnly(m) ? 'inside a mount' : 'inside a read-write mount'} your config gives this tool`);
  });
  return problems.length ? problems.join('; ') : undefined;
}

const subset = (a: readonly string[], b: readonly string[]) => a.every((x) => b.includes(x));
const missing = (a: readonly string[], b: readonly string[]) => a.filter((x) => !b.includes(x));

/** The fields of `part` that give the tool more than `base` (and settings) did. */
export function findWidenings(name: string, part: ToolLayer, base: Base, settings: Settings, mountCtx: MountCheck, now = Date.now()): Widening[] {
  const b = base.fields.merged;
  const out: Widening[] = [];
  const add = (field: keyof ToolLayer, detail: string) => out.push({ tool: name, field, detail });
  const yours = base.isNew ? 'shim\'s default' : 'yours';
  const baseNetwork = b.network ?? 'none';
  const baseProfile = b.profile ?? settings.profile ?? 'default';
  for (const key of Object.keys(part) as (keyof ToolLayer)[]) {
    const v = part[key];
    if (v === undefined) continue;
    switch (key) {
      case 'tool':
      case 'command':
        // another package or binary would run with the access your config gave this tool
        if (!base.isNew && v !== b[key]) add(key, `${show(v)} (runs other code with the access your config gives it; yours: ${show(b[key] ?? null)})`);
        break;
      case 'env': {
        if (base.isNew) break;
        const changed = Object.entries(v as Record<string, string>).filter(([k, val]) => base.fields.env[k] !== val).map(([k]) => k);
        if (changed.length) add(key, `sets ${changed.join(', ')} (variables can change what runs with the access your config gives it)`);
        break;
      }
      case 'secrets':
        if (!base.isNew && !subset(v as string[], b.secrets ?? [])) add(key, `adds ${missing(v as string[], b.secrets ?? []).join(', ')}`);
        break;
      case 'credentials': {
        // a source is host access (a variable, a file, a command run on the host): only yours, unchanged
        const baseCreds = b.credentials ?? {};
        const wider = Object.entries(v as Record<string, { from: string; hosts: string[] }>)
          .filter(([k, c]) => baseCreds[k]?.from !== c.from || !subset(c.hosts, baseCreds[k]!.hosts))
          .map(([k, c]) => `${k} from ${show(c.from)} for ${c.hosts.join(', ')}`);
        if (wider.length) add(key, `brokers ${wider.join('; ')} (reads host secrets; ${yours}: ${show(Object.keys(baseCreds))})`);
        break;
      }
      case 'env_passthrough': {
        const extra = missing(v as string[], b.env_passthrough ?? []);
        if (extra.length) add(key, `passes host variables ${extra.join(', ')} (${yours}: ${show(b.env_passthrough ?? [])})`);
        break;
      }
      case 'network':
        if (v !== 'none' && baseNetwork === 'none') add(key, `${show(v)} (full outbound network; ${yours}: "none")`);
        break;
      case 'allowed_hosts': {
        const hosts = v as string[];
        if (!hosts.length) break;
        if (baseNetwork === 'none') add(key, `${show(hosts)} (network access; ${yours}: none)`);
        else if ((b.allowed_hosts ?? []).length && !subset(hosts, b.allowed_hosts!)) add(key, `adds ${missing(hosts, b.allowed_hosts!).join(', ')} (${yours}: ${show(b.allowed_hosts)})`);
        break;
      }
      case 'ports': {
        const extra = missing(v as string[], b.ports ?? []);
        if (extra.length) add(key, `publishes ${extra.join(', ')} (${yours}: ${show(b.ports ?? [])})`);
        break;
      }
      case 'podman_args': {
        const args = v as string[];
        if (args.length && show(args) !== show(b.podman_args ?? [])) add(key, `${show(args)} (extra runtime arguments; ${yours}: ${show(b.podman_args ?? [])})`);
        break;
      }
      case 'unsafe_podman_args':
      case 'git_writable':
        if (v === true && b[key] !== true) add(key, 'true');
        break;
      case 'limits_best_effort':
        if (v === true && !(b.limits_best_effort ?? settings.limits_best_effort ?? baseProfile === 'dev')) add(key, 'true (runs where limits cannot be enforced)');
        break;
      case 'profile':
        if (PROFILE_RANK[v as string]! > PROFILE_RANK[baseProfile]!) add(key, `${show(v)} (weaker than ${yours}: ${show(baseProfile)})`);
        break;
      case 'limits': {
        const profileLimits = PROFILE_LIMITS[baseProfile];
        const looser = Object.entries(v as LimitsConfig)
          .filter(([k, val]) => {
            const lk = k as keyof LimitsConfig;
            return limitValue(lk, val) > limitValue(lk, base.fields.limits[lk] ?? profileLimits[lk]);
          })
          .map(([k, val]) => `${k} ${show(val)} (${yours}: ${show(base.fields.limits[k as keyof LimitsConfig] ?? profileLimits[k as keyof LimitsConfig] ?? 'none')})`);
        if (looser.length) add(key, `raises ${looser.join(', ')}`);
        break;
      }
      case 'isolated':
        // no effect: every tool has its own download cache
        break;
      case 'min_release_age': {
        const baseAge = b.min_release_age ?? settings.min_release_age ?? DEFAULT_MIN_RELEASE_AGE;
        if (releaseAgeMs(v as string, now) < releaseAgeMs(baseAge, now)) add(key, `${show(v)} (accepts newer releases; ${yours}: ${show(baseAge)})`);
        break;
      }
      case 'mounts': {
        const why = mountsWidening(v as MountConfig[], base, mountCtx);
        if (why) add(key, why);
        break;
      }
      case 'warm':
        // not access, but a container (and whatever a call leaves in memory) that outlives the call
        if (v === true && !(b.warm ?? settings.warm)) add(key, 'true (keeps a container running between calls)');
        break;
      case 'warm_idle': {
        const baseIdle = b.warm_idle ?? settings.warm_idle ?? DEFAULT_WARM_IDLE;
        if (durationMs(v as string) > durationMs(baseIdle)) add(key, `${show(v)} (keeps a warm container longer; ${yours}: ${show(baseIdle)})`);
        break;
      }
      case 'packages':
        // more code installed beside the tool, loaded by its configs with the access your config gave it
        if (!base.isNew && !subset(v as string[], b.packages ?? [])) add(key, `adds ${missing(v as string[], b.packages ?? []).join(', ')} (more code beside the tool; ${yours}: ${show(b.packages ?? [])})`);
        break;
      case 'install_scripts': {
        const extra = missing(v as string[], b.install_scripts ?? []);
        if (extra.length) add(key, `runs the install scripts of ${extra.join(', ')} (${yours}: ${show(b.install_scripts ?? [])})`);
        break;
      }
      case 'install_hosts': {
        const extra = missing(v as string[], b.install_hosts ?? []);
        if (extra.length) add(key, `lets the install reach ${extra.join(', ')} (${yours}: ${show(b.install_hosts ?? [])})`);
        break;
      }
      case 'workdir':
        break;
      case 'snapshot':
        // turning it on only adds a copy on your side; turning yours off removes your safety net
        if (v === false && b.snapshot === true) add(key, 'false (no snapshot before runs)');
        break;
      case 'session':
        // a session keeps the tool running after its terminal is gone
        if (v === true && b.session !== true) add(key, 'true (the tool keeps running after you leave its terminal)');
        break;
      case 'worktree':
        // on: the tool works on a copy; off where yours is on: it writes your tree again
        if (v === false && b.worktree === true) add(key, 'false (sessions write your working tree, not a copy)');
        break;
      case 'restart':
        // restarts keep the tool running after it ended by itself
        if (v !== 'no' && v !== b.restart && !(v === 'on-failure' && b.restart === 'always')) add(key, `${show(v)} (the tool is run again after it exits; ${yours}: ${show(b.restart ?? 'no')})`);
        break;
      case 'restart_delay':
      case 'restart_max_delay':
        break;
      default: {
        // a field added to the schema must be classified here; until then it counts as widening
        const unclassified: never = key;
        add(unclassified, `${show(v)} (not known to be narrowing)`);
      }
    }
  }
  return out;
}

/** Compares every tool of a project layer with the layers below it. */
export function analyzeProjectTools(tools: ReadonlyMap<string, ToolLayer>, below: readonly ConfigLayer[], ctx: ProjectContext & { root: string }): Widening[] {
  const mountCtx = { root: realpathLoose(ctx.root), runRoot: findProjectRoot(ctx.cwd, ctx.home).path, home: ctx.home };
  return [...tools].flatMap(([name, part]) => {
    const fields = mergeToolFields(name, below, ctx.configDir);
    return findWidenings(name, part, { isNew: fields.files.length === 0, fields }, ctx.settings, mountCtx, ctx.now);
  });
}

/** The project layer with every widening field removed. */
export function narrowProjectTools(tools: ReadonlyMap<string, ToolLayer>, widenings: readonly Widening[], below: readonly ConfigLayer[]): Map<string, ToolLayer> {
  const out = new Map<string, ToolLayer>();
  for (const [name, part] of tools) {
    const drop = new Set(widenings.filter((w) => w.tool === name).map((w) => w.field));
    const kept = Object.fromEntries(Object.entries(part).filter(([k]) => !drop.has(k as keyof ToolLayer))) as ToolLayer;
    out.set(name, kept);
  }
  return out;
}

