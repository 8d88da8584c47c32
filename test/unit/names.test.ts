import { describe, it, expect } from 'vitest';
import { cacheVolume, containerName, toolVolume, LABEL_RUN, LABEL_TOOL } from '../../src/plan/names.js';

describe('names', () => {
  it('derives the tool volume from the tool name', () => {
    expect(toolVolume('eslint')).toBe('shim-tool-eslint');
    expect(toolVolume('my.tool_1-x')).toBe('shim-tool-my.tool_1-x');
  });

  it('replaces + and adds a hash so a+b and a_b differ', () => {
    expect(toolVolume('a+b')).toMatch(/^shim-tool-a_b-[0-9a-f]{6}$/);
    expect(toolVolume('a+b')).not.toBe(toolVolume('a_b'));
    expect(toolVolume('a+b')).toBe(toolVolume('a+b'));
    expect(toolVolume('a+b')).not.toBe(toolVolume('a++b'));
  });

  it('produces only characters container runtimes accept', () => {
    for (const t of ['c++', 'g+', 'x.y', 'A-Z_0']) {
      expect(toolVolume(t)).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
      expect(containerName('run', t, 'abc')).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
    }
  });

  it('gives every tool its own download cache, never a shared one', () => {
    expect(cacheVolume('eslint')).toBe('shim-cache-eslint');
    expect(cacheVolume('prettier')).toBe('shim-cache-prettier');
    expect(cacheVolume('a+b')).not.toBe(cacheVolume('a_b'));
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
