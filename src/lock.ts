// A cross-process lock, so many first runs of one tool produce one image build or one install while
// the others wait. The lock is a symlink whose target names its holder ("<pid>.<random>"): creating it
// is atomic and it is never without a holder. A lock whose holder died is taken over.
//
// Taking over is where two waiters could both end up holding the lock: both see the dead holder, one
// removes its lock and takes a new one, and the other, acting on what it saw before, removes that new
// lock. So a lock is only ever removed by whoever first claims it: a claim is a symlink named after
// the lock's holder (`<lock>.claim.<holder>.<n>`), which one process alone can create; the next number
// may be claimed only when the claimant before died too. The claimant checks the lock still names the
// holder it claimed, then removes it. The holder releases its lock the same way, so a release never
// removes a lock taken meanwhile by someone else.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The pid a holder name starts with. */
function pidOf(holder: string): number {
  return Number(holder.slice(0, holder.indexOf('.')));
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

/** The lock's holder, or undefined when there is no lock. An older shim's lock (a directory holding a
 *  pid file) is named after its pid and inode; without a pid it counts as held while it is recent. */
function holderOf(lock: string): string | undefined {
  try {
    return fs.readlinkSync(lock);
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    if (code(e) !== 'EINVAL') throw e;
  }
  const stat = fs.lstatSync(lock, { throwIfNoEntry: false });
  if (!stat) return undefined;
  let pid = Number.NaN;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // no pid (yet)
  }
  if (!Number.isInteger(pid) || pid <= 0) pid = Date.now() - stat.mtimeMs < 10_000 ? process.pid : 0;
  return `${pid}.dir-${stat.ino}`;
}

/** Claims the right to remove the lock held by `holder`: true for exactly one live process. */
function claim(lock: string, holder: string, me: string): boolean {
  for (let n = 0; ; n++) {
    const name = `${lock}.claim.${holder}.${n}`;
    try {
      fs.symlinkSync(me, name);
      return true;
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
    }
    let claimant: string;
    try {
      claimant = fs.readlinkSync(name);
    } catch {
      return false; // the claims are being cleared: that lock is gone
    }
    if (claimant === me || alive(pidOf(claimant))) return false;
  }
}

/** Removes the lock if it is still `holder`'s and `me` wins the claim on it, and clears the claims;
 *  false when another live process has the claim. */
function removeHeld(lock: string, holder: string, me: string): boolean {
  if (!claim(lock, holder, me)) return false;
  try {
    if (holderOf(lock) === holder) fs.rmSync(lock, { recursive: true, force: true });
  } finally {
    const prefix = `${path.basename(lock)}.claim.${holder}.`;
    for (const f of fs.readdirSync(path.dirname(lock))) if (f.startsWith(prefix)) fs.rmSync(path.join(path.dirname(lock), f), { force: true });
  }
  return true;
}

/** Runs `fn` holding the lock at `lock`; calls `onWait` once if another process holds it first. */
export async function withLock<T>(lock: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const me = `${process.pid}.${randomBytes(6).toString('hex')}`;
  let waited = false;
  for (;;) {
    try {
      fs.symlinkSync(me, lock);
      break;
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
    }
    const holder = holderOf(lock);
    if (holder === undefined) continue;
    // a dead holder's lock is removed by the one waiter that claims it; the others wait for that
    if (!alive(pidOf(holder)) && removeHeld(lock, holder, me)) continue;
    if (!waited) onWait?.();
    waited = true;
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    removeHeld(lock, me, me);
  }
}

/** Writes a file atomically (temp file + rename), so readers never see half a file. */
export function writeFileAtomic(file: string, text: string, modes: { file?: number; dir?: number } = {}): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, ...(modes.dir ? { mode: modes.dir } : {}) });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, modes.file ? { mode: modes.file } : {});
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
