import { describe, expect, it } from 'vitest';
import { volumeMountpointArgv, volumeRemoveArgv, volumesToPrune } from '../../src/plan/volume-plan.js';

describe('volumesToPrune', () => {
  const names = ['shim-cache', 'shim-cache-eslint', 'shim-tool-eslint', 'shim-tool-a_b-1a2b3c', 'other', 'shim-cachex', ''];

  it('removes only download caches by default (shared and isolated)', () => {
    expect(volumesToPrune(names, false)).toEqual(['shim-cache', 'shim-cache-eslint']);
  });

  it('with --all also removes every tool volume, and never a volume shim did not make', () => {
    expect(volumesToPrune(names, true)).toEqual(['shim-cache', 'shim-cache-eslint', 'shim-tool-eslint', 'shim-tool-a_b-1a2b3c']);
  });
});

describe('volume commands', () => {
  it('asks the runtime for the mountpoint and removes by name', () => {
    expect(volumeMountpointArgv('shim-tool-x')).toEqual(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'shim-tool-x']);
    expect(volumeRemoveArgv('shim-tool-x')).toEqual(['volume', 'rm', 'shim-tool-x']);
  });
});
