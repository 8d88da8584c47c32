// Resource defaults on real rootful podman: the process limit holds a fork bomb inside the container
// while the host keeps working.
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const BOMB = `bomb-${tag}`;
const TIGHT = `tight-${tag}`;
const SHORT = `short-${tag}`;
const SMALL = `small-${tag}`;
const QUIET = `quiet-${tag}`;

// Starts N sleeping children from node (a shell dies on its first failed fork), then prints the limit
// in force and how many processes exist in the container.
const forks = (n: number) => `
  const fs = require('fs');
  const { spawn } = require('child_process');
  const kids = [];
  for (let i = 0; i < ${n}; i++) { const c = spawn('sleep', ['20']); c.on('error', () => {}); kids.push(c); }
  setTimeout(() => {
    const max = ['/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/pids/pids.max'].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8').trim())[0];
    const count = fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d)).length;
    console.log('pids.max=' + max);
    console.log(count);
    for (const k of kids) k.kill();
    process.exit(0);
  }, 1500);`;

describe('resource defaults on podman', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('podman', {
      [BOMB]: { tool: 'npm:cowsay', command: 'node' },
      [TIGHT]: { tool: 'npm:cowsay', command: 'node', limits: { pids: 64 } },
      [SHORT]: { tool: 'npm:cowsay', command: 'sh', limits: { timeout: '2s' } },
      [SMALL]: { tool: 'npm:cowsay', command: 'node', limits: { memory: '96m' } },
      [QUIET]: { tool: 'npm:cowsay', command: 'sh', limits: { output: '1m' } },
    });
  });
  afterAll(async () => {
    await removeToolVolumes(sb, [BOMB, TIGHT, SHORT, SMALL, QUIET]);
    removeSandbox(sb);
  });

  it('every run gets a process limit', async () => {
    const r = await sb.run([BOMB, '-e', "const fs = require('fs'); console.log(fs.readFileSync(fs.existsSync('/sys/fs/cgroup/pids.max') ? '/sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/pids/pids.max', 'utf8').trim())"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('4096');
  });

  it('a fork bomb stops at the limit inside the container, and the host keeps working', async () => {
    // positive control: 200 processes fit under the default limit
    const roomy = await sb.run([BOMB, '-e', forks(200)]);
    expect(roomy.stdout).toContain('pids.max=4096');
    expect(Number(roomy.stdout.trim().split('\n').pop())).toBeGreaterThanOrEqual(200);
    // with a tight limit the same script cannot get past it
    const tight = await sb.run([TIGHT, '-e', forks(200)]);
    expect(tight.stdout).toContain('pids.max=64');
    const seen = Number(tight.stdout.trim().split('\n').pop());
    expect(seen).toBeGreaterThan(10);
    expect(seen).toBeLessThanOrEqual(64);
    const host = await sb.runtime(['ps', '--format', '{{.Names}}']);
    expect(host.exitCode).toBe(0);
  });

  it('a timeout stops the tool with exit 124 and leaves no container', async () => {
    // positive control: a run inside the limit finishes normally
    const quick = await sb.run([SHORT, '-c', 'sleep 0.5; echo done']);
    expect([quick.exitCode, quick.stdout]).toEqual([0, 'done\n']);
    const slow = await sb.run([SHORT, '-c', 'echo started; sleep 60; echo never']);
    expect(slow.exitCode).toBe(124);
    expect(slow.stdout).toBe('started\n');
    expect(slow.stderr).toContain(`${SHORT} timed out after 2s and was stopped`);
    const left = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${SHORT}`, '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
  });

  it('a memory bomb is killed with 137 and named as out of memory', async () => {
    const alloc = (mb: number) => `const a = []; for (let i = 0; i < ${mb}; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log('held ${mb}')`;
    // positive control: an allocation under the limit succeeds
    const fits = await sb.run([SMALL, '-e', alloc(16)]);
    expect([fits.exitCode, fits.stdout.trim()]).toEqual([0, 'held 16']);
    const bomb = await sb.run([SMALL, '-e', alloc(400)]);
    expect(bomb.exitCode).toBe(137);
    // "out of memory" only when podman reports the OOM kill (podman 4.3 on cgroup v1 does not)
    expect(bomb.stderr).toMatch(new RegExp(`${SMALL} was killed(: out of memory| \\(SIGKILL\\), possibly out of memory) \\(limit 96m\\)`));
    // a tool that kills itself with SIGKILL under the same limit is never called out of memory
    const self = await sb.run([SMALL, '-e', "process.kill(process.pid, 'SIGKILL')"]);
    expect(self.exitCode).toBe(137);
    expect(self.stderr).toContain(`${SMALL} was killed (SIGKILL), possibly out of memory (limit 96m)`);
    expect(self.stderr).not.toContain('was killed: out of memory');
  });

  it('output over the limit is cut with a notice, and shim copies it with flat memory', async () => {
    // positive control: output under the limit arrives whole
    const small = await sb.run([QUIET, '-c', 'head -c 524288 /dev/zero | tr "\\0" x']);
    expect(small.stdout.length).toBe(524288);
    const flood = await execa('/usr/bin/time', ['-f', 'maxrss=%M', path.join(sb.bin, QUIET), '-c', 'head -c 67108864 /dev/zero | tr "\\0" x; echo end >&2'], {
      env: sb.env, extendEnv: false, reject: false, stdin: 'ignore', cwd: sb.project, encoding: 'buffer', maxBuffer: 10 * 1024 * 1024,
    });
    expect(flood.exitCode).toBe(0);
    expect(flood.stdout.length).toBe(1024 * 1024);
    const stderr = Buffer.from(flood.stderr).toString();
    expect(stderr).toContain(`${QUIET}: output over the limit (1m): the rest is cut`);
    const rssKb = Number(/maxrss=(\d+)/.exec(stderr)![1]);
    expect(rssKb).toBeLessThan(150 * 1024);
  });

  it('a reader that closes the output (tool | head -1) ends the run like SIGPIPE, with an audit record', async () => {
    // `yes` never ends by itself: the pipeline returns only because shim ended the run when head left
    const line = `${path.join(sb.bin, QUIET)} -c yes | head -1; echo "status=\${PIPESTATUS[0]}" >&2`;
    const r = await execa('bash', ['-c', line], { env: sb.env, extendEnv: false, reject: false, stdin: 'ignore', cwd: sb.project });
    expect(r.stdout).toBe('y');
    expect(r.stderr).toContain('status=141');
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    const log = await sb.run(['shim', 'log', '--json', '--tool', QUIET]);
    const records = JSON.parse(String(log.stdout)) as { exitCode: number; signal: string | null }[];
    expect(records[records.length - 1]).toMatchObject({ exitCode: 141, signal: 'SIGPIPE' });
    const left = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${QUIET}`, '--format', '{{.Names}}']);
    expect(left.stdout.trim()).toBe('');
  });
});
