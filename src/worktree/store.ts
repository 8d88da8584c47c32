// The records of worktree copies: one meta.json per copy, written by shim (never inside the copy, which
// the agent writes), read back strictly.
import fs from 'node:fs';
import { writeFileAtomic } from '../lock.js';
import { validSessionName } from '../plan/session.js';
import { worktreesDir, type WorktreeMeta, type WorktreePaths } from './plan.js';

const OID_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function writeWorktreeMeta(paths: WorktreePaths, meta: WorktreeMeta): void {
  writeFileAtomic(paths.meta, `${JSON.stringify(meta, null, 2)}\n`, { file: 0o600, dir: 0o700 });
}

/** The record of a copy, or undefined when there is none (or it is not one shim wrote). */
export function readWorktreeMeta(paths: WorktreePaths): WorktreeMeta | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(paths.meta, 'utf8')) as WorktreeMeta;
    const ok = typeof m?.name === 'string' && typeof m.project === 'string' && OID_RE.test(m.start) && OID_RE.test(m.startTree) && (m.base === null || OID_RE.test(m.base)) && (m.reviewed === undefined || (OID_RE.test(m.reviewed.tree) && OID_RE.test(m.reviewed.head)));
    return ok ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The names of every copy kept under the state directory, sorted. */
export function worktreeNames(stateDir: string): string[] {
  try {
    return fs.readdirSync(worktreesDir(stateDir)).filter(validSessionName).sort();
  } catch {
    return [];
  }
}
