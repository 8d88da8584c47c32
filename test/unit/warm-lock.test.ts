// containerfiles/warm.sh's lock under a race, run on the host with the script's own functions: many
// processes at once find a lock whose holder died and all try to take it over. Each critical section
// creates a marker file exclusively (noclobber); a second holder finds it there. (The old lock, removed
// by whoever saw its holder gone, let two of them in.)
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';

const dir = tempDir('shim-warm-lock-');
const WAITERS = 12;

/** A pid that is certainly not running: a child that has already exited and been reaped. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

// the script's functions, its state in $STATE, without its command dispatch
let functions: string;
beforeAll(() => {
  // SHIM_WARM_SCRIPT lets the test be pointed at another version of warm.sh (the old one fails it)
  const script = fs.readFileSync(process.env.SHIM_WARM_SCRIPT ?? path.resolve('containerfiles/warm.sh'), 'utf8');
  const body = script.slice(0, script.indexOf('\ncase ${1-} in'));
  expect(body).toContain('\nlock() {');
  functions = path.join(dir, 'functions.sh');
  fs.writeFileSync(functions, body.replace(/^STATE=.*$/m, 'STATE=${STATE:?}'));
});

const WAITER = `
. "$FUNCTIONS"
: >"$STATE/ready.$ID"
while [ ! -e "$STATE/go" ]; do sleep 0.001; done
lock
if ( set -C; : >"$STATE/inside" ) 2>/dev/null; then
  sleep 0.02
  rm -f "$STATE/inside"
  echo "ran $ID" >>"$STATE/log"
else
  echo "overlap $ID" >>"$STATE/log"
fi
unlock
`;

async function race(name: string, stale: (lock: string) => void): Promise<string[]> {
  const state = path.join(dir, name);
  fs.mkdirSync(state);
  stale(path.join(state, 'lock'));
  const kids = Array.from({ length: WAITERS }, (_, i) =>
    new Promise<number | null>((resolve) =>
      spawn('sh', ['-c', WAITER], { stdio: 'inherit', env: { PATH: process.env.PATH!, FUNCTIONS: functions, STATE: state, ID: String(i) } }).once('close', resolve),
    ),
  );
  while (fs.readdirSync(state).filter((f) => f.startsWith('ready.')).length < WAITERS) await new Promise((r) => setTimeout(r, 5));
  fs.writeFileSync(path.join(state, 'go'), '');
  expect(await Promise.all(kids)).toEqual(Array(WAITERS).fill(0));
  return fs.readFileSync(path.join(state, 'log'), 'utf8').trim().split('\n').sort();
}

describe('warm.sh lock under many waiters taking over a dead holder\'s lock at once', () => {
  it('lets exactly one process hold it at a time, every waiter gets it, and nothing is left', async () => {
    for (const round of ['a', 'b', 'c']) {
      const lines = await race(round, (lock) => {
        if (process.env.SHIM_WARM_SCRIPT) {
          // the old format: a directory holding a file named after the holder's pid
          fs.mkdirSync(lock);
          fs.writeFileSync(path.join(lock, String(deadPid())), '');
        } else {
          fs.symlinkSync(`${deadPid()}.0f6e1c2a`, lock);
        }
      });
      expect(lines.filter((l) => l.startsWith('overlap'))).toEqual([]);
      expect(lines).toHaveLength(WAITERS);
      expect(fs.readdirSync(path.join(dir, round)).filter((f) => f.startsWith('lock'))).toEqual([]);
    }
  }, 120_000);
});
