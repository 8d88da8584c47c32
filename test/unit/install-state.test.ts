import { describe, expect, it } from 'vitest';
import type { LockFile, LockedTool } from '../../src/install/lockfile.js';
import { installState, lockedSpec, packagesToInstall } from '../../src/install/state.js';
import { makeTool } from './fixtures.js';

const IMAGE = 'localhost/shim:abc';
const tool = makeTool({ name: 'eslint', tool: 'npm:eslint' });

function locked(overrides: Partial<LockedTool> = {}): LockFile {
  return {
    version: 1,
    tools: {
      eslint: {
        spec: 'npm:eslint',
        version: '9.12.0',
        installedAt: '2026-01-01T00:00:00Z',
        image: IMAGE,
        installs: { podman: { image: IMAGE, installId: 'id1', volume: 'shim-tool-eslint-0123456789ab', binPaths: ['/mise/bin'], mountpoint: '/vol' } },
        ...overrides,
      },
    },
  };
}

const match = () => 'match' as const;

describe('installState', () => {
  it('is ready when the lock, the image and the volume manifest agree', () => {
    const state = installState(locked(), tool, 'podman', IMAGE, match);
    expect(state.kind).toBe('ready');
  });

  it('resolves the spec on first use', () => {
    expect(installState({ version: 1, tools: {} }, tool, 'podman', IMAGE, match)).toMatchObject({ kind: 'stale', reason: 'first use', installSpec: 'npm:eslint', resolves: true });
  });

  it('resolves again when the spec changed', () => {
    const state = installState(locked(), makeTool({ name: 'eslint', tool: 'npm:eslint@8' }), 'podman', IMAGE, match);
    expect(state).toMatchObject({ kind: 'stale', reason: 'spec changed from npm:eslint', installSpec: 'npm:eslint@8', resolves: true });
  });

  it('reinstalls the locked version for a new image, never resolving again', () => {
    expect(installState(locked(), tool, 'podman', 'localhost/shim:new', match)).toMatchObject({ kind: 'stale', reason: 'image changed', installSpec: 'npm:eslint@9.12.0', resolves: false });
  });

  it('reinstalls the locked version on another runtime', () => {
    expect(installState(locked(), tool, 'docker', IMAGE, match)).toMatchObject({ kind: 'stale', installSpec: 'npm:eslint@9.12.0', resolves: false });
  });

  it('notices a volume that lost its manifest', () => {
    const state = installState(locked(), tool, 'podman', IMAGE, () => 'missing');
    expect(state).toMatchObject({ kind: 'stale', reason: 'its volume was removed or changed outside shim', resolves: false });
  });

  it('trusts the lock when the volume cannot be read (docker as a non-root user)', () => {
    expect(installState(locked(), tool, 'podman', IMAGE, () => 'unreadable').kind).toBe('ready');
  });

  it('installs again when the install is in a volume named after the tool alone (shared by every setup)', () => {
    const legacy = locked();
    delete legacy.tools.eslint!.installs.podman!.volume;
    expect(installState(legacy, tool, 'podman', IMAGE, match)).toMatchObject({ kind: 'stale', reason: expect.stringContaining('named after the tool alone'), installSpec: 'npm:eslint@9.12.0', resolves: false });
    // the control: the same record with its volume is ready
    expect(installState(locked(), tool, 'podman', IMAGE, match).kind).toBe('ready');
  });

  it('keeps the scope of a scoped package in the locked spec', () => {
    const scoped = makeTool({ name: 'biome', tool: 'npm:@biomejs/biome' });
    expect(lockedSpec(scoped, locked().tools.eslint!)).toBe('npm:@biomejs/biome@9.12.0');
  });
});

describe('installState and packagesToInstall: companion packages and install scripts', () => {
  const withPackages = makeTool({ name: 'eslint', tool: 'npm:eslint', packages: ['@eslint/js@9', 'globals'] });
  const lockedWith = locked({ packageSpecs: ['globals', '@eslint/js@9'], packages: { '@eslint/js': '9.39.1', globals: '16.5.0' } });

  it('is ready when the configured packages are the locked ones (order does not matter)', () => {
    expect(installState(lockedWith, withPackages, 'podman', IMAGE, match).kind).toBe('ready');
  });

  it('keeps the tool at its locked version and resolves the packages again when they changed', () => {
    const state = installState(locked(), withPackages, 'podman', IMAGE, match);
    expect(state).toMatchObject({ kind: 'stale', reason: 'packages changed', installSpec: 'npm:eslint@9.12.0', resolves: false, packagesResolve: true });
  });

  it('reinstalls when install_scripts changed', () => {
    const state = installState(locked(), makeTool({ name: 'eslint', tool: 'npm:eslint', install_scripts: ['esbuild'] }), 'podman', IMAGE, match);
    expect(state).toMatchObject({ kind: 'stale', reason: 'install_scripts changed', resolves: false });
  });

  it('installs the locked versions of the packages unless they resolve again', () => {
    const lockedTool = lockedWith.tools.eslint!;
    expect(packagesToInstall(withPackages, lockedTool, false)).toEqual(['@eslint/js@9.39.1', 'globals@16.5.0']);
    expect(packagesToInstall(withPackages, lockedTool, true)).toEqual(['@eslint/js@9', 'globals']);
    expect(packagesToInstall(withPackages, undefined, false)).toEqual(['@eslint/js@9', 'globals']);
  });
});

