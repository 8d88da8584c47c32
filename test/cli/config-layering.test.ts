// config.json then config.d/*.json in lexical order: JSON with comments, later files override field
// by field, env merges by key, arrays replace. Checked through the argv the fake runtime receives.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { afterImage, beforeImage, createWorld, expectExit, requireBuilt, valuesOf } from './helpers.js';

beforeAll(requireBuilt);

describe('config layering', () => {
  it('accepts comments and trailing commas', async () => {
    const w = createWorld();
    w.writeConfig(`// tools
{
  /* a linter */
  "eslint": {
    "tool": "npm:eslint", // pinned later
    "env": { "A": "1", },
  },
}
`);
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 0);
    expect(w.lastToolEnv()).toContain('A=1');
  });

  it('a later file changes one field and keeps the others', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', command: 'eslint', workdir: '/src' } });
    w.writeDropIn('50-cmd.json', { eslint: { command: 'eslint-next' } });
    expectExit(await w.shim(['run', 'eslint', 'x']), 0);
    const argv = w.lastToolRun();
    expect(afterImage(argv)).toEqual(['eslint-next', 'x']);
    expect(valuesOf(argv, '--workdir')).toEqual(['/src']);
  });

  it('config.d files apply in lexical order', async () => {
    const w = createWorld();
    w.writeDropIn('20-b.json', { eslint: { command: 'from-20' } });
    w.writeDropIn('10-a.json', { eslint: { tool: 'npm:eslint', command: 'from-10' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(afterImage(w.lastToolRun())[0]).toBe('from-20');
  });

  it('env merges by key (later value wins, other keys kept)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', env: { A: 'base', B: 'kept' } } });
    w.writeDropIn('50-env.json', { eslint: { env: { A: 'override', C: 'added' } } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    const envs = w.lastToolEnv();
    expect(envs).toEqual(expect.arrayContaining(['A=override', 'B=kept', 'C=added']));
    expect(envs).not.toContain('A=base');
  });

  it('arrays replace: a later mounts list replaces the earlier one', async () => {
    const w = createWorld();
    fs.mkdirSync(path.join(w.project, 'one'));
    fs.mkdirSync(path.join(w.project, 'two'));
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: './one', dst: '/one' }, { src: '.', dst: '/workspace' }] } });
    w.writeDropIn('50-mounts.json', { eslint: { mounts: [{ src: './two', dst: '/two', opts: 'ro' }] } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    const binds = valuesOf(w.lastToolRun(), '--mount').filter((m) => m.startsWith('type=bind') && !m.includes('dst=/run/shim-lifeline'));
    expect(binds).toEqual([`type=bind,src=${path.join(w.project, 'two')},dst=/two,ro`]);
  });

  it('arrays replace: a later empty podman_args list removes the earlier entries', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', podman_args: ['--cpu-shares=512'] } });
    w.writeDropIn('50-args.json', { eslint: { podman_args: [] } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(beforeImage(w.lastToolRun())).not.toContain('--cpu-shares=512');
  });

  it('a later file may define a new tool on its own', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    w.writeDropIn('50-new.json', { prettier: { tool: 'npm:prettier' } });
    const out = await w.shim(['list']);
    expectExit(out, 0);
    expect(out.stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0])).toEqual(['eslint', 'prettier']);
  });

  it('files not ending in .json and hidden files in config.d are ignored', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    w.writeDropIn('50-x.json.bak', { eslint: { command: 'from-bak' } });
    w.writeDropIn('.60-hidden.json', { eslint: { command: 'from-hidden' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(afterImage(w.lastToolRun())[0]).toBe('eslint');
  });

  it('with no config at all, list exits 0 with nothing on stdout and says where to configure', async () => {
    const w = createWorld();
    const out = await w.shim(['list']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`no tools configured in ${path.join(w.configDir, 'config.json')}`);
  });
});
