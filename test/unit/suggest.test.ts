import { describe, it, expect } from 'vitest';
import { didYouMean, suggest } from '../../src/suggest.js';
import { TOOL_FIELDS } from '../../src/config/schema.js';

describe('suggest', () => {
  it.each([
    ['netwrok', 'network'],
    ['envv', 'env'],
    ['mount', 'mounts'],
    ['podman_arg', 'podman_args'],
    ['ENV', 'env'],
    ['workdr', 'workdir'],
  ])('%s → %s', (word, want) => {
    expect(suggest(word, TOOL_FIELDS)).toBe(want);
  });

  it('returns undefined when nothing is close', () => {
    expect(suggest('completely', ['eslint', 'prettier'])).toBeUndefined();
    expect(suggest('x', [])).toBeUndefined();
  });

  it('allows at most 2 edits for short words', () => {
    expect(suggest('abc', ['abxy'])).toBe('abxy');
    expect(suggest('abc', ['xyz'])).toBeUndefined();
  });

  it('allows a third of the length in edits for long words (4 of 12, not 5)', () => {
    expect(suggest('abcdefghijkl', ['abcdefghiXYZ'])).toBe('abcdefghiXYZ');
    expect(suggest('abcdefghijkl', ['abcdefghWXYZ'])).toBe('abcdefghWXYZ');
    expect(suggest('abcdefghijkl', ['abcdefgVWXYZ'])).toBeUndefined();
  });

  it('picks the closest candidate, the first on ties', () => {
    expect(suggest('eslnt', ['eslint2', 'eslint'])).toBe('eslint');
    expect(suggest('ab', ['ax', 'ay'])).toBe('ax');
  });

  it('keeps the candidate spelling', () => {
    expect(suggest('eslint', ['ESLint'])).toBe('ESLint');
  });
});

describe('didYouMean', () => {
  it('formats a hint', () => {
    expect(didYouMean('prettir', ['prettier', 'eslint'])).toBe('did you mean "prettier"?');
  });
  it('returns undefined without a suggestion', () => {
    expect(didYouMean('zzzzzzzz', ['prettier'])).toBeUndefined();
  });
});
