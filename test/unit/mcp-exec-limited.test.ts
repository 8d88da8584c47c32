// The limited executor of `shim mcp`, with /bin/sh standing in for the runtime: the "container" is a
// shell command, and the signal and cleanup argv are shell commands too, so every path is real.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeNotFoundError } from '../../src/errors.js';
import { runLimited } from '../../src/runtime/exec-for-mcp.js';
import { tempDir } from './tmp.js';

const dir = tempDir('shim-limited-');
const env = { PATH: '/usr/bin:/bin' };
const pidFile = (name: string) => path.join(dir, `${name}.pid`);

/** A "runtime" whose run command is `script` (its pid is recorded so the signal argv can reach it). */
function fake(name: string, script: string, opts: { termIgnored?: boolean } = {}) {
  const marker = path.join(dir, `${name}.cleaned`);
  const run = `echo $$ > ${pidFile(name)}; ${opts.termIgnored ? "trap '' TERM; " : ''}${script}`;
  return {
    cmd: { file: '/bin/sh', argv: ['-c', run], env },
    signals: {
      signalArgv: {
        SIGINT: ['-c', `kill -INT $(cat ${pidFile(name)})`],
        SIGTERM: ['-c', `kill -TERM $(cat ${pidFile(name)})`],
        SIGHUP: ['-c', `kill -HUP $(cat ${pidFile(name)})`],
      },
      forceKillArgv: ['-c', `kill -KILL $(cat ${pidFile(name)})`],
      cleanupArgv: ['-c', `touch ${marker}`],
    },
    cleaned: () => fs.existsSync(marker),
  };
}

describe('runLimited', () => {
  it('passes stdin, captures both streams and the exit status', async () => {
    const f = fake('basic', 'tr a-z A-Z; echo oops >&2; exit 3');
    const r = await runLimited(f.cmd, f.signals, { stdin: 'hello\n' });
    expect(r).toMatchObject({ exitCode: 3, signal: null, stdout: 'HELLO\n', stderr: 'oops\n', truncated: false, timedOut: false, limitsHit: [] });
    expect(f.cleaned()).toBe(false);
  });

  it('closes stdin when none is given, and survives a tool that never reads it', async () => {
    const closed = fake('nostdin', 'cat; echo done');
    expect((await runLimited(closed.cmd, closed.signals)).stdout).toBe('done\n');
    const ignores = fake('ignores', 'exit 0');
    expect((await runLimited(ignores.cmd, ignores.signals, { stdin: 'x'.repeat(4 * 1024 * 1024) })).exitCode).toBe(0);
  });

  it('caps each stream, marks it truncated and keeps draining (the tool finishes)', async () => {
    const f = fake('big', 'head -c 300000 /dev/zero | tr "\\0" a; head -c 10 /dev/zero | tr "\\0" b >&2; echo end >&2');
    const r = await runLimited(f.cmd, f.signals, { maxOutputBytes: 1000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('a'.repeat(1000));
    expect(r.stderr).toBe('bbbbbbbbbbend\n');
    expect(r.truncated).toBe(true);
    expect(r.limitsHit).toEqual(['output']);
    // control: the same output under the cap is complete
    const whole = await runLimited(f.cmd, f.signals, { maxOutputBytes: 400_000 });
    expect(whole.stdout.length).toBe(300_000);
    expect(whole.truncated).toBe(false);
  });

  it('stops a run at its timeout with SIGTERM through the signal argv, then cleans up', async () => {
    const f = fake('slow', 'exec sleep 30');
    const started = Date.now();
    const r = await runLimited(f.cmd, f.signals, { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ exitCode: 143, signal: 'SIGTERM', timedOut: true, limitsHit: ['timeout'] });
    expect(f.cleaned()).toBe(true);
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const f = fake('stubborn', 'while :; do sleep 0.1; done', { termIgnored: true });
    const r = await runLimited(f.cmd, f.signals, { timeoutMs: 200, killGraceMs: 300 });
    expect(r).toMatchObject({ exitCode: 137, signal: 'SIGKILL', timedOut: true });
    expect(f.cleaned()).toBe(true);
  });

  it('stops when aborted, and not before', async () => {
    const f = fake('aborted', 'exec sleep 30');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const r = await runLimited(f.cmd, f.signals, { abort: ac.signal, timeoutMs: 20_000 });
    expect(r).toMatchObject({ signal: 'SIGTERM', timedOut: false, aborted: true, limitsHit: ['aborted'] });
    const quick = fake('notaborted', 'sleep 0.3; echo ok');
    const ok = await runLimited(quick.cmd, quick.signals, { abort: new AbortController().signal, timeoutMs: 20_000 });
    expect(ok).toMatchObject({ exitCode: 0, signal: null, stdout: 'ok\n', aborted: false });
  });

  it('returns soon after the runtime exits even when a leftover process holds its output open', async () => {
    const f = fake('leftover', 'echo before; sleep 20 & exit 4');
    const started = Date.now();
    const r = await runLimited(f.cmd, f.signals);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r).toMatchObject({ exitCode: 4, stdout: 'before\n', signal: null });
  });

  it('reports a missing runtime as RuntimeNotFoundError', async () => {
    const f = fake('missing', 'true');
    await expect(runLimited({ ...f.cmd, file: path.join(dir, 'no-such-runtime') }, f.signals)).rejects.toThrow(RuntimeNotFoundError);
  });
});
