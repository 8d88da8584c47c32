import { describe, expect, it } from 'vitest';
import { volumeCopyArgv, volumeCreateArgv, volumeListArgv, volumeMountpointArgv, volumeRemoveArgv, volumesToPrune } from '../../src/plan/volume-plan.js';

describe('volumesToPrune', () => {
  const mine = 'a0a0a0a0a0a0';
  const other = 'b1b1b1b1b1b1';
  const names = [
    'shim-cache', 'shim-cache-eslint', `shim-cache-eslint-${mine}`, `shim-cache-eslint-${other}`,
    'shim-tool-eslint-111111111111', 'shim-tool-eslint-222222222222', 'shim-tool-a_b-1a2b3c-333333333333',
    `shim-vol-claude-state-${mine}`, 'shim-vol-claude-state', 'other', 'shim-cachex', '',
  ];
  const input = { names, ownTools: ['shim-tool-eslint-111111111111', 'shim-tool-a_b-1a2b3c-333333333333', 'shim-tool-gone-444444444444'], setup: mine };

  it('removes only this setup\'s download caches (and the unscoped ones of older shims) by default', () => {
    expect(volumesToPrune(input, false)).toEqual(['shim-cache', 'shim-cache-eslint', `shim-cache-eslint-${mine}`]);
  });

  it('with --all also removes this setup\'s tool volumes, never another setup\'s, a named volume, or a volume shim did not make', () => {
    expect(volumesToPrune(input, true)).toEqual(['shim-cache', 'shim-cache-eslint', `shim-cache-eslint-${mine}`, 'shim-tool-eslint-111111111111', 'shim-tool-a_b-1a2b3c-333333333333']);
  });
});

describe('volume commands', () => {
  it('asks the runtime for the mountpoint and removes by name', () => {
    expect(volumeMountpointArgv('shim-tool-x')).toEqual(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'shim-tool-x']);
    expect(volumeRemoveArgv('shim-tool-x')).toEqual(['volume', 'rm', 'shim-tool-x']);
  });

  it('creates volumes with their setup and tool as labels, and lists one setup\'s by its label', () => {
    expect(volumeCreateArgv('v', { setup: 's1', tool: 'eslint' })).toEqual(['volume', 'create', '--label', 'io.shim.setup=s1', '--label', 'io.shim.tool=eslint', 'v']);
    expect(volumeListArgv('s1')).toEqual(['volume', 'ls', '--filter', 'label=io.shim.setup=s1', '--format', '{{.Name}}']);
    expect(volumeListArgv()).toEqual(['volume', 'ls', '--format', '{{.Name}}']);
  });

  it('copies an old volume read-only, without network, into the new one', () => {
    const argv = volumeCopyArgv('img', 'old', 'new');
    expect(argv).toContain('type=volume,src=old,dst=/from,ro');
    expect(argv).toContain('type=volume,src=new,dst=/to');
    expect(argv.slice(argv.indexOf('--network'), argv.indexOf('--network') + 2)).toEqual(['--network', 'none']);
    expect(argv.slice(-4)).toEqual(['cp', '-a', '/from/.', '/to/']);
  });
});
