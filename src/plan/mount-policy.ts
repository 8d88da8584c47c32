// Decides whether a tool's configured mounts may be used, from plain facts gathered on the host
// (real paths, file kinds, .git presence, the resolved protected paths). Pure: no file system here.
import path from 'node:path';
import type { MountConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { isWithin } from '../path-helpers.js';
import type { MountFact } from './mounts.js';
import type { ProtectedPath } from './protected-paths.js';

/** What the host said about one configured mount source. */
export interface MountSourceFacts {
  config: MountConfig;
  /** Path as written after expanding "~" and "." (for messages). */
  expanded: string;
  /** Real path (symlinks resolved). */
  real: string;
  kind: 'directory' | 'file' | 'other';
  /** What `<real>/.git` is, when the source is a directory holding one. */
  git?: { kind: 'directory' | 'file' | 'symlink' | 'other'; real: string };
  /** Set for a named volume (a bare name as `src`): no host path is involved. */
  volume?: string;
  /** What a bounded walk below a directory source found (facts/mount-sources.ts walkMountTree). */
  tree?: {
    /** Every `.git` below the top one, relative to the source. */
    gits: { rel: string; kind: 'directory' | 'file' | 'symlink' | 'other' }[];
    /** Host paths of unix sockets below the source. */
    sockets: string[];
    /** False when the walk stopped after `limit` entries (then the lists are partial). */
    complete: boolean;
    limit: number;
  };
}

export interface MountPolicyInput {
  tool: string;
  gitWritable: boolean;
  mounts: readonly MountSourceFacts[];
  protectedPaths: readonly ProtectedPath[];
  /** Real path of the project root (what "." means; see facts/project-root.ts). */
  root: string;
  /** Real path of $HOME. */
  home: string;
}

export interface MountViolation {
  /** `<tool>.mounts[i].src`, `.dst` or `.opts`. */
  field: string;
  message: string;
  hint: string;
}

export type MountDecision = { ok: true; mounts: MountFact[] } | { ok: false; violations: MountViolation[] };

/** Container paths no mount may cover: the image's system trees and shim's own paths. */
export const FORBIDDEN_DESTINATIONS = ['/proc', '/sys', '/dev', '/etc', '/usr', '/bin', '/sbin', '/run', '/mise', '/etc/shim'];
/** /lib and its multi-arch siblings (/lib32, /lib64, /libx32). */
const LIB_DIR_RE = /^\/lib(32|64|x32)?(\/|$)/;

export const ALLOWED_OPTIONS = ['ro', 'rw', 'z', 'Z'] as const;

const CATEGORY_TEXT: Record<ProtectedPath['category'], string> = {
  root: 'the root of the file system',
  system: 'a system tree',
  home: 'your home directory',
  credentials: 'credentials',
  persistence: 'run by the host later (persistence point)',
  shim: "shim's own files",
  runtime: 'container runtime storage or sockets',
  socket: 'an agent or runtime socket',
};

/** How a real source path collides with one protected path, if it does. */
export function protectedCollision(real: string, p: ProtectedPath): 'is' | 'inside' | 'ancestor' | undefined {
  if (real === p.path) return 'is';
  if (isWithin(p.path, real)) return 'ancestor';
  if (p.scope === 'tree' && isWithin(real, p.path)) return 'inside';
  return undefined;
}

/** Why a destination is refused, or undefined when it is fine. */
export function destinationProblem(dst: string): string | undefined {
  if (!dst.startsWith('/')) return 'must be an absolute path';
  if (/[\0\r\n]/.test(dst)) return 'must not contain NUL or line breaks';
  const normal = path.posix.normalize(dst);
  if (normal !== dst && `${normal}/` !== dst) return `must be normalised (no "..", "." or "//"; did you mean ${normal}?)`;
  const d = normal.length > 1 ? normal.replace(/\/$/, '') : normal;
  if (d === '/') return 'must not be "/" (it would replace the whole container file system)';
  const hit = FORBIDDEN_DESTINATIONS.find((f) => isWithin(d, f)) ?? (LIB_DIR_RE.test(d) ? `/${d.split('/')[1]}` : undefined);
  if (hit) return `is inside ${hit}, which the container's own system or shim needs`;
  return undefined;
}

function normalDst(dst: string): string {
  const n = path.posix.normalize(dst);
  return n.length > 1 ? n.replace(/\/$/, '') : n;
}

/** Where a mount appears in the container: its `dst`, else (a host path) the path it has on the host. */
function destinationOf(m: MountSourceFacts): string | undefined {
  if (m.config.dst !== undefined) return destinationProblem(m.config.dst) ? m.config.dst : normalDst(m.config.dst);
  return m.volume ? undefined : m.expanded;
}

/** Decides on every mount; collects all violations so one run shows everything to fix. */
export function decideMounts(input: MountPolicyInput): MountDecision {
  const violations: MountViolation[] = [];
  const out: MountFact[] = [];
  const seenDst = new Map<string, number>();
  const overlays: { dst: string; index: number }[] = [];

  input.mounts.forEach((m, i) => {
    const at = `${input.tool}.mounts[${i}]`;
    const shown = `${JSON.stringify(m.config.src)} resolves to ${m.real}`;
    const before = violations.length;

    // a named volume is the tool's own storage, not a host path: only its destination is checked
    const hostSource = !m.volume;
    // source kind: sockets and devices are never mounted, whatever the reason
    if (hostSource && m.kind === 'other') {
      violations.push({ field: `${at}.src`, message: `${at}.src: ${shown}, which is neither a directory nor a regular file`, hint: 'sockets and devices cannot be mounted' });
    }

    // protected paths
    if (hostSource && !m.config.allow_sensitive) {
      const hits = input.protectedPaths.map((p) => ({ p, how: protectedCollision(m.real, p) })).filter((h) => h.how);
      if (hits.length) {
        // the most specific explanation: "is" before "inside" before "ancestor", then the deepest path
        const rank = { is: 0, inside: 1, ancestor: 2 } as const;
        // inside: the deepest protected path; ancestor: the nearest one (e.g. $HOME for /home)
        hits.sort((a, b) => rank[a.how!] - rank[b.how!] || (a.how === 'ancestor' ? a.p.path.length - b.p.path.length : b.p.path.length - a.p.path.length));
        const { p, how } = hits[0]!;
        const what = `${p.label}: ${CATEGORY_TEXT[p.category]}`;
        const why =
          how === 'is' ? `which is protected (${what})` : how === 'inside' ? `which is inside ${p.path} (${what})` : `which contains ${p.path} (${what})`;
        const fromHome = m.real === input.root && isWithin(input.home, input.root);
        violations.push({
          field: `${at}.src`,
          message: `${at}.src: ${shown}, ${why}`,
          hint: fromHome
            ? 'run the tool from the project directory, not from your home directory (or above it)'
            : `mount a narrower directory; if the tool really needs it, add "allow_sensitive": "<reason>" to this mount`,
        });
      }
    }

    // a writable view of a .git directory (hooks and config are run by the host) needs git_writable
    const opts = new Set((m.config.opts ?? '').split(',').filter(Boolean));
    const writable = !opts.has('ro');
    if (hostSource && writable && !input.gitWritable && m.real.split(path.sep).includes('.git')) {
      violations.push({
        field: `${at}.src`,
        message: `${at}.src: ${shown}, which is inside a .git directory and would be writable (hooks and config run on the host)`,
        hint: 'add "opts": "ro" to this mount, or "git_writable": true to the tool',
      });
    }

    // destination: as written, else the source's own host path (so paths read the same inside and out)
    const dst = destinationOf(m);
    const dstProblem = dst === undefined ? 'must be given for a named volume (it has no host path)' : destinationProblem(dst);
    if (dstProblem) {
      violations.push({
        field: `${at}.dst`,
        message: `${at}.dst: ${dst === undefined ? '(omitted)' : JSON.stringify(dst)} ${dstProblem}`,
        hint: m.config.dst === undefined && dst !== undefined ? 'give this mount a "dst" inside the container, e.g. "/workspace"' : 'mount somewhere else, e.g. under /workspace',
      });
    } else if (dst !== undefined) {
      const first = seenDst.get(dst);
      if (first !== undefined) {
        violations.push({
          field: `${at}.dst`,
          message: `${at}.dst: ${dst} is already the destination of ${input.tool}.mounts[${first}]`,
          hint: 'give each mount its own destination',
        });
      } else {
        seenDst.set(dst, i);
      }
    }

    // options
    for (const o of opts) {
      if (!(ALLOWED_OPTIONS as readonly string[]).includes(o)) {
        violations.push({ field: `${at}.opts`, message: `${at}.opts: ${JSON.stringify(o)} is not allowed`, hint: `use ${ALLOWED_OPTIONS.join(', ')}` });
      }
    }
    for (const o of ['z', 'Z'] as const) {
      if (opts.has(o) && (!hostSource || m.real !== input.root)) {
        violations.push({
          field: `${at}.opts`,
          message: `${at}.opts: "${o}" (SELinux relabel) would change the labels of ${m.real} on the host; only the project directory (${input.root}) may be relabelled`,
          hint: `remove "${o}" from this mount`,
        });
      }
    }

    // a live socket anywhere below a host directory is a way out (ssh-agent, tmux, X11, an IDE's IPC):
    // connect() needs no write access to the mount, so read-only does not help; refused, not overlaid,
    // so the user learns the endpoint is there (and a socket made later is no safer under an overlay)
    if (hostSource && m.tree && !m.config.allow_sensitive && !dstProblem) {
      const [first, ...more] = m.tree.sockets;
      if (first) {
        violations.push({
          field: `${at}.src`,
          message: `${at}.src: ${shown}, which holds a unix socket at ${first}${more.length ? ` (and ${more.length} more)` : ''}: a tool could connect to whatever listens there`,
          hint: 'mount a narrower directory without sockets (or stop what listens there); if the tool really needs it, add "allow_sensitive": "<reason>" to this mount',
        });
      }
    }
    const needsGitWalk = writable && !input.gitWritable;
    if (hostSource && m.tree && !m.tree.complete && !dstProblem && (needsGitWalk || !m.config.allow_sensitive)) {
      violations.push({
        field: `${at}.src`,
        message: `${at}.src: ${shown}, which holds more than ${m.tree.limit} entries: shim stopped looking for nested .git directories and sockets below it, so it cannot mount it safely`,
        hint: 'mount a narrower directory (or mount it read-only, or add "git_writable": true to the tool, and "allow_sensitive": "<reason>" to this mount)',
      });
    }

    // the .git overlays: read-only over a writable mount, the top one and every nested one
    const gitOverlays: { src: string; dst: string }[] = [];
    if (needsGitWalk && m.tree && !dstProblem && hostSource) {
      for (const g of m.tree.gits) {
        if (g.kind === 'directory' || g.kind === 'file') {
          const gitDst = path.posix.join(dst!, g.rel);
          // another mount of the same repository may have overlaid it already
          if (overlays.some((o) => o.dst === gitDst)) continue;
          gitOverlays.push({ src: path.join(m.real, g.rel), dst: gitDst });
          overlays.push({ dst: gitDst, index: i });
        } else {
          violations.push({
            field: `${at}.src`,
            message: `${at}.src: ${path.join(m.real, g.rel)} is a ${g.kind === 'symlink' ? 'symbolic link' : 'special file'}, so it cannot be mounted read-only over the writable mount`,
            hint: 'replace it with the real .git directory, mount the directory read-only, or add "git_writable": true to the tool',
          });
        }
      }
    }
    if (writable && !input.gitWritable && m.git && !dstProblem) {
      const gitDst = path.posix.join(dst!, '.git');
      if (m.git.kind === 'directory' || m.git.kind === 'file') {
        const hit = input.protectedPaths.find((p) => protectedCollision(m.git!.real, p));
        if (hit) {
          violations.push({
            field: `${at}.src`,
            message: `${at}.src: ${path.join(m.real, '.git')} resolves to ${m.git.real}, which is protected (${hit.label}: ${CATEGORY_TEXT[hit.category]})`,
            hint: 'remove or fix that .git (it was not made by git), or mount the directory read-only',
          });
        } else if (!overlays.some((o) => o.dst === gitDst)) {
          gitOverlays.unshift({ src: m.git.real, dst: gitDst });
          overlays.push({ dst: gitDst, index: i });
        }
      } else {
        violations.push({
          field: `${at}.src`,
          message: `${at}.src: ${path.join(m.real, '.git')} is a ${m.git.kind === 'symlink' ? 'symbolic link' : 'special file'}, so it cannot be mounted read-only over the writable project`,
          hint: 'replace it with the real .git directory, mount the project read-only, or add "git_writable": true to the tool',
        });
      }
    }

    if (violations.length === before) {
      out.push({ config: m.config, expanded: m.expanded, real: m.real, dst: dst!, ...(gitOverlays.length ? { gitOverlays } : {}), ...(m.volume ? { volume: m.volume } : {}) });
    }
  });

  // no mount may cover a .git overlay: the runtime mounts deeper destinations last, whatever the order
  input.mounts.forEach((m, i) => {
    const dst = destinationOf(m);
    if (dst === undefined || destinationProblem(dst)) return;
    const hidden = overlays.find((o) => o.index !== i && isWithin(dst, o.dst));
    if (hidden) {
      const at = `${input.tool}.mounts[${i}]`;
      violations.push({
        field: `${at}.dst`,
        message: `${at}.dst: ${dst} would cover ${hidden.dst}, the read-only .git of ${input.tool}.mounts[${hidden.index}]`,
        hint: 'mount somewhere else, or add "git_writable": true to the tool',
      });
    }
  });
  return violations.length ? { ok: false, violations } : { ok: true, mounts: out };
}

/** The mounts of a run, or a ConfigError naming every problem (one run shows everything to fix). */
export function planMounts(input: MountPolicyInput): MountFact[] {
  const decision = decideMounts(input);
  if (decision.ok) return decision.mounts;
  const [first, ...more] = decision.violations;
  if (!more.length) throw new ConfigError(first!.message, first!.hint);
  const hints = [...new Set(decision.violations.map((v) => v.hint))];
  throw new ConfigError(`${input.tool}: ${decision.violations.length} mount problems:\n${decision.violations.map((v) => v.message).join('\n')}`, hints.join('; '));
}
