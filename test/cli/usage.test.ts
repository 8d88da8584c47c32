// The command line itself, through the built binary: version, help, usage errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { PKG_VERSION, createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

describe('shim usage', () => {
  it('--version prints the package.json version on stdout and exits 0', async () => {
    const out = await createWorld().shim(['--version']);
    expectExit(out, 0);
    expect(out.stdout).toBe(`${PKG_VERSION}\n`);
    expect(out.stderr).toBe('');
  });

  it('with no arguments prints help on stderr and exits 2', async () => {
    const out = await createWorld().shim([]);
    expectExit(out, 2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('Usage: shim');
    expect(out.stderr).toContain('run [options] <tool> [args...]');
  });

  it.each([['help'], ['--help'], ['-h']])('"shim %s" prints help and exits 0', async (arg) => {
    const out = await createWorld().shim([arg]);
    expectExit(out, 0);
    expect(out.stdout + out.stderr).toContain('Usage: shim');
  });

  it('a misspelt command exits 2 and suggests the right one on stderr', async () => {
    const out = await createWorld().shim(['lsit']);
    expectExit(out, 2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain("unknown command 'lsit'");
    expect(out.stderr).toContain('Did you mean list');
  });

  it('"shim run" without a tool exits 2 and never calls the runtime', async () => {
    const w = createWorld();
    const out = await w.shim(['run']);
    expectExit(out, 2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain("missing required argument 'tool'");
    expect(w.calls()).toEqual([]);
  });

  it('an unknown option of shim itself exits 2', async () => {
    const out = await createWorld().shim(['--frobnicate']);
    expectExit(out, 2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain("unknown option '--frobnicate'");
  });
});
