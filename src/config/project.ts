// The project layer: a `.shim.json` found from the current directory upward (up to $HOME when inside
// it, else up to /). It can add tools and narrow yours; anything that widens access is ignored, with a
// warning per field, until the user runs `shim trust` there (which records the file's sha256). A file
// not owned by the invoking user, or writable by group/others, or a symbolic link, is refused.
//
// The project root is the directory holding .shim.json; relative mount sources in it ("." included)
// are relative to that root, not to the current directory, and are rewritten to absolute paths.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_MIN_RELEASE_AGE } from '../install/ensure.js';
import { isWithin } from '../plan/mount-policy.js';
import { expandMountSource, isVolumeName } from '../plan/mounts.js';
import { PROFILE_LIMITS, durationMs, sizeBytes } from '../plan/limits.js';
import { DEFAULT_WARM_IDLE } from '../plan/warm.js';
import { realpathLoose } from '../plan/protected-paths.js';
import { MAX_CONFIG_BYTES, parseToolText, validateToolObject, type ConfigLayer, type FileProblem } from './load.js';
import { mergeToolFields, type MergedFields } from './merge.js';
import { PROFILES, type LimitsConfig, type MountConfig, type Settings, type ToolLayer } from './schema.js';
import { sha256, trustedEntry, type TrustEntry } from './trust.js';

import { PROJECT_FILE, findProjectFile } from './project-file.js';

export { PROJECT_FILE, findProjectFile };

/** One field of one tool that gives more than the layers below it did. */
export interface Widening {
  tool: string;
  field: keyof ToolLayer;
  /** What it asks for and what you had, e.g. `"bridge" (full outbound network; yours: "none")`. */
  detail: string;
}

export interface ProjectState {
  /** The .shim.json (its directory's real path joined with the name). */
  file: string;
  /** The project root: the directory holding the file. */
  root: string;
  /** trusted: applied whole; untrusted: never trusted, narrowing only; changed: trusted once, changed
   *  since, narrowing only; refused: not read (owner, mode, symlink); invalid: failed validation. */
  status: 'trusted' | 'untrusted' | 'changed' | 'refused' | 'invalid';
  /** sha256 of the bytes read (not for refused files). */
  sha256?: string;
  /** Why the file was refused (status "refused"). */
  refusal?: string;
  /** Widening fields dropped from the layer (untrusted or changed). */
  ignored: Widening[];
  /** changed: what the file now asks for beyond the version you trusted. */
  sinceTrusted: Widening[];
  /** changed: when the previous version was trusted. */
  trustedAt?: string;
}

export interface ProjectContext {
  cwd: string;
  home: string;
  uid: number;
  stateDir: string;
  settings: Settings;
  configDir: string;
  /** For min_release_age dates (tests). */
  now?: number;
}

// ---------------------------------------------------------------------------------------------------
// discovery and reading

/** Reads the project file through one descriptor (no symlink followed), checking owner and mode on
 *  that same file, so the bytes hashed are the bytes checked and parsed. */
