// A tool that keeps exchanging a project directory with a symlink to a host path (renameat2 with
// RENAME_EXCHANGE, here a real process on the host doing it in a loop) must never make a snapshot
// read, or a restore delete or write, outside the directory. Controls: the same racer makes a plain
// by-path write and read land outside, so the probes would have hit.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createSnapshot } from '../../src/snapshot/create.js';
import { restoreSnapshot } from '../../src/snapshot/restore.js';
import { SnapshotError } from '../../src/errors.js';
import { tempDir } from '../unit/tmp.js';

const env = { PATH: process.env.PATH, HOME: '/nonexistent' };

// exchanges two names as fast as it can until killed (what a hostile tool in the container can do)
const RACER = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = (os.fsencode(p) for p in sys.argv[1:3])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
sys.stdout.write("ready\\n"); sys.stdout.flush()
while True:
    libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
`;

let racer: ChildProcess | undefined;

/** Starts the racer exchanging `a` and `b`; resolves once it runs. */
async function startRacer(a: string, b: string): Promise<void> {
  racer = spawn('python3', ['-c', RACER, a, b], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    racer!.stdout!.once('data', () => resolve());
    racer!.once('exit', (code) => reject(new Error(`racer exited ${code}`)));
  });
}

/** Stops the racer and makes d/ a real directory and s a link to the outside again (a restore racing
 *  it may have replaced or removed either: inside the project, which is the tool's to break). */
async function stopRacer(t: { d: string; s: string; outside: string }): Promise<void> {
  const r = racer;
  racer = undefined;
  if (r && r.exitCode === null) {
    const exited = new Promise((resolve) => r.once('exit', resolve));
    r.kill('SIGKILL');
    await exited;
  }
  // rmSync never follows a link: it removes the link itself
  for (const p of [t.d, t.s]) fs.rmSync(p, { recursive: true, force: true });
  fs.mkdirSync(t.d);
  fs.symlinkSync(t.outside, t.s);
}

afterEach(async () => {
  racer?.kill('SIGKILL');
});

/** A project with d/ (real) and s -> the outside directory, plus the outside directory. */
function setup(): { root: string; outside: string; store: string; d: string; s: string } {
  const base = tempDir();
  const root = path.join(base, 'p');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'd'), { recursive: true });
  fs.mkdirSync(outside);
  fs.symlinkSync(outside, path.join(root, 's'));
  return { root, outside, store: path.join(base, 'store'), d: path.join(root, 'd'), s: path.join(root, 's') };
}

const listing = (dir: string) => fs.readdirSync(dir).sort().map((n) => `${n}=${fs.readFileSync(path.join(dir, n), 'utf8')}`);

describe('snapshots against a racing RENAME_EXCHANGE of a directory and a symlink', () => {
  it('control: the racer makes a by-path write below the directory land outside it', async () => {
    const t = setup();
    await startRacer(t.d, t.s);
    let hit = false;
    for (let i = 0; i < 100_000 && !hit; i++) {
      try {
        fs.writeFileSync(path.join(t.d, 'probe'), 'x');
      } catch {
        // mid-exchange
      }
      hit = fs.existsSync(path.join(t.outside, 'probe'));
    }
    await stopRacer(t);
    expect(hit).toBe(true);
  });

  it('restore neither deletes nor writes outside the directory', async () => {
    const t = setup();
    execFileSync('git', ['init', '-q', t.root]);
    fs.writeFileSync(path.join(t.d, 'saved'), 'saved');
    const { manifest } = await createSnapshot(t.root, { store: t.store, env });
    for (let round = 0; round < 10; round++) {
      // the tool deleted a saved file and planted one; the host has a file of that name outside
      fs.rmSync(path.join(t.d, 'saved'), { force: true });
      fs.writeFileSync(path.join(t.d, 'planted'), 'planted');
      fs.writeFileSync(path.join(t.outside, 'planted'), 'host file');
      await startRacer(t.d, t.s);
      try {
        await restoreSnapshot(manifest, { store: t.store, env });
      } catch (e) {
        // refusing is fine (it names the path that changed), writing outside is not
        if (!(e instanceof SnapshotError)) throw e;
      }
      await stopRacer(t);
      expect(listing(t.outside), `round ${round}`).toEqual(['planted=host file']);
    }
    // and without a racer it restores
    fs.writeFileSync(path.join(t.d, 'planted'), 'planted');
    await restoreSnapshot(manifest, { store: t.store, env });
    expect(listing(t.d)).toEqual(['saved=saved']);
    expect(listing(t.outside)).toEqual(['planted=host file']);
  });

  it('control: the racer makes a by-path read below the directory read the outside file', async () => {
    const t = setup();
    fs.writeFileSync(path.join(t.d, 'x'), 'project');
    fs.writeFileSync(path.join(t.outside, 'x'), 'host secret');
    await startRacer(t.d, t.s);
    let hit = false;
    for (let i = 0; i < 100_000 && !hit; i++) {
      try {
        hit = fs.readFileSync(path.join(t.d, 'x'), 'utf8') === 'host secret';
      } catch {
        // mid-exchange
      }
    }
    await stopRacer(t);
    expect(hit).toBe(true);
  });

  it('create never saves a file from outside the directory', async () => {
    const t = setup();
    execFileSync('git', ['init', '-q', t.root]);
    fs.writeFileSync(path.join(t.d, 'x'), 'project');
    execFileSync('git', ['-C', t.root, 'add', 'd/x']);
    // many files, so the window is long; the host has a file of each name outside
    for (let i = 0; i < 100; i++) {
      fs.writeFileSync(path.join(t.d, `f${i}`), `project ${i}`);
      fs.writeFileSync(path.join(t.outside, `f${i}`), `host secret ${i}`);
    }
    fs.writeFileSync(path.join(t.outside, 'x'), 'host secret');
    const secrets = new Set(fs.readdirSync(t.outside).map((n) => crypto.createHash('sha256').update(fs.readFileSync(path.join(t.outside, n))).digest('hex')));
    for (let round = 0; round < 10; round++) {
      // touched, so no hash is reused from the previous snapshot: every file is read again
      for (const n of fs.readdirSync(t.d)) fs.utimesSync(path.join(t.d, n), new Date(), new Date(Date.now() - round * 1000));
      await startRacer(t.d, t.s);
      try {
        const { manifest } = await createSnapshot(t.root, { store: t.store, env });
        const leaked = Object.entries(manifest.files).filter(([, e]) => e.type === 'file' && secrets.has(e.hash));
        expect(leaked, `round ${round}`).toEqual([]);
      } catch (e) {
        if (!(e instanceof SnapshotError)) throw e;
      } finally {
        await stopRacer(t);
      }
    }
  });
});
