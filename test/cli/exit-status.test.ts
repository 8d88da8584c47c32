// Exit statuses: the tool's own passes through; shim's failures are 125 and leave nothing behind.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

describe('exit status', () => {
  it.each([[0], [1], [42]])('the tool exit code %i passes through unchanged', async (code) => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_EXIT: String(code) } });
    expectExit(out, code);
    expect(out.stdout).toBe('');
  });

  it('passes through the exit code through a link as well', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['up']), 0);
    expectExit(await w.link('eslint', [], { env: { FAKE_EXIT: '42' } }), 42);
  });

  it('a missing mount source exits 125 naming the field, calls nothing and creates nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: './nope', dst: '/workspace' }] } });
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('eslint.mounts[0].src');
    expect(out.stderr).toContain(path.join(w.project, 'nope'));
    expect(fs.existsSync(path.join(w.project, 'nope'))).toBe(false);
    expect(w.calls()).toEqual([]);
  });

  it('a "~" mount source resolves against HOME and must exist too', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: '~/.npmrc', dst: '/home/shim/.npmrc', opts: 'ro' }] } });
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toContain(path.join(w.home, '.npmrc'));
    expect(fs.existsSync(path.join(w.home, '.npmrc'))).toBe(false);
  });

  it('a failed install exits 125 with its output, never runs the tool, and retries next time', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_INSTALL_FAIL: '1' } });
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('fake install failure: registry unreachable');
    expect(out.stderr).toContain('installing eslint (npm:eslint) failed (exit 1)');
    expect(w.toolRuns()).toEqual([]);
    w.clearLog();
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(w.installs()).toHaveLength(1);
    expect(w.toolRuns()).toHaveLength(1);
  });

  it('when the runtime fails with 125 and the image is gone, shim says so and checks the image again next time', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_EXIT: '125', FAKE_IMAGE_MISSING: '1' } });
    expectExit(out, 125);
    expect(out.stderr).toMatch(/the image localhost\/shim:[0-9a-f]{12} is gone/);
    w.clearLog();
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(w.calls()[0]!.argv.slice(0, 2)).toEqual(['image', 'exists']);
    expect(w.toolRuns()).toHaveLength(1);
  });

  it('when the runtime fails with 125 but the image exists, nothing is forgotten', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_EXIT: '125' } });
    expectExit(out, 125);
    expect(out.stderr).not.toContain('is gone');
    w.clearLog();
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(w.installs()).toEqual([]);
    expect(w.calls().some((c) => c.argv[0] === 'image')).toBe(false);
  });
});
