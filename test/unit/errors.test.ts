import { describe, it, expect } from 'vitest';
import { ConfigError, ExitCode, RuntimeError, RuntimeNotFoundError, ShimError, UnknownToolError, UsageError } from '../../src/errors.js';

describe('errors', () => {
  it.each([
    [ConfigError, 125, 'ConfigError'],
    [UsageError, 2, 'UsageError'],
    [UnknownToolError, 127, 'UnknownToolError'],
    [RuntimeNotFoundError, 127, 'RuntimeNotFoundError'],
    [RuntimeError, 125, 'RuntimeError'],
  ] as const)('%o carries exit code %i, its name and the hint', (Cls, code, name) => {
    const e = new Cls('msg', 'do this');
    expect(e).toBeInstanceOf(ShimError);
    expect(e).toBeInstanceOf(Error);
    expect(e.exitCode).toBe(code);
    expect(e.name).toBe(name);
    expect(e.message).toBe('msg');
    expect(e.hint).toBe('do this');
  });

  it('uses the runtime exit code conventions', () => {
    expect(ExitCode).toEqual({ usage: 2, launcherFailed: 125, cannotInvoke: 126, notFound: 127 });
  });
});
