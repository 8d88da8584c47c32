// A broken config file is named precisely, breaks only the tools it defines, and `list` keeps working.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt, type World } from './helpers.js';

beforeAll(requireBuilt);

function withTypo(): World {
  const w = createWorld();
  w.writeDropIn('10-good.json', { eslint: { tool: 'npm:eslint' } });
  w.writeDropIn('20-bad.json', { prettier: { tool: 'npm:prettier', netwrok: 'bridge' } });
  return w;
}

describe('config errors', () => {
  it('an unknown key: the tool exits 125 naming file, tool, key and the likely intent', async () => {
    const w = withTypo();
    const out = await w.shim(['run', 'prettier']);
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('config.d/20-bad.json: prettier.netwrok: unknown key (did you mean "network"?)');
    expect(w.calls()).toEqual([]);
  });

  it('tools of valid files still run next to a broken file', async () => {
    const w = withTypo();
    const out = await w.shim(['run', 'eslint', '.']);
    expectExit(out, 0);
    expect(w.toolRuns()).toHaveLength(1);
  });

  it('list exits 0, lists the valid tools on stdout and names the broken file on stderr', async () => {
    const w = withTypo();
    const out = await w.shim(['list']);
    expectExit(out, 0);
    expect(out.stdout).toMatch(/^eslint\s+npm:eslint\s+none\s+/);
    expect(out.stdout).not.toContain('prettier');
    expect(out.stderr).toContain('config.d/20-bad.json: prettier.netwrok: unknown key');
    expect(out.stderr).toContain('not listed: prettier');
  });

  it('a relative mount destination is refused with the field path', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: '.', dst: 'workspace' }] } });
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toContain('config.json: eslint.mounts[0].dst: must be absolute');
    expect(w.calls()).toEqual([]);
  });

  it('invalid JSON names the file with line and column', async () => {
    const w = createWorld();
    w.writeConfig('{\n  "eslint": { "tool": "npm:eslint" ]\n}\n');
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toMatch(/config\.json: invalid JSON at line 2, column \d+/);
    expect(w.calls()).toEqual([]);
  });

  it('a tool whose "tool" field is missing everywhere exits 125 saying so', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { command: 'eslint' } });
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toContain('eslint: missing "tool"');
  });

  it('network "host" is refused with the reason', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', network: 'host' } });
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toContain('eslint.network: must be "none" or "bridge", got "host"');
    expect(w.calls()).toEqual([]);
  });

  it('a broken settings.json stops runs with 125 naming it', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.writeFileSync(path.join(w.configDir, 'settings.json'), '{"runtmie": "podman"}');
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toContain('settings.json: runtmie: unknown key (did you mean "runtime"?)');
    expect(w.calls()).toEqual([]);
  });
});
