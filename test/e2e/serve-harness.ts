// `shim serve` started as a user starts it (the built binary, in a sandbox), for the security and
// browser tests: its one line on stdout gives the URL with the token.
import fs from 'node:fs';
import path from 'node:path';
import type { Sandbox } from './harness.js';

export interface Served {
  /** The printed URL, token included. */
  url: string;
  /** http://host:port */
  base: string;
  host: string;
  token: string;
  stderr(): string;
  stop(): Promise<void>;
  pid: number;
}

/** Starts `shim serve --port 0 [args]` and resolves once it printed its URL. */
export async function startServe(sb: Sandbox, args: string[] = []): Promise<Served> {
  const child = sb.run(['shim', 'serve', '--port', '0', ...args]);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`shim serve printed no URL in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^(http:\/\/\S+)\n/m.exec(out);
      if (line) {
        clearTimeout(timer);
        resolve(line[1]!);
      }
    });
    void child.then((r) => reject(new Error(`shim serve ended (${r.exitCode}): ${err}`)));
  });
  const u = new URL(url);
  return {
    url,
    base: `${u.protocol}//${u.host}`,
    host: u.host,
    token: u.searchParams.get('token')!,
    stderr: () => err,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}

/** The command lines of every process on the machine (the token must be on none of them). */
export function allCommandLines(): { pid: string; argv: string }[] {
  const out: { pid: string; argv: string }[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      out.push({ pid, argv: fs.readFileSync(path.join('/proc', pid, 'cmdline'), 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
