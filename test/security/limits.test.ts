// Resource defaults on real rootful podman: the process limit holds a fork bomb inside the container
// while the host keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const BOMB = `bomb-${tag}`;
const TIGHT = `tight-${tag}`;

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
      [TIGHT]: { tool: 'npm:cowsay', command: 'node', podman_args: ['--pids-limit=64'] },
    });
  });
  afterAll(async () => {
    for (const t of [BOMB, TIGHT]) await sb.runtime(['volume', 'rm', '--force', `shim-tool-${t}`]);
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
});
