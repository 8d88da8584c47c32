import { describe, expect, it } from 'vitest';
import { buildInstallKey, findSharedInstall, updateSharers } from '../../src/install/share.js';
import { describePeerConflict } from '../../src/install/failure-hint.js';
import type { LockedTool, LockFile, RuntimeInstall } from '../../src/install/lockfile.js';
import { makeTool } from './fixtures.js';

const install = (volume: string, installId = 'id1', image = 'img'): RuntimeInstall => ({ image, installId, volume, binPaths: ['/b'], mountpoint: `/vol/${volume}` });
const entry = (key: string, version: string, inst: RuntimeInstall, packages?: Record<string, string>): LockedTool => ({
  spec: 'npm:eslint', version, installKey: key, installedAt: '', image: inst.image, installs: { podman: inst }, ...(packages ? { packages } : {}),
});
const ok = () => 'match' as const;

describe('buildInstallKey', () => {
  const tool = makeTool({ packages: ['b', 'a'], install_scripts: ['x'] });
  it('is equal for the same spec, packages, scripts, release age and install hosts, in any order', () => {
    expect(buildInstallKey(tool, '3d', undefined)).toBe(buildInstallKey(makeTool({ name: 'eslint-cold', packages: ['a', 'b'], install_scripts: ['x'] }), '3d', undefined));
  });
  it('differs when anything that decides the install differs', () => {
    const key = buildInstallKey(tool, '3d', undefined);
    expect(buildInstallKey({ ...tool, tool: 'npm:eslint@8' }, '3d', undefined)).not.toBe(key);
    expect(buildInstallKey({ ...tool, packages: ['a'] }, '3d', undefined)).not.toBe(key);
    expect(buildInstallKey({ ...tool, install_scripts: [] }, '3d', undefined)).not.toBe(key);
    expect(buildInstallKey(tool, '', undefined)).not.toBe(key);
    expect(buildInstallKey(tool, '3d', ['mirror.example'])).not.toBe(key);
    expect(buildInstallKey({ ...tool, install_hosts: ['cdn.example'] }, '3d', undefined)).not.toBe(key);
  });
});

describe('findSharedInstall', () => {
  const lock: LockFile = { version: 1, tools: { eslint: entry('k1', '9.1.0', install('shim-tool-eslint-1'), { globals: '15.0.0' }), other: entry('k2', '9.1.0', install('shim-tool-other-2')) } };
  it('finds another tool\'s install with the same key for this runtime and image', () => {
    expect(findSharedInstall(lock, 'eslint-cold', 'k1', 'podman', 'img', {}, ok)).toMatchObject({ from: 'eslint', install: { volume: 'shim-tool-eslint-1' } });
  });
  it('never shares with itself, another key, another runtime or image, or a volume that lost its install', () => {
    expect(findSharedInstall(lock, 'eslint', 'k1', 'podman', 'img', {}, ok)).toBeUndefined();
    expect(findSharedInstall(lock, 'x', 'k3', 'podman', 'img', {}, ok)).toBeUndefined();
    expect(findSharedInstall(lock, 'x', 'k1', 'docker', 'img', {}, ok)).toBeUndefined();
    expect(findSharedInstall(lock, 'x', 'k1', 'podman', 'img2', {}, ok)).toBeUndefined();
    expect(findSharedInstall(lock, 'x', 'k1', 'podman', 'img', {}, () => 'missing')).toBeUndefined();
  });
  it('keeps a locked version and locked packages: shares only an install that holds them', () => {
    expect(findSharedInstall(lock, 'x', 'k1', 'podman', 'img', { version: '9.1.0', packages: { globals: '15.0.0' } }, ok)).toBeDefined();
    expect(findSharedInstall(lock, 'x', 'k1', 'podman', 'img', { version: '9.0.0' }, ok)).toBeUndefined();
    expect(findSharedInstall(lock, 'x', 'k1', 'podman', 'img', { version: '9.1.0', packages: { globals: '14.0.0' } }, ok)).toBeUndefined();
  });
});

describe('updateSharers', () => {
  it('moves the sharers of a reinstalled volume along when it holds what they locked, and drops them otherwise', () => {
    const old = install('shim-tool-eslint-1', 'old');
    const lock: LockFile = { version: 1, tools: { eslint: entry('k1', '9.2.0', old), same: entry('k1', '9.2.0', old), older: entry('k1', '9.1.0', old), apart: entry('k1', '9.1.0', install('own')) } };
    const fresh = install('shim-tool-eslint-1', 'new');
    updateSharers(lock, 'eslint', 'podman', fresh, '9.2.0', undefined);
    expect(lock.tools.same!.installs.podman).toEqual(fresh);
    expect(lock.tools.older!.installs.podman).toBeUndefined();
    expect(lock.tools.apart!.installs.podman?.volume).toBe('own');
  });
});

describe('describePeerConflict', () => {
  const f = { tool: { name: 'stylelint', tool: 'npm:stylelint@16' }, spec: 'npm:stylelint@16', exitCode: 6, output: 'npm noise\nshim: no version of x@41 accepts stylelint 16.26.1 …\n' };
  it('turns the helper\'s last shim: line into the error', () => {
    expect(describePeerConflict(f)?.[0]).toBe('installing stylelint (npm:stylelint@16): no version of x@41 accepts stylelint 16.26.1 …');
  });
  it('says nothing for other failures', () => {
    expect(describePeerConflict({ ...f, exitCode: 1 })).toBeUndefined();
    expect(describePeerConflict({ ...f, output: 'no line' })).toBeUndefined();
  });
});
