// Choosing the runtime: SHIM_RUNTIME, settings.json, then podman before docker; shim's own links
// (bin dir, or anything resolving to shim) are never taken for a runtime.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHIM, createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

describe('runtime detection', () => {
  it('SHIM_RUNTIME=foo exits 125 saying what it must be', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_RUNTIME: 'foo' } });
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('SHIM_RUNTIME must be "podman" or "docker", got "foo"');
    expect(w.calls()).toEqual([]);
  });

  it('no podman or docker on PATH exits 127 naming what to install', async () => {
    const w = createWorld({ runtimes: [] });
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_RUNTIME: undefined, PATH: w.fake.dir } });
    expectExit(out, 127);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('neither podman nor docker was found on PATH');
    expect(out.stderr).toContain('install podman');
  });

  it('a requested runtime that is missing exits 127 naming it and who asked', async () => {
    const w = createWorld({ runtimes: ['docker'] });
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { PATH: w.fake.dir } });
    expectExit(out, 127);
    expect(out.stderr).toContain('podman not found on PATH (requested by SHIM_RUNTIME)');
    expect(w.calls()).toEqual([]);
  });

  it('prefers podman when both are found', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint'], { env: { SHIM_RUNTIME: undefined, PATH: w.fake.dir } }), 0);
    expect(new Set(w.calls().map((c) => c.bin))).toEqual(new Set(['podman']));
  });

  it('falls back to docker when podman is missing', async () => {
    const w = createWorld({ runtimes: ['docker'] });
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint'], { env: { SHIM_RUNTIME: undefined, PATH: w.fake.dir } }), 0);
    const calls = w.calls();
    expect(calls.length).toBeGreaterThan(0);
    expect(new Set(calls.map((c) => c.bin))).toEqual(new Set(['docker']));
    // docker has no "image exists": shim asks with "image inspect"
    expect(calls[0]!.argv.slice(0, 2)).toEqual(['image', 'inspect']);
  });

  it('settings.json "runtime" picks docker when SHIM_RUNTIME is unset', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.writeFileSync(path.join(w.configDir, 'settings.json'), '{ "runtime": "docker" }');
    expectExit(await w.shim(['run', 'eslint'], { env: { SHIM_RUNTIME: undefined, PATH: w.fake.dir } }), 0);
    expect(new Set(w.calls().map((c) => c.bin))).toEqual(new Set(['docker']));
  });

  it('skips a "podman" link to shim in the bin dir at the front of PATH and uses the real one later on PATH', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.symlinkSync(SHIM, path.join(w.bin, 'podman'));
    const out = await w.shim(['run', 'eslint', '--fix'], { env: { PATH: `${w.bin}:${w.fake.dir}:/usr/bin:/bin` } });
    expectExit(out, 0);
    expect(out.stderr).not.toContain('unknown tool');
    expect(w.toolRuns()).toHaveLength(1);
    expect(w.lastToolRun().slice(-2)).toEqual(['eslint', '--fix']);
  });

  it('skips a "podman" link to shim outside the bin dir too (no recursion)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const elsewhere = path.join(w.root, 'elsewhere');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(SHIM, path.join(elsewhere, 'podman'));
    const out = await w.shim(['run', 'eslint'], { env: { PATH: `${elsewhere}:${w.fake.dir}:/usr/bin:/bin` } });
    expectExit(out, 0);
    expect(w.toolRuns()).toHaveLength(1);
  });

  it('--dry-run shows the runtime path it found', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    fs.symlinkSync(SHIM, path.join(w.bin, 'podman'));
    const out = await w.shim(['run', '--dry-run', 'eslint'], { env: { PATH: `${w.bin}:${w.fake.dir}:/usr/bin:/bin` } });
    expectExit(out, 0);
    expect(out.stdout.startsWith(`${w.fake.paths.podman} run `)).toBe(true);
  });
});
