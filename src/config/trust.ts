// The trust store: which project files (.shim.json) the user trusted with `shim trust`, by real path,
// with the sha256 of the exact bytes trusted and their parsed content (to show what widened when the
// file changes). It lives in shim's state dir (a protected path no tool can mount) and is written
// atomically under a lock. An unreadable or malformed store trusts nothing (fail closed).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withLock, writeFileAtomic } from '../lock.js';

export interface TrustEntry {
  /** sha256 (hex) of the file's bytes when trusted. */
  sha256: string;
  /** ISO time of `shim trust`. */
  trusted_at: string;
  /** The trusted file's parsed JSON, for "what widened since" diffs. */
  content: Record<string, unknown>;
}

export interface TrustStore {
  version: 1;
  /** Real path of the .shim.json → its trusted version. */
  projects: Record<string, TrustEntry>;
}

export function trustStoreFile(stateDir: string): string {
  return path.join(stateDir, 'trust.json');
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function validEntry(v: unknown): v is TrustEntry {
  return isRecord(v) && typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256) && typeof v.trusted_at === 'string' && isRecord(v.content);
}

/** Reads the store; `problem` says why it could not be used (then nothing is trusted). */
export function readTrustStore(stateDir: string): { store: TrustStore; problem?: string } {
  const file = trustStoreFile(stateDir);
  const empty: TrustStore = { version: 1, projects: Object.create(null) as Record<string, TrustEntry> };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { store: empty };
    return { store: empty, problem: `cannot read ${file}: ${(e as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { store: empty, problem: `${file} is not valid JSON; no project is trusted until it is rewritten by \`shim trust\`` };
  }
  if (!isRecord(parsed) || parsed.version !== 1 || !isRecord(parsed.projects)) {
    return { store: empty, problem: `${file} is not a trust store shim understands; no project is trusted` };
  }
  // own keys only, never a prototype: a "__proto__" entry must not trust anything
  for (const [key, entry] of Object.entries(parsed.projects)) {
    if (path.isAbsolute(key) && validEntry(entry)) empty.projects[key] = entry;
  }
  return { store: empty };
}

/** The trusted entry of a project file, if any. */
export function trustedEntry(stateDir: string, file: string): TrustEntry | undefined {
  const { store } = readTrustStore(stateDir);
  return Object.prototype.hasOwnProperty.call(store.projects, file) ? store.projects[file] : undefined;
}

/** Changes the store under its lock, re-reading it inside the lock so concurrent updates are kept. */
export async function updateTrustStore(stateDir: string, change: (store: TrustStore) => void): Promise<void> {
  await withLock(path.join(stateDir, 'trust.lock'), async () => {
    const { store } = readTrustStore(stateDir);
    change(store);
    const file = trustStoreFile(stateDir);
    writeFileAtomic(file, `${JSON.stringify({ version: 1, projects: { ...store.projects } }, null, 2)}\n`);
    fs.chmodSync(file, 0o600);
  });
}
