import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mountSpec, shellQuote } from '../../src/plan/quote.js';

describe('mountSpec', () => {
  it('joins plain fields with commas', () => {
    expect(mountSpec(['type=bind', 'src=/a', 'dst=/b', 'ro'])).toBe('type=bind,src=/a,dst=/b,ro');
  });
  it('quotes a field with a comma', () => {
    expect(mountSpec(['type=bind', 'src=/x/a,dst=/etc', 'dst=/w'])).toBe('type=bind,"src=/x/a,dst=/etc",dst=/w');
  });
  it('quotes and doubles a quote', () => {
    expect(mountSpec(['src=/a"b'])).toBe('"src=/a""b"');
  });
  it('quotes a field with a newline', () => {
    expect(mountSpec(['src=/a\nb', 'ro'])).toBe('"src=/a\nb",ro');
  });
  it('leaves spaces and = unquoted', () => {
    expect(mountSpec(['src=/my dir/x=y'])).toBe('src=/my dir/x=y');
  });
});

describe('shellQuote', () => {
  it('leaves safe words bare', () => {
    expect(shellQuote(['podman', 'run', '--env', 'A=b', '/x/y.z', 'a,b', 'user@host', '50%'])).toBe('podman run --env A=b /x/y.z a,b user@host 50%');
  });
  it('single-quotes unsafe words and escapes single quotes', () => {
    expect(shellQuote(['a b', "it's", '$HOME', '*', ''])).toBe(`'a b' 'it'\\''s' '$HOME' '*' ''`);
  });
  it('round-trips through sh', () => {
    const argv = ['a b', "it's", '$HOME', '`id`', '*', '', 'x\ny', '\\', '"q"', '-n'];
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shellQuote(argv)}`], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(argv);
  });
});
