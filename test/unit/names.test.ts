import { describe, it, expect } from 'vitest';
import { cacheVolume, containerName, toolVolume, LABEL_RUN, LABEL_TOOL } from '../../src/plan/names.js';

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
