// Tool names: invalid ones are usage errors that never reach the runtime; unknown ones are 127.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHIM, createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

describe('invalid tool names', () => {
  it.each([
    ['../x', ['run', '../x']],
    ['a/b', ['run', 'a/b']],
    ['-rf after --', ['run', '--', '-rf']],
    ['-rf', ['run', '-rf']],
    ['empty', ['run', '']],
    ['.hidden', ['run', '.hidden']],
    ['too long', ['run', 'a'.repeat(65)]],
  ])('%s exits 2 and never calls the runtime', async (_label, args) => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(args);
    expectExit(out, 2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('invalid tool name');
    expect(w.calls()).toEqual([]);
  });

  it('"shim install ../x" exits 2 and never calls the runtime', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['install', '../x']);
    expectExit(out, 2);
    expect(out.stderr).toContain('invalid tool name "../x"');
    expect(w.calls()).toEqual([]);
  });

  it('a link with an invalid tool name exits 2 and never calls the runtime', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.symlinkSync(SHIM, path.join(w.bin, '_eslint'));
    const out = await w.link('_eslint', []);
    expectExit(out, 2);
    expect(out.stderr).toContain('invalid tool name "_eslint"');
    expect(w.calls()).toEqual([]);
  });
});

describe('unknown tools', () => {
  it('exit 127 and suggest the closest configured tool', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' }, prettier: { tool: 'npm:prettier' } });
    const out = await w.shim(['run', 'eslnt']);
    expectExit(out, 127);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('unknown tool "eslnt"');
    expect(out.stderr).toContain('did you mean "eslint"?');
    expect(w.calls()).toEqual([]);
  });

  it('a link to shim for an unconfigured tool exits 127', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.symlinkSync(SHIM, path.join(w.bin, 'prettier'));
    const out = await w.link('prettier', ['--check']);
    expectExit(out, 127);
    expect(out.stderr).toContain('unknown tool "prettier"');
    expect(w.calls()).toEqual([]);
  });

  it('with no config at all, 127 says where to add the tool', async () => {
    const w = createWorld();
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 127);
    expect(out.stderr).toContain(path.join(w.configDir, 'config.json'));
  });
});
