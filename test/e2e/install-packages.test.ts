// Installs on real podman: companion packages resolve against the tool's locked version (a real peer
// conflict: stylelint 16 with stylelint-config-standard, whose newest wants stylelint 18), two tool names
// with the same install share it, and a package manager keeps its store between runs in a named volume.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockFile } from '../../src/install/lockfile.js';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const STYLE = `stylelint-${tag}`;
const STYLE_SH = `stylesh-${tag}`;
const PINNED = `stylepin-${tag}`;
const RANGED = `stylerange-${tag}`;
const PNPM = `pnpm-${tag}`;
const PNPM2 = `pnpmtwo-${tag}`;
const NPM = `npm-${tag}`;
const NPM_BARE = `npmbare-${tag}`;
const STYLE_INSTALL = { tool: 'npm:stylelint@16', packages: ['stylelint-config-standard'] };
// the README's pnpm entry: its store in a named volume of its own, the registry and nothing else
const PNPM_TOOL = {
  tool: 'npm:pnpm@9',
  command: 'pnpm',
  allowed_hosts: ['registry.npmjs.org'],
  mounts: [{ src: '.' }, { src: 'pnpm-store', dst: '/home/shim/.local/share/pnpm/store' }],
  env: { npm_config_store_dir: '/home/shim/.local/share/pnpm/store' },
};
const TOOLS = {
  [STYLE]: { ...STYLE_INSTALL, command: 'stylelint', mounts: [{ src: '.' }] },
  [STYLE_SH]: { ...STYLE_INSTALL, command: 'sh', mounts: [{ src: '.' }] },
  [PINNED]: { tool: 'npm:stylelint@16', packages: ['stylelint-config-standard@41.0.0'], command: 'stylelint' },
  [RANGED]: { tool: 'npm:stylelint@16', packages: ['stylelint-config-standard@41'], command: 'stylelint' },
  [PNPM]: PNPM_TOOL,
  [PNPM2]: PNPM_TOOL,
  // the README's npm entry
  [NPM]: { tool: 'npm:npm@11', command: 'npm', allowed_hosts: ['registry.npmjs.org'], mounts: [{ src: '.' }, { src: 'npm-cache', dst: '/home/shim/.npm' }] },
  [NPM_BARE]: { tool: 'npm:npm@11', command: 'npm', allowed_hosts: ['registry.npmjs.org'], mounts: [{ src: '.' }] },
};

