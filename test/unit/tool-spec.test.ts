import { describe, it, expect } from 'vitest';
import { splitToolSpec } from '../../src/plan/tool-spec.js';

describe('splitToolSpec', () => {
  it.each([
    ['npm:eslint@9.12.0', 'npm:eslint', '9.12.0'],
    ['npm:eslint', 'npm:eslint', undefined],
    ['npm:@scope/pkg@1.2.3', 'npm:@scope/pkg', '1.2.3'],
    ['npm:@scope/pkg', 'npm:@scope/pkg', undefined],
    ['node@22', 'node', '22'],
    ['node', 'node', undefined],
    ['cargo:ripgrep', 'cargo:ripgrep', undefined],
    ['pipx:black@24.1.0', 'pipx:black', '24.1.0'],
    ['ubi:owner/repo@v1.0.0', 'ubi:owner/repo', 'v1.0.0'],
    ['npm:eslint@latest', 'npm:eslint', 'latest'],
  ])('%s → name %s, version %s', (spec, name, version) => {
    const r = splitToolSpec(spec);
    expect(r.name).toBe(name);
    expect(r.version).toBe(version);
  });

  it('treats a trailing @ as no version', () => {
    const r = splitToolSpec('npm:eslint@');
    expect(r.name).toBe('npm:eslint');
    expect(r.version).toBeUndefined();
  });
});
