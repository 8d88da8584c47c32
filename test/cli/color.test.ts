// Colour on stderr follows --no-color, FORCE_COLOR and NO_COLOR (--no-color and NO_COLOR win); none by
// default off a terminal. --no-color is shim's only among shim's own arguments: after `run <tool>` and
// through a tool link it is the tool's.
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSI_RE, afterImage, createWorld, expectExit, requireBuilt, type World } from './helpers.js';

beforeAll(requireBuilt);

async function unknownTool(env: Record<string, string>, args: readonly string[] = ['run', 'eslnt']) {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint' } });
  const out = await w.shim(args, { env });
  expectExit(out, 127);
  expect(out.stderr).toContain('unknown tool "eslnt"');
  return out;
}

describe('colour', () => {
  it('FORCE_COLOR=1 colours stderr', async () => {
    expect((await unknownTool({ FORCE_COLOR: '1' })).stderr).toMatch(ANSI_RE);
  });

  it('NO_COLOR=1 wins over FORCE_COLOR=1', async () => {
    expect((await unknownTool({ FORCE_COLOR: '1', NO_COLOR: '1' })).stderr).not.toMatch(ANSI_RE);
  });

  it('FORCE_COLOR=0 means no colour', async () => {
    expect((await unknownTool({ FORCE_COLOR: '0' })).stderr).not.toMatch(ANSI_RE);
  });

  it('no colour by default when stderr is not a terminal', async () => {
    expect((await unknownTool({})).stderr).not.toMatch(ANSI_RE);
  });

  it('FORCE_COLOR never colours stdout (list output)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['list'], { env: { FORCE_COLOR: '1' } });
    expectExit(out, 0);
    expect(out.stdout).toContain('eslint');
    expect(out.stdout).not.toMatch(ANSI_RE);
  });

  it('TERM=dumb means no colour', async () => {
    expect((await unknownTool({ TERM: 'dumb' })).stderr).not.toMatch(ANSI_RE);
  });
});

// SHIM_ALLOW_NETWORK=1 makes shim warn on stderr while the (fake) tool runs: colour is visible there.
const WARN = { FORCE_COLOR: '1', SHIM_ALLOW_NETWORK: '1' };

async function eslintWorld(): Promise<World> {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint' } });
  return w;
}

describe('--no-color', () => {
  it.each([
    [['--no-color', 'run', 'eslnt']],
    [['run', '--no-color', 'eslnt']],
    [['run', '--dry-run', '--no-color', 'eslnt']],
  ])('%j: no colour even with FORCE_COLOR=1', async (...args) => {
    expect((await unknownTool({ FORCE_COLOR: '1' }, args[0]!)).stderr).not.toMatch(ANSI_RE);
  });

  it('after another subcommand it is shim\'s and commander never sees it', async () => {
    const w = await eslintWorld();
    w.writeDropIn('10-bad.json', '{ "prettier": { "tool": 1 } }');
    const out = await w.shim(['list', '--no-color'], { env: { FORCE_COLOR: '1' } });
    expectExit(out, 0);
    expect(out.stdout).toContain('eslint');
    expect(out.stderr).toContain('10-bad.json');
    expect(out.stderr).not.toMatch(ANSI_RE);
    const coloured = await w.shim(['list'], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stderr).toMatch(ANSI_RE);
  });

  it('with --json the error is still JSON on stdout', async () => {
    const w = await eslintWorld();
    const out = await w.shim(['--no-color', 'explain', 'eslnt', '--json'], { env: { FORCE_COLOR: '1' } });
    expectExit(out, 127);
    expect(JSON.parse(out.stdout).error.code).toBe('unknown_tool');
  });

  it('before the tool name of run: shim\'s (no colour, not passed to the tool)', async () => {
    const w = await eslintWorld();
    const out = await w.shim(['run', '--no-color', 'eslint', '.'], { env: WARN });
    expectExit(out, 0);
    expect(out.stderr).toContain('warning');
    expect(out.stderr).not.toMatch(ANSI_RE);
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', '.']);
  });

  it('after the tool name of run: the tool\'s (passed unchanged, shim keeps its colour)', async () => {
    const w = await eslintWorld();
    const out = await w.shim(['run', 'eslint', '--no-color'], { env: WARN });
    expectExit(out, 0);
    expect(out.stderr).toMatch(ANSI_RE);
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', '--no-color']);
  });

  it('through a tool link: the tool\'s (passed unchanged, shim keeps its colour)', async () => {
    const w = await eslintWorld();
    expectExit(await w.shim(['up']), 0);
    w.clearLog();
    const out = await w.link('eslint', ['--no-color', '.'], { env: WARN });
    expectExit(out, 0);
    expect(out.stderr).toMatch(ANSI_RE);
    expect(afterImage(w.lastToolRun())).toEqual(['eslint', '--no-color', '.']);
  });
});
