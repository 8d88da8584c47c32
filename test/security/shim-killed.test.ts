// SIGKILL of shim itself (no chance to clean up) must not leave the tool's container running, nor, for
// an allow-list tool, the egress proxy or its socket directory.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, type Sandbox } from '../e2e/harness.js';
import { proxyProcesses, runProxyDir } from './egress-probe.js';

const tag = Math.random().toString(36).slice(2, 8);
const LONG = `long-${tag}`;
const NET = `longnet-${tag}`;

async function containersOf(sb: Sandbox, tool: string): Promise<string> {
  const ps = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${tool}`, '--format', '{{.Names}}']);
  expect(ps.exitCode).toBe(0);
  return ps.stdout.trim();
}

describe('shim killed with SIGKILL', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('podman', { [LONG]: { tool: 'npm:cowsay', command: 'sh' }, [NET]: { tool: 'npm:cowsay', command: 'sh', allowed_hosts: ['registry.npmjs.org'] } });
  });
  afterAll(async () => {
    await sb.runtime(['volume', 'rm', '--force', `shim-tool-${LONG}`, `shim-tool-${NET}`]);
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

  it('a normal run is not disturbed by its watchdog', async () => {
    const r = await sb.run([LONG, '-c', 'echo fine']);
    expect([r.exitCode, r.stdout]).toEqual([0, 'fine\n']);
  });
});
