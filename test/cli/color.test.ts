// Colour on stderr follows FORCE_COLOR and NO_COLOR (NO_COLOR wins); none by default off a terminal.
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSI_RE, createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

async function unknownTool(env: Record<string, string>) {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint' } });
  const out = await w.shim(['run', 'eslnt'], { env });
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
});
