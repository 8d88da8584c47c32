import { describe, it, expect } from 'vitest';
import { colorLevel, createReporter, splitNoColor, wantsNoColor } from '../../src/report.js';

describe('colorLevel', () => {
  it.each([
    [{}, true, 1],
    [{}, false, 0],
    [{ NO_COLOR: '1' }, true, 0],
    [{ NO_COLOR: '' }, true, 1],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, 0],
    [{ FORCE_COLOR: '1' }, false, 1],
    [{ FORCE_COLOR: '' }, false, 1],
    [{ FORCE_COLOR: '0' }, true, 0],
    [{ FORCE_COLOR: 'false' }, true, 0],
    [{ TERM: 'dumb' }, true, 0],
    [{ TERM: 'dumb', FORCE_COLOR: '1' }, false, 1],
    [{ TERM: 'xterm-256color' }, true, 1],
  ] as const)('%j with stderrIsTTY=%s → %i', (env, tty, level) => {
    expect(colorLevel(env, tty)).toBe(level);
  });

  it.each([{}, { FORCE_COLOR: '1' }, { TERM: 'xterm-256color' }] as const)('--no-color wins over %j on a terminal', (env) => {
    expect(colorLevel(env, true, true)).toBe(0);
    expect(colorLevel(env, true, false)).toBe(1);
  });
});

describe('splitNoColor (shim\'s own command line, never a tool link\'s)', () => {
  it.each([
    [['--no-color', 'list'], true, ['list']],
    [['list', '--no-color'], true, ['list']],
    [['list', '--json', '--no-color'], true, ['list', '--json']],
    [['--no-color', 'run', 'eslint', '.'], true, ['run', 'eslint', '.']],
    [['run', '--no-color', 'eslint'], true, ['run', 'eslint']],
    [['run', '--dry-run', '--no-color', '--json', 'eslint'], true, ['run', '--dry-run', '--json', 'eslint']],
    [['log', '--tool', 'eslint', '--no-color'], true, ['log', '--tool', 'eslint']],
    [['--no-color', '--no-color', 'doctor'], true, ['doctor']],
    [['--no-color'], true, []],
  ] as const)('%j → noColor=%s, argv %j', (argv, noColor, rest) => {
    expect(splitNoColor(argv)).toEqual({ noColor, argv: rest });
    expect(wantsNoColor(argv)).toBe(noColor);
  });

  it.each([
    [['run', 'eslint', '--no-color']],
    [['run', '--dry-run', 'eslint', '--no-color']],
    [['run', 'eslint', '--', '--no-color']],
    [['run', '--', 'eslint', '--no-color']],
    [['list', '--', '--no-color']],
    [['run', 'eslint', 'run', '--no-color']],
    [[]],
    [['list', '--json']],
    [['run', 'no-color']],
    [['list', '--no-colour']],
    [['list', '--no-color=1']],
  ] as const)('%j is left alone (the flag belongs to the tool, or is not there)', (argv) => {
    expect(splitNoColor(argv)).toEqual({ noColor: false, argv });
    expect(wantsNoColor(argv)).toBe(false);
  });

  it('does not modify its input', () => {
    const argv = ['--no-color', 'list'];
    splitNoColor(argv);
    expect(argv).toEqual(['--no-color', 'list']);
  });
});

function capture(level: 0 | 1 = 0) {
  const out: string[] = [];
  return { out, r: createReporter((t) => out.push(t), level) };
}

describe('createReporter without colour', () => {
  it('prefixes info, warn and error', () => {
    const { out, r } = capture();
    r.info('hello');
    r.warn('careful');
    r.error('broken');
    expect(out).toEqual(['shim: hello\n', 'shim: warning: careful\n', 'shim: error: broken\n']);
  });

  it('adds a hint line to errors', () => {
    const { out, r } = capture();
    r.error('broken', 'fix it');
    expect(out).toEqual(['shim: error: broken\nshim: hint: fix it\n']);
  });

  it('raw adds a trailing newline only when missing, and writes empty text as-is', () => {
    const { out, r } = capture();
    r.raw('a');
    r.raw('b\n');
    r.raw('');
    expect(out).toEqual(['a\n', 'b\n', '']);
  });
});

describe('createReporter with colour', () => {
  it('uses ANSI escapes at level 1 and none at level 0', () => {
    const c = capture(1);
    c.r.warn('x');
    expect(c.out[0]).toMatch(/\u001b\[\d+m/);
    expect(c.out[0]!.replace(/\u001b\[\d+m/g, '')).toBe('shim: warning: x\n');
    const p = capture(0);
    p.r.warn('x');
    expect(p.out[0]).not.toMatch(/\u001b/);
  });
});
