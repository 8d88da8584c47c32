// Apply applies what the user reviewed, nothing else (pure). `shim diff NAME` records the tree it showed
// (and the branch tip beside it); `shim apply NAME` is given that tree (or one named with --tree, as the
// web page does) and goes on only when the copy, recorded again at apply time into shim's own objects,
// is that very tree: the agent may go on writing its copy between the review and the apply, and what it
// writes meanwhile must never reach the user unseen.
import { ExitCode, ShimError, UsageError } from '../errors.js';
import type { WorktreeMeta } from './plan.js';

const OID_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A tree id as git names it in this copy's object format, or undefined. */
export function validTreeId(id: string, format: WorktreeMeta['objectFormat']): boolean {
  return OID_RE.test(id) && id.length === (format === 'sha256' ? 64 : 40);
}

/** `shim apply NAME` refused: the copy is not what was reviewed. */
export class ReviewStaleError extends ShimError {
  constructor(
    readonly session: string,
    readonly reviewed: string,
    readonly now: string,
    what: string,
  ) {
    super(
      `shim apply ${session}: ${what} changed since its diff was shown (shown: tree ${reviewed.slice(0, 12)}, now: tree ${now.slice(0, 12)}), so nothing was applied`,
      ExitCode.launcherFailed,
      `look at it again with shim diff ${session}, then apply what that shows`,
    );
  }
}

/** The tree `apply` must find: the one given, else the one `shim diff` last showed; a UsageError when
 *  there is none (a diff is shown before anything is applied, whether the session runs or has ended). */
export function pinnedTree(name: string, meta: WorktreeMeta, given: string | undefined, branch: boolean): string {
  const cmd = `shim apply${branch ? ' --branch' : ''} ${name}`;
  if (given !== undefined) {
    if (!validTreeId(given, meta.objectFormat)) throw new UsageError(`${cmd} --tree ${JSON.stringify(given)}: not a tree id of this session (${meta.objectFormat === 'sha256' ? 64 : 40} hex digits)`, `use the "tree" that shim diff ${name} --json reports`);
    return given;
  }
  if (!meta.reviewed) throw new UsageError(`${cmd}: no diff of session ${name} was shown yet, and only what was reviewed is applied`, `run shim diff ${name} first (or pass --tree ID, the "tree" of shim diff ${name} --json)`);
  return meta.reviewed.tree;
}

/** Checks the copy as recorded now against the pinned tree; for a branch also its tip, when the pinned
 *  tree is the one `shim diff` showed with that tip (its commits come along). Throws ReviewStaleError. */
export function checkReviewed(name: string, meta: WorktreeMeta, pin: string, now: { tree: string; head: string }, branch: boolean): void {
  if (now.tree !== pin) throw new ReviewStaleError(name, pin, now.tree, 'the copy');
  if (branch && meta.reviewed?.tree === pin && meta.reviewed.head !== now.head) throw new ReviewStaleError(name, pin, now.tree, `the branch ${meta.branch} (its commits)`);
}
