import { describe, expect, it } from 'vitest';
import { scriptHintFor } from '../../src/plan/script-hint.js';

describe('scriptHintFor: the install-script hint only after a failure that looks like a skipped script', () => {
  const skipped = ['esbuild'];

  it('says nothing after an ordinary failure, a signal or a timeout', () => {
    expect(scriptHintFor({ status: 1, stderrTail: ' FAIL  src/a.test.ts > adds\nAssertionError: expected 2 to be 3\n' }, skipped)).toEqual([]);
    expect(scriptHintFor({ status: 1 }, skipped)).toEqual([]); // on a terminal: nothing seen, nothing said
    for (const status of [130, 143, 137, 124, 0]) expect(scriptHintFor({ status, stderrTail: 'esbuild' }, skipped), String(status)).toEqual([]);
  });

  it('names the packages when the tool could not start (126, 127)', () => {
    expect(scriptHintFor({ status: 127 }, skipped)).toEqual(['esbuild']);
    expect(scriptHintFor({ status: 126, stderrTail: '' }, ['a', 'b'])).toEqual(['a', 'b']);
  });

  it('names the package its error output names, as a word or a path, and not as part of another name', () => {
    expect(scriptHintFor({ status: 1, stderrTail: 'Error: Cannot find module /x/node_modules/esbuild/bin/esbuild' }, ['sharp', 'esbuild'])).toEqual(['esbuild']);
    expect(scriptHintFor({ status: 1, stderrTail: 'ran esbuild-wasm fine; @scope/esbuild too' }, ['esbuild'])).toEqual([]);
    expect(scriptHintFor({ status: 1, stderrTail: 'claude native binary not installed: install scripts not run for @anthropic-ai/claude-code' }, ['@anthropic-ai/claude-code'])).toEqual(['@anthropic-ai/claude-code']);
  });

  it('names every skipped package when the output speaks of a missing install step without naming one', () => {
    expect(scriptHintFor({ status: 1, stderrTail: 'Error: the native binary is missing; did the postinstall run?' }, ['a', 'b'])).toEqual(['a', 'b']);
    expect(scriptHintFor({ status: 1, stderrTail: 'Error [ERR_DLOPEN_FAILED]: x.node' }, ['a'])).toEqual(['a']);
  });

  it('says nothing when no script was skipped', () => {
    expect(scriptHintFor({ status: 127 }, [])).toEqual([]);
  });
});
