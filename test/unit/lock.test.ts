import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { withLock, writeFileAtomic } from '../../src/lock.js';
import { tempDir } from './tmp.js';

const dir = tempDir('shim-lock-');

/** A pid that is certainly not running: a child that has already exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('withLock', () => {
  it('runs fn holding the lock (a symlink naming our pid) and removes it after', async () => {
    const lock = path.join(dir, 'a', 'lock');
    let seen = '';
    const result = await withLock(lock, async () => {
      seen = fs.readlinkSync(lock);
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toMatch(new RegExp(`^${process.pid}\\.[0-9a-f]+$`));
    expect(fs.readdirSync(path.join(dir, 'a'))).toEqual([]);
  });

  it('releases the lock when fn throws', async () => {
    const lock = path.join(dir, 'b');
    await expect(withLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('takes over a lock whose owner is dead without waiting (an older shim\'s directory or a holder symlink)', async () => {
    for (const [name, make] of [
      ['c', (lock: string) => (fs.mkdirSync(lock), fs.writeFileSync(path.join(lock, 'pid'), String(deadPid())))],
      ['c2', (lock: string) => fs.symlinkSync(`${deadPid()}.0a1b`, lock)],
    ] as const) {
      const lock = path.join(dir, name);
      make(lock);
      let waited = 0;
      const r = await withLock(lock, async () => fs.readlinkSync(lock), () => waited++);
      expect(r.startsWith(`${process.pid}.`)).toBe(true);
      expect(waited).toBe(0);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith(`${name}.`) || f === name)).toEqual([]);
    }
  });

  it('waits while a live process claims the takeover of a dead holder\'s lock', async () => {
    const lock = path.join(dir, 'g');
    const holder = `${deadPid()}.beef`;
    fs.symlinkSync(holder, lock);
    // another waiter (this live process, under another name) has claimed it and not yet removed it
    fs.symlinkSync(`${process.pid}.other`, `${lock}.claim.${holder}.0`);
    let waited = 0;
    const p = withLock(lock, async () => 'mine', () => {
      waited++;
      setTimeout(() => {
        fs.rmSync(lock);
        fs.rmSync(`${lock}.claim.${holder}.0`);
      }, 300);
    });
    expect(await p).toBe('mine');
    expect(waited).toBe(1);
  });

  it('takes over the claim of a claimant that died too', async () => {
    const lock = path.join(dir, 'h');
    const holder = `${deadPid()}.cafe`;
    fs.symlinkSync(holder, lock);
    fs.symlinkSync(`${deadPid()}.dead`, `${lock}.claim.${holder}.0`);
    expect(await withLock(lock, async () => 'ok')).toBe('ok');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('h'))).toEqual([]);
  });

  it('takes over a lock with a garbage pid once it is no longer fresh', async () => {
    const lock = path.join(dir, 'd');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'pid'), 'not-a-pid');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    expect(await withLock(lock, async () => 'ok')).toBe('ok');
  });

  it('waits for a live owner, calling onWait once, then runs', async () => {
    const lock = path.join(dir, 'e');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
    let waited = 0;
    let ran = false;
    const p = withLock(
      lock,
      async () => {
        ran = true;
        return 'done';
      },
      () => {
        waited++;
        // release on the next turn so that the waiter loops at least once more
        setTimeout(() => fs.rmSync(lock, { recursive: true, force: true }), 450);
      },
    );
    expect(await p).toBe('done');
    expect(ran).toBe(true);
    expect(waited).toBe(1);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('serialises two holders in one process', async () => {
    const lock = path.join(dir, 'f');
    const order: string[] = [];
    const a = withLock(lock, async () => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 50));
      order.push('a-end');
    });
    const b = withLock(lock, async () => {
      order.push('b-start');
      order.push('b-end');
    });
    await Promise.all([a, b]);
    expect(order).toEqual(['a-start', 'a-end', 'b-start', 'b-end']);
  });
});

describe('writeFileAtomic', () => {
  it('creates parent directories, writes the text and leaves no temp file', () => {
    const file = path.join(dir, 'w', 'x', 'f.txt');
    writeFileAtomic(file, 'hello\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('hello\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['f.txt']);
  });

  it('replaces an existing file', () => {
    const file = path.join(dir, 'w', 'g.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
  });
});
