// Where sessions are found: each has a directory under the state directory (meta.json, its output log)
// and, while its supervisor lives, a socket. A session is running when its socket answers.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lock.js';
import { sessionsDir, validSessionName } from '../plan/session.js';
import type { SessionInfo } from './protocol.js';
import { processStart } from '../runtime/proc.js';

export function writeSessionInfo(file: string, info: SessionInfo): void {
  writeFileAtomic(file, `${JSON.stringify(info, null, 2)}\n`, { file: 0o600, dir: 0o700 });
}

export function readSessionInfo(file: string): SessionInfo | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionInfo;
    return typeof v?.name === 'string' && typeof v.container === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The names of every session with a directory (running or ended), sorted. */
export function sessionNames(stateDir: string): string[] {
  try {
    return fs
      .readdirSync(sessionsDir(stateDir))
      .filter((n) => validSessionName(n) && fs.existsSync(path.join(sessionsDir(stateDir), n, 'meta.json')))
      .sort();
  } catch {
    return [];
  }
}

/** Whether the supervisor a record names still runs (its pid, started when it was): a session whose
 *  socket does not answer may still be alive, and must not be taken for ended. (Its process title is
 *  no proof: Linux cuts it to the length of the original argv, so a long name never matched.) */
export function supervisorAlive(info: Pick<SessionInfo, 'pid' | 'pidStart'>): boolean {
  return info.pidStart !== undefined && processStart(info.pid) === info.pidStart;
}
