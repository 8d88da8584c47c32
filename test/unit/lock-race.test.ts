// Mutual exclusion of withLock under a race: many processes at once find a lock whose holder died and
// all try to take it over. Each critical section creates a marker file exclusively; a second holder
// finds it there. (The old lock, removed by whoever saw it stale, let two of them in.)
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';

const dir = tempDir('shim-lock-race-');
const WAITERS = 12;
const ROUNDS = 2;

// a waiter: signals it is ready, spins until "go" exists, then takes the lock and checks it is alone
const WAITER = `
import fs from 'node:fs';
const [, , mod, lock, go, marker, log, id] = process.argv;
const { withLock } = await import(mod);
fs.writeFileSync(log + '.ready.' + id, '');
while (!fs.existsSync(go)) await new Promise((r) => setTimeout(r, 1));
await withLock(lock, async () => {
  try {
    fs.writeFileSync(marker, id, { flag: 'wx' });
  } catch {
    fs.appendFileSync(log, 'overlap ' + id + '\\n');
    return;
  }
  await new Promise((r) => setTimeout(r, 15));
  fs.rmSync(marker);
  fs.appendFileSync(log, 'ran ' + id + '\\n');
});
`;

/** A pid that is certainly not running: a child that has already exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

let mod: string;
let waiter: string;
beforeAll(() => {
  // SHIM_LOCK_SOURCE lets the test be pointed at another version of lock.ts (the old one fails it)
  const source = process.env.SHIM_LOCK_SOURCE ?? path.resolve('src/lock.ts');
  mod = path.join(dir, 'lock.mjs');
  buildSync({ entryPoints: [source], outfile: mod, format: 'esm', platform: 'node', bundle: true, logLevel: 'silent' });
  waiter = path.join(dir, 'waiter.mjs');
  fs.writeFileSync(waiter, WAITER);
});

async function race(round: string, stale: (lock: string) => void): Promise<string[]> {
  const root = path.join(dir, round);
  fs.mkdirSync(root);
  const [lock, go, marker, log] = ['lock', 'go', 'inside', 'log'].map((f) => path.join(root, f)) as [string, string, string, string];
  stale(lock);
  const kids = Array.from({ length: WAITERS }, (_, i) =>
    new Promise<number | null>((resolve) => spawn(process.execPath, [waiter, mod, lock, go, marker, log, String(i)], { stdio: 'inherit' }).once('close', resolve)),
  );
  while (fs.readdirSync(root).filter((f) => f.startsWith('log.ready.')).length < WAITERS) await new Promise((r) => setTimeout(r, 5));
  fs.writeFileSync(go, '');
  expect(await Promise.all(kids)).toEqual(Array(WAITERS).fill(0));
  return fs.readFileSync(log, 'utf8').trim().split('\n').sort();
}

describe('withLock under many waiters taking over a dead holder\'s lock at once', () => {
  it('lets exactly one process hold the lock at a time, and every waiter gets it', async () => {
    for (let r = 0; r < ROUNDS; r++) {
      // a lock left by a shim that died: an older shim's directory with its pid, or a holder symlink
      const lines = await race(`r${r}`, (lock) => {
        if (r % 2 === 0 || process.env.SHIM_LOCK_SOURCE) {
          fs.mkdirSync(lock);
          fs.writeFileSync(path.join(lock, 'pid'), String(deadPid()));
        } else {
          fs.symlinkSync(`${deadPid()}.stale`, lock);
        }
      });
      expect(lines.filter((l) => l.startsWith('overlap'))).toEqual([]);
      expect(lines).toHaveLength(WAITERS);
    }
    // nothing is left behind: no lock, no claims
    for (let r = 0; r < ROUNDS; r++) expect(fs.readdirSync(path.join(dir, `r${r}`)).filter((f) => f.startsWith('lock'))).toEqual([]);
  }, 120_000);
});
