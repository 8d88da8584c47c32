import { describe, it, expect } from 'vitest';
import { buildSetupId, cacheVolume, containerName, legacyNamedVolume, namedVolume, toolVolume, LABEL_RUN, LABEL_TOOL } from '../../src/plan/names.js';

const SETUP_A = 'a0a0a0a0a0a0';
const SETUP_B = 'b1b1b1b1b1b1';

describe('names', () => {
  const STATE = '/home/u/.local/state/shim';
  it('names the tool volume after the tool, its state directory and its spec', () => {
    expect(toolVolume('eslint', 'npm:eslint@9', STATE)).toMatch(/^shim-tool-eslint-[0-9a-f]{12}$/);
    expect(toolVolume('my.tool_1-x', 'npm:x', STATE)).toMatch(/^shim-tool-my\.tool_1-x-[0-9a-f]{12}$/);
    expect(toolVolume('eslint', 'npm:eslint@9', STATE)).toBe(toolVolume('eslint', 'npm:eslint@9', STATE));
  });

  it('gives two setups, or two specs of one tool name, volumes of their own', () => {
    const mine = toolVolume('eslint', 'npm:eslint@9', STATE);
    expect(toolVolume('eslint', 'npm:eslint@9', '/home/other/.local/state/shim')).not.toBe(mine);
    expect(toolVolume('eslint', 'npm:eslint@8', STATE)).not.toBe(mine);
    expect(toolVolume('eslint2', 'npm:eslint@9', STATE)).not.toBe(mine);
  });

  it('replaces + and adds a hash so a+b and a_b differ', () => {
    const v = (t: string) => toolVolume(t, 'npm:x', STATE);
    expect(v('a+b')).toMatch(/^shim-tool-a_b-[0-9a-f]{6}-[0-9a-f]{12}$/);
    expect(v('a+b')).not.toBe(v('a_b'));
    expect(v('a+b')).toBe(v('a+b'));
    expect(v('a+b')).not.toBe(v('a++b'));
  });

  it('produces only characters container runtimes accept', () => {
    for (const t of ['c++', 'g+', 'x.y', 'A-Z_0']) {
      expect(toolVolume(t, 'npm:x', STATE)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
      expect(containerName('run', t, 'abc')).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
    }
  });

  it('gives every tool of every setup its own download cache, never a shared one', () => {
    expect(cacheVolume('eslint', SETUP_A)).toBe(`shim-cache-eslint-${SETUP_A}`);
    expect(cacheVolume('prettier', SETUP_A)).toBe(`shim-cache-prettier-${SETUP_A}`);
    expect(cacheVolume('eslint', SETUP_B)).not.toBe(cacheVolume('eslint', SETUP_A));
    expect(cacheVolume('a+b', SETUP_A)).not.toBe(cacheVolume('a_b', SETUP_A));
  });

  it('scopes named volumes to the setup, and knows the name older shims shared', () => {
    expect(namedVolume('claude', 'claude-state', SETUP_A)).toBe(`shim-vol-claude-claude-state-${SETUP_A}`);
    expect(namedVolume('claude', 'claude-state', SETUP_B)).not.toBe(namedVolume('claude', 'claude-state', SETUP_A));
    expect(legacyNamedVolume('claude', 'claude-state')).toBe('shim-vol-claude-claude-state');
  });

  it('derives the setup id from the user and the real state directory', () => {
    expect(buildSetupId(1000, STATE)).toMatch(/^[0-9a-f]{12}$/);
    expect(buildSetupId(1000, STATE)).toBe(buildSetupId(1000, STATE));
    expect(buildSetupId(1001, STATE)).not.toBe(buildSetupId(1000, STATE));
    expect(buildSetupId(1000, '/tmp/other/shim')).not.toBe(buildSetupId(1000, STATE));
  });

  it('names run and install containers differently', () => {
    expect(containerName('run', 'eslint', 'r1')).toBe('shim-eslint-r1');
    expect(containerName('install', 'eslint', 'r1')).toBe('shim-install-eslint-r1');
    expect(containerName('run', 'eslint', 'r1')).not.toBe(containerName('run', 'eslint', 'r2'));
  });

  it('uses io.shim labels', () => {
    expect(LABEL_TOOL).toBe('io.shim.tool');
    expect(LABEL_RUN).toBe('io.shim.run');
  });
});
