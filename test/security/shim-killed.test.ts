// SIGKILL of shim itself (no chance to clean up) must not leave the tool's container running, nor, for
// an allow-list tool, the egress proxy or its socket directory; nor may SIGKILL of shim's whole process
// tree (its group, its watchdog, everything it started on the host), as editors and CI runners do: the
// container's lifeline ends it then. A warm call's shim killed the same way takes the call along (the
// keeper sees the call's connection close), and the warm container stays for the next call.
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIM, createSandbox, removeSandbox, removeToolVolumes, waitForOutput, type Sandbox } from '../e2e/harness.js';
import { proxyProcesses, runProxyDir } from './egress-probe.js';
import { descendants } from './host-processes.js';

const tag = Math.random().toString(36).slice(2, 8);
const LONG = `long-${tag}`;
const NET = `longnet-${tag}`;
const SLOW = `slowinstall-${tag}`;
const WARM = `warmcall-${tag}`;
/** Command lines of every process in a container but PID 1 (shell built-ins only). */
const PROCESSES = 'for d in /proc/[0-9]*; do [ "${d#/proc/}" = 1 ] && continue; tr "\\0" " " < $d/cmdline 2>/dev/null; echo; done';

/** SIGKILL to shim's process group and to every process it started, at once (a process-tree kill). */
function killTree(child: ResultPromise): void {
  const all = descendants(child.pid!);
  process.kill(-child.pid!, 'SIGKILL');
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone with the group
    }
  }
}

/** Starts shim (a tool link, or `shim` itself) as the leader of a process group of its own. */
function startInGroup(sb: Sandbox, argv: string[]): ResultPromise {
  const [first, ...rest] = argv;
  const file = first === 'shim' ? SHIM : path.join(sb.bin, first!);
  return execa(file, rest, { cwd: sb.project, env: sb.env, extendEnv: false, reject: false, stdin: 'ignore', detached: true });
}

/** Polls until no container of the tool is left, for at most 10 s after the kill (the bound). */
async function goneWithin10s(sb: Sandbox, tool: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  let left = await containersOf(sb, tool);
  while (left !== '' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    left = await containersOf(sb, tool);
  }
  return left;
}

async function containersOf(sb: Sandbox, tool: string): Promise<string> {
  const ps = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${tool}`, '--format', '{{.Names}}']);
  expect(ps.exitCode).toBe(0);
  return ps.stdout.trim();
}

describe('shim killed with SIGKILL', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('podman', {
      [LONG]: { tool: 'npm:cowsay', command: 'sh' },
      [NET]: { tool: 'npm:cowsay', command: 'sh', allowed_hosts: ['registry.npmjs.org'] },
      [SLOW]: { tool: 'npm:cowsay', command: 'sh' },
      [WARM]: { tool: 'npm:cowsay', command: 'sh', warm: true, warm_idle: '5m' },
    });
  });
  afterAll(async () => {
    await sb.run(['shim', 'stop']);
    await removeToolVolumes(sb, [LONG, NET, SLOW, WARM]);
    removeSandbox(sb);
  });

  it('its container is gone within 10 s', async () => {
    const child = sb.run([LONG, '-c', 'echo ready; exec sleep 120']);
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    // positive control: the container is running while shim lives
    expect(await containersOf(sb, LONG)).not.toBe('');
    child.kill('SIGKILL');
    await child;
    let left = 'unknown';
    for (let i = 0; i < 20 && left !== ''; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = await containersOf(sb, LONG);
    }
    expect(left).toBe('');
  });

  it('an allow-list run leaves neither its proxy nor the proxy\'s socket directory', async () => {
    const child = sb.run([NET, '-c', 'echo ready; exec sleep 120'], { env: { SHIM_DEBUG: '1' } });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    const dir = runProxyDir(stderr);
    expect(dir, stderr).toBeTruthy();
    const proxies = () => proxyProcesses(dir!);
    // positive control: while shim lives, its proxy runs and its directory exists
    expect(fs.existsSync(dir!)).toBe(true);
    expect(proxies()).not.toEqual([]);
    child.kill('SIGKILL');
    await child;
    let done = false;
    for (let i = 0; i < 20 && !done; i++) {
      await new Promise((r) => setTimeout(r, 500));
      done = !fs.existsSync(dir!) && proxies().length === 0 && (await containersOf(sb, NET)) === '';
    }
    expect({ dir: fs.existsSync(dir!), proxies: proxies(), containers: await containersOf(sb, NET) }).toEqual({ dir: false, proxies: [], containers: '' });
  });

  it('killing its whole process tree (group, watchdog and all) ends the container within 10 s', async () => {
    const child = startInGroup(sb, [LONG, '-c', 'echo ready; exec sleep 120']);
    await waitForOutput(child, 'ready');
    // positive control: the container runs while shim lives, and shim has a watchdog (a process of its own)
    expect(await containersOf(sb, LONG)).not.toBe('');
    expect(descendants(child.pid!).length).toBeGreaterThan(0);
    killTree(child);
    await child;
    expect(await goneWithin10s(sb, LONG)).toBe('');
  });

  it('killing the whole process tree during an install ends the install container within 10 s', async () => {
    // --force: an install of its own (the other tools' cowsay install would be shared, with no container)
    const child = startInGroup(sb, ['shim', 'install', '--force', SLOW]);
    // positive control: the install container is running when the tree is killed
    let running = '';
    while (!running.includes('install')) {
      await new Promise((r) => setTimeout(r, 100));
      running = await containersOf(sb, SLOW);
    }
    killTree(child);
    await child;
    expect(await goneWithin10s(sb, SLOW)).toBe('');
  });

  it('killing the whole process tree of a warm call ends the call within 10 s; the container stays for the next call', async () => {
    const child = startInGroup(sb, [WARM, '-c', 'echo ready; exec sleep 4321']);
    await waitForOutput(child, 'ready');
    const name = await containersOf(sb, WARM);
    expect(name).toMatch(/^shim-warm-/);
    const inside = async () => (await sb.runtime(['exec', name, 'sh', '-c', PROCESSES])).stdout;
    // positive control: the call runs in the warm container while shim lives; shim has no process of its
    // own for it (no runtime client, no watchdog): its connection to the keeper is all that ends it
    expect(await inside()).toContain('sleep 4321');
    expect(descendants(child.pid!)).toEqual([]);
    killTree(child);
    await child;
    const deadline = Date.now() + 10_000;
    let left = await inside();
    while (left.includes('sleep 4321') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      left = await inside();
    }
    expect(left).not.toContain('sleep 4321');
    // the container itself stays, and the next call runs in it
    expect(await containersOf(sb, WARM)).toBe(name);
    const next = await sb.run([WARM, '-c', 'echo again'], { env: { SHIM_DEBUG: '1' } });
    expect([next.exitCode, next.stdout], next.stderr).toEqual([0, 'again\n']);
    expect(next.stderr).toContain(`warm call in ${name}`);
    expect(next.stderr).not.toContain('started by this call');
  });

  it('a normal run is not disturbed by its watchdog', async () => {
    const r = await sb.run([LONG, '-c', 'echo fine']);
    expect([r.exitCode, r.stdout]).toEqual([0, 'fine\n']);
  });
});
