// What shim installed for a tool, recorded on the host after a successful install: the spec and image
// it was installed for, the resolved version and where its binaries are. A run reads this instead of
// asking mise, so it needs no version resolution and no network.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lock.js';

export interface InstallStamp {
  spec: string;
  image: string;
  version: string;
  binPaths: string[];
  installedAt: string;
}

export function stampPath(stateDir: string, runtime: string, tool: string): string {
  return path.join(stateDir, 'installs', runtime, `${tool}.json`);
}

export function readStamp(file: string): InstallStamp | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<InstallStamp>;
    if (typeof value.spec !== 'string' || typeof value.image !== 'string' || !Array.isArray(value.binPaths)) return undefined;
    return value as InstallStamp;
  } catch {
    return undefined;
  }
}

export function writeStamp(file: string, stamp: InstallStamp): void {
  writeFileAtomic(file, `${JSON.stringify(stamp, null, 2)}\n`);
}

export function removeStamp(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Why a tool needs (re)installing, or undefined when its stamp is current. */
export function staleReason(stamp: InstallStamp | undefined, spec: string, image: string): string | undefined {
  if (!stamp) return 'first use';
  if (stamp.spec !== spec) return `spec changed from ${stamp.spec}`;
  if (stamp.image !== image) return 'image changed';
  return undefined;
}
