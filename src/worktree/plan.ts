// A worktree session's own copy of the project (pure): where it lives, which branch it is on, which of
// the user's files it starts from, what of the project is shared read-only, how the run's mounts point at
// it, and the environment every host-side git call gets. No file system, no clock, no process.*.
import path from 'node:path';
import type { MountFact } from '../plan/mounts.js';
import { isWithin } from '../path-helpers.js';
import { ConfigError } from '../errors.js';

/** Where, inside the container, the user's own object store is mounted read-only (the copy's
 *  objects/info/alternates names it, so the agent's git reads the project's history without a copy of it). */
export const WORKTREE_OBJECTS_DST = '/.shim-git-objects';
/** At most this many ignored directories (node_modules, build caches) are shared with a copy. */
export const MAX_SHARED_DIRS = 32;

/** Where the copy called `name` keeps its parts, under shim's state directory (all 0700). */
export interface WorktreePaths {
  /** `<state>/worktrees/<name>`: everything of this copy, removed whole by discard. */
  dir: string;
  /** The copy itself (with its own .git): mounted at the project's path in the container. */
  tree: string;
  /** The copy's own git directory (the agent's; hostile once the session ran). */
  treeGit: string;
  /** shim's own git directory for this copy: its config is shim's, its objects are shim's imports of the
   *  copy's objects, and the user's object store is its alternate. Every host-side git call uses it. */
  control: string;
  /** An empty directory given to git as HOME and XDG_CONFIG_HOME (no user-level attributes or config). */
  home: string;
  meta: string;
}

/** The record of a copy: what it started from (written by shim when it is made, never by the agent). */
export interface WorktreeMeta {
  name: string;
  /** Real path of the user's project (the work tree root). */
  project: string;
  /** The user's git directory and object store (common dir of a linked worktree). */
  userGitDir: string;
  userObjects: string;
  branch: string;
  /** The user's HEAD commit when the session started (null on a branch without commits yet). */
  base: string | null;
  /** The commit the copy's branch starts at: `base`, or a commit of the user's uncommitted and untracked
   *  files on top of it. */
  start: string;
  /** The tree of `start`: what every diff is taken against. */
  startTree: string;
  objectFormat: 'sha1' | 'sha256';
  createdAt: string;
  /** Ignored directories of the project shared with the session (relative paths). */
  shared: string[];
  /** Set by `shim apply NAME`: when, and the tree that was applied. */
  applied?: { at: string; tree: string; branch?: boolean };
  /** Set by `shim diff NAME`: the tree (and branch tip) it showed, the one `shim apply NAME` applies. */
  reviewed?: { at: string; tree: string; head: string };
}

export function worktreesDir(stateDir: string): string {
  return path.join(stateDir, 'worktrees');
}

export function worktreePaths(stateDir: string, name: string): WorktreePaths {
  const dir = path.join(worktreesDir(stateDir), name);
  const tree = path.join(dir, 'tree');
  return { dir, tree, treeGit: path.join(tree, '.git'), control: path.join(dir, 'control.git'), home: path.join(dir, 'home'), meta: path.join(dir, 'meta.json') };
}

/** The branch a session works on, in its copy and (after `apply --branch`) in the user's repository. */
export function worktreeBranch(name: string): string {
  return `shim/${name}`;
}

/** The environment of every git call shim makes about a copy: nothing of the user's or the system's
 *  configuration, attributes or pager, and none of the GIT_* variables of the calling shell (GIT_DIR,
 *  GIT_EXTERNAL_DIFF, GIT_SSH… would redirect or run things). */
export function buildCleanGitEnv(hostEnv: Readonly<Record<string, string | undefined>>, home: string): Record<string, string> {
  return {
    PATH: hostEnv.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: home,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    GIT_LITERAL_PATHSPECS: '1',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
  };
}

/** Options every git call about a copy starts with: what could run a command is switched off even if a
 *  config were read. */
export const CLEAN_GIT_OPTIONS = [
  '--no-pager',
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'core.fsmonitor=false',
  '-c', 'core.pager=cat',
  '-c', 'core.attributesFile=/dev/null',
  '-c', 'core.sshCommand=false',
  '-c', 'protocol.allow=never',
];

/** The environment of git calls in the user's own repository: the user's configuration (it is theirs,
 *  and says what they ignore), without the calling shell's GIT_* redirections. */
export function buildUserGitEnv(hostEnv: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(hostEnv)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  return { ...env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_LITERAL_PATHSPECS: '1', GIT_OPTIONAL_LOCKS: '0' };
}

/** A relative path from git that shim may act on: no absolute path, no "..", no .git component (in any
 *  case), no NUL or empty component. */
export function safeRelPath(rel: string): boolean {
  if (!rel || rel.startsWith('/') || rel.includes('\0')) return false;
  return rel.split('/').every((c) => c !== '' && c !== '.' && c !== '..' && c.toLowerCase() !== '.git');
}

/** Splits `git … -z` output into its NUL-terminated records. */
export function splitZ(out: string): string[] {
  return out.split('\0').filter((s) => s !== '');
}

