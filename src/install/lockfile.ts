// shim's lock file ($XDG_STATE_HOME/shim/tools.lock.json): per tool, the spec, the version it resolved
// to, when and for which image it was installed; per runtime, where that install lives. Unpinned specs
// resolve once and then stay put: reinstalls (new image, lost volume, other runtime) use the locked
// version, and only `shim install --upgrade` resolves again.
import fs from 'node:fs';
import path from 'node:path';
import { withLock, writeFileAtomic } from '../lock.js';

/** One runtime's copy of a tool: checked against the manifest in the tool's volume before each run. */
export interface RuntimeInstall {
  image: string;
  installId: string;
  /** The volume it lives in (names.ts toolVolume); absent in installs made before volumes were named
   *  per state directory and spec, which are installed again. */
  volume?: string;
  binPaths: string[];
  /** The volume's directory on the host, when the runtime reported one (for the run-time check). */
  mountpoint?: string;
  /** The commands the package provides (absent in installs made before shim recorded them). */
  commands?: string[];
  /** Packages whose install scripts did not run (named when the tool then fails). */
  skippedScripts?: string[];
}

export interface LockedTool {
  spec: string;
  version: string;
  /** The companion packages as configured, and the versions they resolved to (name → version). */
  packageSpecs?: string[];
  packages?: Record<string, string>;
  /** The packages whose install scripts ran. */
  installScripts?: string[];
  /** What decided the install (share.ts buildInstallKey): another tool with the same key shares it. */
  installKey?: string;
  installedAt: string;
  image: string;
  installs: Partial<Record<string, RuntimeInstall>>;
}

export interface LockFile {
  version: 1;
  tools: Record<string, LockedTool>;
}

export function lockFilePath(stateDir: string): string {
  return path.join(stateDir, 'tools.lock.json');
}

export function readLockFile(stateDir: string): LockFile {
  try {
    const value = JSON.parse(fs.readFileSync(lockFilePath(stateDir), 'utf8')) as LockFile;
    if (value?.version === 1 && typeof value.tools === 'object' && value.tools) return value;
  } catch {
    // missing or unreadable: nothing is locked (tools reinstall, resolving their specs again)
  }
  return { version: 1, tools: {} };
}

/** Read-modify-write under a lock, so concurrent installs of different tools do not lose entries. */
export async function updateLockFile(stateDir: string, change: (lock: LockFile) => void): Promise<LockFile> {
  return withLock(path.join(stateDir, 'locks', 'tools.lock'), async () => {
    const lock = readLockFile(stateDir);
    change(lock);
    writeFileAtomic(lockFilePath(stateDir), `${JSON.stringify(lock, null, 2)}\n`);
    return lock;
  });
}