export function readProjectFile(file: string, uid: number): { text: string; sha256: string } | { refusal: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { refusal: 'is a symbolic link (a project file must be a regular file in the project)' };
    return { refusal: `cannot be read: ${(e as Error).message}` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { refusal: 'is not a regular file' };
    if (st.uid !== uid) return { refusal: `is owned by uid ${st.uid}, not by you (uid ${uid}); someone else may have put it there` };
    if (st.mode & 0o022) return { refusal: `is writable by ${st.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(st.mode & 0o777).toString(8)}); run chmod go-w on it` };
    if (st.size > MAX_CONFIG_BYTES) return { refusal: `is ${st.size} bytes; config files are limited to ${MAX_CONFIG_BYTES} bytes` };
    const bytes = fs.readFileSync(fd);
    return { text: bytes.toString('utf8'), sha256: sha256(bytes) };
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------
// mounts relative to the project root

/** Makes relative host mount sources ("." included) absolute against the project root; "~…",
 *  absolute paths and named volumes are left as written. */
export function anchorMounts(tools: ReadonlyMap<string, ToolLayer>, root: string): Map<string, ToolLayer> {
  const out = new Map<string, ToolLayer>();
  for (const [name, part] of tools) {
    if (!part.mounts) {
      out.set(name, part);
      continue;
    }
    const mounts = part.mounts.map((m) => (isVolumeName(m.src) || m.src.startsWith('~') || path.isAbsolute(m.src) ? m : { ...m, src: path.resolve(root, m.src) }));
    out.set(name, { ...part, mounts });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// widening analysis (pure but for realpath of mount sources)

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

const AGE_UNITS: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8, y: 3.1536e10 };
/** A minimum release age in ms ("0" → 0; a date → the age it implies now). */
function ageMs(v: string, now: number): number {
  if (v === '0') return 0;
  const m = /^(\d+)([smhdwy])$/.exec(v);
  if (m) return Number(m[1]) * AGE_UNITS[m[2]!]!;
  const t = Date.parse(`${v}T00:00:00Z`);
  return Number.isNaN(t) ? 0 : now - t;
}

interface MountCheck {
  root: string;
  cwd: string;
  home: string;
}

function resolveHostSource(src: string, ctx: MountCheck): string {
  return realpathLoose(expandMountSource(src, ctx.cwd, ctx.home));
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
        if (v === false && b.isolated === true) add(key, 'false (shares the download cache)');
        break;
      case 'min_release_age': {
        const baseAge = b.min_release_age ?? settings.min_release_age ?? DEFAULT_MIN_RELEASE_AGE;
        if (ageMs(v as string, now) < ageMs(baseAge, now)) add(key, `${show(v)} (accepts newer releases; ${yours}: ${show(baseAge)})`);
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
      case 'workdir':
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
  const mountCtx = { root: realpathLoose(ctx.root), cwd: ctx.cwd, home: ctx.home };
  return [...tools].flatMap(([name, part]) => {
    const fields = mergeToolFields(name, below, ctx.configDir);
    return findWidenings(name, part, { isNew: fields.files.length === 0, fields }, ctx.settings, mountCtx, ctx.now);
  });
}

/** The project layer with every widening field removed; untrusted new tools also get their own
 *  download cache (`isolated`), so installing them never touches the cache your tools share. */
export function narrowProjectTools(tools: ReadonlyMap<string, ToolLayer>, widenings: readonly Widening[], below: readonly ConfigLayer[]): Map<string, ToolLayer> {
  const out = new Map<string, ToolLayer>();
  for (const [name, part] of tools) {
    const drop = new Set(widenings.filter((w) => w.tool === name).map((w) => w.field));
    const kept = Object.fromEntries(Object.entries(part).filter(([k]) => !drop.has(k as keyof ToolLayer))) as ToolLayer;
    if (!below.some((l) => l.tools.has(name))) kept.isolated = true;
    out.set(name, kept);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// the whole layer

export interface ProjectLoad {
  state: ProjectState;
  /** The layer to put on top of the user's (absent when refused or invalid). */
  layer?: ConfigLayer;
  /** Validation problems of the file (status "invalid"). */
  problem?: FileProblem;
}

/** The trusted version's tools (as stored), anchored like the current file; empty when unusable. */
function trustedTools(entry: TrustEntry, file: string, root: string): Map<string, ToolLayer> {
  const r = validateToolObject(file, entry.content);
  return 'messages' in r ? new Map() : anchorMounts(r.tools, root);
}

/** Finds, reads, checks and layers the project file of `ctx.cwd`; undefined when there is none. */
export function loadProject(ctx: ProjectContext, below: readonly ConfigLayer[]): ProjectLoad | undefined {
  const found = findProjectFile(ctx.cwd, ctx.home);
  if (!found) return undefined;
  return loadProjectFile(found, ctx, below);
}

export function loadProjectFile(file: string, ctx: ProjectContext, below: readonly ConfigLayer[]): ProjectLoad {
  const root = path.dirname(file);
  const base = { file, root, ignored: [] as Widening[], sinceTrusted: [] as Widening[] };
  const read = readProjectFile(file, ctx.uid);
  if ('refusal' in read) return { state: { ...base, status: 'refused', refusal: read.refusal } };
  const { result } = parseToolText(file, read.text);
  if ('messages' in result) return { state: { ...base, status: 'invalid', sha256: read.sha256 }, problem: result };
  const tools = anchorMounts(result.tools, root);
  const entry = trustedEntry(ctx.stateDir, file);
  const origin = `project:${file}`;
  if (entry?.sha256 === read.sha256) {
    return { state: { ...base, status: 'trusted', sha256: read.sha256, trustedAt: entry.trusted_at }, layer: { file, tools, origin } };
  }
  const full = { ...ctx, root };
  const ignored = analyzeProjectTools(tools, below, full);
  const layer: ConfigLayer = { file, tools: narrowProjectTools(tools, ignored, below), origin: `${origin} (untrusted)` };
  if (!entry) return { state: { ...base, status: 'untrusted', sha256: read.sha256, ignored }, layer };
  const old: ConfigLayer = { file, tools: trustedTools(entry, file, root), origin };
  const sinceTrusted = analyzeProjectTools(tools, [...below, old], full);
  return { state: { ...base, status: 'changed', sha256: read.sha256, ignored, sinceTrusted, trustedAt: entry.trusted_at }, layer };
}

/** One line per widening, as warned about and as listed by `shim trust`. */
export function formatWidening(w: Widening): string {
  return `${w.tool}.${w.field}: ${w.detail}`;
}

/** The warnings a project layer produces on every command that loads the config. */
export function projectWarnings(state: ProjectState): string[] {
  const allow = `run \`shim trust\` in ${state.root} to allow`;
  switch (state.status) {
    case 'refused':
      return [`ignoring ${state.file}: it ${state.refusal}`];
    case 'untrusted':
      return state.ignored.map((w) => `${state.file}: ignored ${formatWidening(w)}; ${allow}`);
    case 'changed': {
      const head = `${state.file} changed since you trusted it (${state.trustedAt}); only its narrowing settings apply until you trust it again`;
      const diff = state.sinceTrusted.length
        ? `${head}; widened since then:\n${state.sinceTrusted.map((w) => `  ${formatWidening(w)}`).join('\n')}`
        : `${head}; it widens nothing compared with the version you trusted`;
      return [diff, ...state.ignored.map((w) => `${state.file}: ignored ${formatWidening(w)}; ${allow}`)];
    }
    default:
      return [];
  }
}
