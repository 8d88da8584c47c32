// Arguments after the tool name belong to the tool, whether shim is called as `shim run` or
// through a link named after the tool (where shim takes no options at all).
import { beforeAll, describe, expect, it } from 'vitest';
import { afterImage, createWorld, expectExit, requireBuilt, type World } from './helpers.js';

beforeAll(requireBuilt);

async function linkedWorld(): Promise<World> {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint' } });
  expectExit(await w.shim(['up']), 0);
  w.clearLog();
  return w;
}

describe('tool arguments', () => {
  it('"shim run eslint --help" passes --help to the tool', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint', '--help']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', '--help']);
  });

  it('"shim run eslint --dry-run" passes --dry-run to the tool (options after the tool name are its own)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint', '--dry-run', '-x', '--', 'a b']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', '--dry-run', '-x', '--', 'a b']);
  });

  it('runs the configured command, not the tool name', async () => {
    const w = createWorld();
    w.writeConfig({ tsc: { tool: 'npm:typescript', command: 'tsc-real' } });
    expectExit(await w.shim(['run', 'tsc', '-p', '.']), 0);
    expect(afterImage(w.lastToolRun())).toEqual(['tsc-real', '-p', '.']);
  });

  it('a link named after the tool runs it with the given arguments', async () => {
    const w = await linkedWorld();
    const out = await w.link('eslint', ['--version']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', '--version']);
  });

  it.each([['--dry-run'], ['--help'], ['--version'], ['-V']])('through a link, %s goes to the tool, not to shim', async (flag) => {
    const w = await linkedWorld();
    const out = await w.link('eslint', [flag]);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', flag]);
  });

  it('through a link, shim subcommand names are plain tool arguments', async () => {
    const w = await linkedWorld();
    expectExit(await w.link('eslint', ['run', 'list', 'up']), 0);
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', 'run', 'list', 'up']);
  });
});
