// A cross-process lock (a directory holding the owner's pid), so many first runs of one tool produce
// one image build or one install while the others wait. A lock whose owner died is taken over.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// A lock without a readable pid is its owner's first moments (alive if recent) or a crash's leftover.
function recent(dir: string): boolean {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  return stat !== undefined && Date.now() - stat.mtimeMs < 10_000;
}

function ownerAlive(dir: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
  } catch {
    return recent(dir);
  }
  if (!Number.isInteger(pid) || pid <= 0) return recent(dir);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `fn` holding the lock at `dir`; calls `onWait` once if another process holds it first. */
export async function withLock<T>(dir: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (!ownerAlive(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!waited) onWait?.();
    waited = true;
    await sleep(200);
  }
  try {
    writeFileAtomic(path.join(dir, 'pid'), String(process.pid));
    return await fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
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
