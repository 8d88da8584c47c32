// The install phase on real podman: one install for many first runs, the lock file keeping versions
// put, reinstalls only for what matters, and a deleted volume repaired by reinstalling.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../../src/install/lockfile.js';
import { createSandbox, removeSandbox, removeToolVolumes, toolVolumes, type Sandbox } from './harness.js';

// names unique to this run, so volumes of earlier runs or other test files never interfere
const tag = Math.random().toString(36).slice(2, 8);
const CONC = `conc-${tag}`;
const COW = `cow-${tag}`;
const SPY = `spy-${tag}`;
/** The real version directories in the tool's volume (mise adds alias links such as 1, 1.5, latest). */
const VERSIONS = 'cd /mise/data/installs/npm-cowsay && find . -mindepth 1 -maxdepth 1 -type d | cut -c3-';

describe('install phase on podman', () => {
  let sb: Sandbox;
  const configFile = () => path.join(sb.root, 'config', 'shim', 'config.json');
  const writeTools = (tools: Record<string, unknown>) => fs.writeFileSync(configFile(), JSON.stringify(tools));
  const readLock = () => JSON.parse(fs.readFileSync(path.join(sb.root, 'state', 'shim', 'tools.lock.json'), 'utf8')) as LockFile;
  const installs = (stderr: string) => stderr.split('\n').filter((l) => l.includes('shim: installing')).length;
  const baseTools = {
    [CONC]: { tool: 'npm:cowsay', command: 'cowsay' },
    // an install host of their own gives each an install of its own (the same install would be shared)
    [COW]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.', dst: '/workspace' }], install_hosts: ['cow.invalid'] },
    [SPY]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.', dst: '/workspace' }], env_passthrough: ['SPY_SECRET'], secrets: ['SPY_SECRET'], install_hosts: ['spy.invalid'] },
  };

  beforeAll(async () => {
    sb = await createSandbox('podman', baseTools);
  });
  afterAll(async () => {
    await removeToolVolumes(sb, [CONC, COW, SPY]);
    removeSandbox(sb);
  });

  it('ten concurrent first runs all succeed with exactly one install', async () => {
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => sb.run([CONC, `moo ${i}`])));
    expect(runs.map((r) => r.exitCode)).toEqual(Array(10).fill(0));
    runs.forEach((r, i) => expect(r.stdout).toContain(`< moo ${i} >`));
    expect(runs.reduce((n, r) => n + installs(r.stderr), 0)).toBe(1);
  });

  it('installs without the project or passthrough variables, and runs with only its own volume, read-only', async () => {
    fs.writeFileSync(path.join(sb.project, 'marker.txt'), 'project');
    const r = await sb.run([SPY, '-c', 'grep " /mise " /proc/mounts; echo "secret=$SPY_SECRET"'], { env: { SHIM_DEBUG: '1', SPY_SECRET: 'hunter2' } });
    expect(r.exitCode).toBe(0);
    const installLine = r.stderr.split('\n').find((l) => l.includes('install command:'))!;
    expect(installLine).toMatch(new RegExp(`src=shim-tool-${SPY}-[0-9a-f]{12},dst=/mise `));
    expect(installLine).not.toContain(sb.project);
    expect(installLine).not.toContain('SPY_SECRET');
    // positive control: the run itself does get the project and the variable
    const runLine = r.stderr.split('\n').find((l) => l.includes('run command:'))!;
    expect(runLine).toContain(`src=${fs.realpathSync(sb.project)}`);
    expect(r.stdout).toContain('secret=hunter2');
    const mounts = r.stdout.split('\n').filter((l) => l.includes(' /mise '));
    expect(mounts).toHaveLength(1);
    expect(mounts[0]).toMatch(/ \/mise \S+ ro[ ,]/);
  });

  it('reinstalls for a spec change but not for a mount or env change', async () => {
    expect(installs((await sb.run([COW, '-c', 'true'])).stderr)).toBe(1);
    writeTools({ ...baseTools, [COW]: { ...baseTools[COW], env: { X: '1' }, mounts: [] } });
    expect(installs((await sb.run([COW, '-c', 'true'])).stderr)).toBe(0);
    writeTools({ ...baseTools, [COW]: { ...baseTools[COW], tool: 'npm:cowsay@1.5.0' } });
    const changed = await sb.run([COW, '-c', VERSIONS]);
    expect(changed.stderr).toContain('spec changed from npm:cowsay');
    expect(changed.stdout.trim()).toBe('1.5.0');
    expect(readLock().tools[COW]).toMatchObject({ spec: 'npm:cowsay@1.5.0', version: '1.5.0' });
    writeTools(baseTools);
  });

  it('notices a deleted volume and reinstalls the locked version', async () => {
    await sb.run([COW, '-c', 'true']);
    const version = readLock().tools[COW]!.version;
    const rm = await sb.runtime(['volume', 'rm', ...(await toolVolumes(sb, [COW]))]);
    expect(rm.exitCode).toBe(0);
    const r = await sb.run([COW, '-c', VERSIONS]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('its volume was removed or changed outside shim');
    expect(r.stdout.trim()).toBe(version);
  });

  it('runs keep the locked version; only --upgrade resolves again and reports old → new', async () => {
    // lock an older version than the registry's newest, as if it had been installed long ago
    await sb.run([COW, '-c', 'true']);
    const lockFile = path.join(sb.root, 'state', 'shim', 'tools.lock.json');
    const lock = readLock();
    lock.tools[COW] = { ...lock.tools[COW]!, version: '1.5.0', installs: {} };
    fs.writeFileSync(lockFile, JSON.stringify(lock));
    const run = await sb.run([COW, '-c', VERSIONS]);
    expect(run.stderr).toContain(`installing ${COW} (npm:cowsay@1.5.0`);
    expect(run.stdout.trim()).toBe('1.5.0');
    expect((await sb.run([COW, '-c', 'true'])).stderr).not.toContain('installing');
    expect(readLock().tools[COW]!.version).toBe('1.5.0');

    const up = await sb.run(['shim', 'install', '--upgrade', COW]);
    expect(up.exitCode).toBe(0);
    expect(up.stderr).toMatch(new RegExp(`${COW}: npm:cowsay 1\\.5\\.0 → 1\\.\\d+\\.\\d+`));
    expect(readLock().tools[COW]!.version).not.toBe('1.5.0');
  });

  it('prune removes download caches and leaves installed tools runnable offline', async () => {
    const pruned = await sb.run(['shim', 'prune']);
    expect(pruned.exitCode).toBe(0);
    const r = await sb.run([CONC, 'still here']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('< still here >');
    expect(installs(r.stderr)).toBe(0);
  });
});