describe('installs with packages on podman', () => {
  let sb: Sandbox;
  const readLock = () => JSON.parse(fs.readFileSync(path.join(sb.root, 'state', 'shim', 'tools.lock.json'), 'utf8')) as LockFile;

  beforeAll(async () => {
    sb = await createSandbox('podman', TOOLS);
  });
  afterAll(async () => {
    await removeToolVolumes(sb, Object.keys(TOOLS));
    for (const t of [PNPM, PNPM2]) await sb.runtime(['volume', 'rm', '--force', `shim-vol-${t}-pnpm-store-${sb.setup}`]);
    await sb.runtime(['volume', 'rm', '--force', `shim-vol-${NPM}-npm-cache-${sb.setup}`]);
    removeSandbox(sb);
  });

  it('resolves an unpinned companion to the newest version that accepts the locked tool, says so, and runs the locked tool', async () => {
    const install = await sb.run(['shim', 'install', STYLE]);
    expect(install.exitCode, install.stderr).toBe(0);
    const locked = readLock().tools[STYLE]!;
    expect(locked.version).toMatch(/^16\./);
    const config = locked.packages!['stylelint-config-standard']!;
    // the newest release wants a newer stylelint: an older one was chosen, and the install said which and why
    expect(Number(config.split('.')[0])).toBeLessThan(41);
    expect(install.stderr).toContain(`package stylelint-config-standard ${config}, the newest that accepts npm:stylelint@16 at ${locked.version}`);
    expect(install.stderr).toMatch(/\(\d+\.\d+\.\d+ needs stylelint \^1[7-9]/);

    fs.writeFileSync(path.join(sb.project, '.stylelintrc.json'), JSON.stringify({ extends: ['stylelint-config-standard'] }));
    fs.writeFileSync(path.join(sb.project, 'a.css'), 'a {\n  color: #ffffff;\n}\n');
    const lint = await sb.run([STYLE, 'a.css']);
    // the config's rules are all known to this stylelint (no "Unknown rule"), and one of them fires (the control)
    expect(lint.stdout + lint.stderr).not.toContain('Unknown rule');
    expect(lint.stdout + lint.stderr).toContain('color-hex-length');
    // exactly one stylelint: the tool's own, which configs and plugins find too
    const probe = await sb.run([STYLE_SH, '-c', 'readlink /mise/companions/node_modules/stylelint; node -p "require(\'stylelint/package.json\').version"; find /mise/companions -path "*/node_modules/stylelint/package.json" | wc -l']);
    expect(probe.exitCode, probe.stderr).toBe(0);
    const [link, version, copies] = probe.stdout.trim().split('\n');
    expect(link).toMatch(/\/mise\/data\/installs\/npm-stylelint\/16\.[^/]+\/lib\/node_modules\/stylelint$/);
    expect(version).toBe(locked.version);
    expect(copies).toBe('0');
  });

  it('shares the install of another tool name with the same spec and packages instead of installing again', async () => {
    // STYLE_SH ran above without an install of its own
    const lock = readLock();
    expect(lock.tools[STYLE_SH]!.installs.podman!.volume).toBe(lock.tools[STYLE]!.installs.podman!.volume);
    expect(lock.tools[STYLE_SH]!.packages).toEqual(lock.tools[STYLE]!.packages);
    const again = await sb.run([STYLE_SH, '-c', 'true']);
    expect(again.stderr).not.toContain('installing');
    // the control: another spec of packages installs on its own (and fails, below)
  });

  it('fails naming the conflict when a pinned or ranged companion needs another version of the tool', async () => {
    const ranged = await sb.run(['shim', 'install', RANGED]);
    expect(ranged.exitCode).toBe(125);
    expect(ranged.stderr).toContain(`installing ${RANGED} (npm:stylelint@16`);
    expect(ranged.stderr).toMatch(/no version of stylelint-config-standard@41 accepts stylelint 16\.\d+\.\d+, the version the tool is locked at \(the newest, 41\.\d+\.\d+, needs stylelint \^18/);
    const pinned = await sb.run(['shim', 'install', PINNED]);
    expect(pinned.exitCode).toBe(125);
    expect(pinned.stderr).toMatch(/stylelint-config-standard@41\.0\.0 needs stylelint \^18[^,]*, but the tool is locked at stylelint 16\.\d+\.\d+/);
    expect(pinned.stderr).toContain(`edit "packages" (or "tool") of ${PINNED}`);
    expect(readLock().tools[PINNED]).toBeUndefined();
  });

  it('keeps pnpm\'s store between runs of the same tool: the second install of a lockfile downloads nothing', async () => {
    const proj = path.join(sb.project, 'pn');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'pn', version: '1.0.0', private: true, dependencies: { 'is-number': '7.0.0' } }));
    if (sb.flavour === 'rootless') fs.chownSync(proj, sb.uid, sb.uid);
    const install = () => sb.run([PNPM, 'install', '--reporter=append-only'], { cwd: proj });
    const first = await install();
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    // a new volume of this setup: nothing to copy from an older shim (podman finds volumes by a prefix
    // of their name, so the new one must not pass for the old one)
    expect(first.stderr).not.toContain('copied');
    expect(first.stdout).toMatch(/downloaded 1\b/);
    expect(fs.existsSync(path.join(proj, 'pnpm-lock.yaml'))).toBe(true);
    fs.rmSync(path.join(proj, 'node_modules'), { recursive: true, force: true });
    const second = await sb.run([PNPM, 'install', '--frozen-lockfile', '--reporter=append-only'], { cwd: proj });
    expect(second.exitCode, second.stderr + second.stdout).toBe(0);
    expect(second.stdout).toMatch(/reused 1, downloaded 0\b/);
    // the control: another tool name has a store of its own, and downloads
    fs.rmSync(path.join(proj, 'node_modules'), { recursive: true, force: true });
    const other = await sb.run([PNPM2, 'install', '--frozen-lockfile', '--reporter=append-only'], { cwd: proj });
    expect(other.exitCode, other.stderr + other.stdout).toBe(0);
    expect(other.stdout).toMatch(/reused 0, downloaded 1\b/);
  });

  it('keeps npm\'s cache between runs of the same tool: the second npm ci works offline', async () => {
    const proj = path.join(sb.project, 'np');
    fs.mkdirSync(proj);
    fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'np', version: '1.0.0', private: true, dependencies: { 'is-number': '7.0.0' } }));
    if (sb.flavour === 'rootless') fs.chownSync(proj, sb.uid, sb.uid);
    const first = await sb.run([NPM, 'install'], { cwd: proj });
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    fs.rmSync(path.join(proj, 'node_modules'), { recursive: true, force: true });
    const offline = await sb.run([NPM, 'ci', '--offline'], { cwd: proj });
    expect(offline.exitCode, offline.stderr + offline.stdout).toBe(0);
    expect(fs.existsSync(path.join(proj, 'node_modules', 'is-number', 'package.json'))).toBe(true);
    // the control: without the volume, the cache is gone with the run, and npm ci --offline fails
    fs.rmSync(path.join(proj, 'node_modules'), { recursive: true, force: true });
    const bare = await sb.run([NPM_BARE, 'ci', '--offline'], { cwd: proj });
    expect(bare.exitCode).not.toBe(0);
    expect(bare.stderr + bare.stdout).toMatch(/ENOTCACHED|cache mode is 'only-if-cached'/);
  });
});