/** Which ignored directories of the project are shared with the copy: the collapsed ignored directories
 *  git lists (`ls-files -o -i --directory`), shallowest first, at most MAX_SHARED_DIRS; nested ones and
 *  ones that lie over a configured mount are left out. Returns the chosen and the number left out. */
export function chooseSharedDirs(ignored: readonly string[], blocked: (rel: string) => boolean): { dirs: string[]; leftOut: number } {
  const dirs = ignored
    .filter((e) => e.endsWith('/'))
    .map((e) => e.slice(0, -1))
    .filter((rel) => safeRelPath(rel) && !blocked(rel))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  const chosen: string[] = [];
  for (const d of dirs) if (!chosen.some((c) => isWithin(`/${d}`, `/${c}`))) chosen.push(d);
  return { dirs: chosen.slice(0, MAX_SHARED_DIRS), leftOut: Math.max(0, chosen.length - MAX_SHARED_DIRS) };
}

/** What a worktree session changes in a run's mounts. */
export interface WorktreeMountInput {
  /** Real path of the user's project. */
  project: string;
  /** The copy's tree (host path). */
  copy: string;
  userObjects: string;
  /** Ignored directories of the project to share (relative), and whether the runtime can layer a
   *  throw-away writable layer over them (podman's overlay volumes); else they are read-only. */
  shared: readonly string[];
  overlay: boolean;
}

/** The run's mounts for a worktree session: every mount of the project (or inside it) now shows the copy
 *  at the same container path, without the read-only overlay of the user's .git (the copy's .git is the
 *  session's own); then the user's object store, read-only, where the copy's alternates point; then the
 *  shared ignored directories. Mounts outside the project are unchanged. */
export function buildWorktreeMounts(mounts: readonly MountFact[], input: WorktreeMountInput): MountFact[] {
  const out = mounts.map((m): MountFact => {
    if (m.volume || !isWithin(m.real, input.project)) return m;
    const real = path.join(input.copy, path.relative(input.project, m.real));
    const { gitOverlays: _dropped, ...rest } = m;
    return { ...rest, real };
  });
  const projectDst = out.find((m) => m.real === input.copy)?.dst;
  const objects: MountFact = { config: { src: input.userObjects, opts: 'ro' }, expanded: input.userObjects, real: input.userObjects, dst: WORKTREE_OBJECTS_DST };
  const shared = projectDst === undefined ? [] : input.shared.map((rel): MountFact => {
    const real = path.join(input.project, rel);
    return { config: { src: real, opts: input.overlay ? '' : 'ro' }, expanded: real, real, dst: path.posix.join(projectDst, rel), ...(input.overlay ? { overlay: true } : {}) };
  });
  return [...out, objects, ...shared];
}

/** The mounts of a worktree session's run (buildWorktreeMounts), refused when none of the tool's mounts
 *  shows the project (there would be nothing for the copy to replace). */
export function planWorktreeMounts(tool: string, mounts: readonly MountFact[], input: WorktreeMountInput): MountFact[] {
  if (!mounts.some((m) => !m.volume && isWithin(m.real, input.project))) {
    throw new ConfigError(`${tool} mounts no part of the project ${input.project}, so a worktree session of it has nothing to work on`, `add "mounts": [{"src": "."}] to ${tool}, or start the session without --worktree`);
  }
  const shared = input.shared.filter((rel) => !sharedDirBlocked(rel, input.project, mounts));
  return buildWorktreeMounts(mounts, { ...input, shared });
}

/** A host path inside the project, as the same path inside the copy (the working directory of a worktree
 *  session's run follows the copy's mount to the project's own path); other paths as they are. */
export function pathInCopy(p: string, input: Pick<WorktreeMountInput, 'project' | 'copy'>): string {
  return isWithin(p, input.project) ? path.join(input.copy, path.relative(input.project, p)) : p;
}

/** Whether an ignored directory can be shared beside the configured mounts: not where one of them is,
 *  not above one. */
export function sharedDirBlocked(rel: string, project: string, mounts: readonly MountFact[]): boolean {
  const abs = path.join(project, rel);
  return mounts.some((m) => !m.volume && m.real !== project && (isWithin(m.real, abs) || isWithin(abs, m.real)));
}

/** The commit message of the start commit (the user's uncommitted work the session starts from). */
export function startCommitMessage(name: string, project: string): string {
  return `shim: uncommitted and untracked files of ${project} when session ${name} started\n`;
}

/** The commit message of the commit `apply --branch` makes of what the session left uncommitted. */
export function leftoverCommitMessage(name: string): string {
  return `shim: what session ${name} left uncommitted\n`;
}

/** The fixed identity of the commits shim makes (never the user's global config). */
export function shimIdentity(): Record<string, string> {
  return { GIT_AUTHOR_NAME: 'shim', GIT_AUTHOR_EMAIL: 'shim@localhost', GIT_COMMITTER_NAME: 'shim', GIT_COMMITTER_EMAIL: 'shim@localhost' };
}
