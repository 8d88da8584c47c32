// The token of `shim serve`: 256 random bits, kept in the state directory (0600) so that a restart
// keeps bookmarks working; `--new-token` replaces it. It is never put on a command line.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../lock.js';

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function serveTokenFile(stateDir: string): string {
  return path.join(stateDir, 'serve-token');
}

/** The kept token, or a new one (written 0600) when there is none, `renew` asks for one, or the file is
 *  not the user's alone (someone else may have read it). `replaced` says why a new one was made. */
export function loadServeToken(stateDir: string, uid: number, renew: boolean): { token: string; replaced?: string } {
  const file = serveTokenFile(stateDir);
  let why: string | undefined = renew ? 'asked for (--new-token)' : undefined;
  if (!renew) {
    try {
      const st = fs.lstatSync(file);
      if (!st.isFile() || st.uid !== uid || (st.mode & 0o077) !== 0) why = `${file} was not a file of yours with mode 0600`;
      else {
        const text = fs.readFileSync(file, 'utf8').trim();
        if (TOKEN_RE.test(text)) return { token: text };
        why = `${file} did not hold a token`;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') why = `${file} could not be read`;
    }
  }
  const token = randomBytes(32).toString('base64url');
  fs.rmSync(file, { force: true });
  writeFileAtomic(file, `${token}\n`, { file: 0o600, dir: 0o700 });
  return why ? { token, replaced: why } : { token };
}
