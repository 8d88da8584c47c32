// The install phase through the CLI: the first run installs (its registry only, writable volume),
// later runs do not, and only a change of the tool spec triggers a reinstall.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSTALL_HELPER } from './fake-runtime.js';
import { MANAGED_IMAGE_RE, createWorld, expectExit, requireBuilt, valuesOf } from './helpers.js';

beforeAll(requireBuilt);

describe('install on first run', () => {
  it('installs with the helper behind the egress proxy (no network of its own) and a writable tool volume, then runs', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint@9' } });
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('installing eslint');
    const installs = w.installs();
    expect(installs).toHaveLength(1);
    const argv = installs[0]!.argv;
    expect(valuesOf(argv, '--network')).toEqual(['none']);
    expect(valuesOf(argv, '--env')).toContain('HTTPS_PROXY=http://127.0.0.1:3128');
    // the volume is named per state directory and spec, recorded in the lock file, and the run mounts it
    const volume = valuesOf(argv, '--mount').find((m) => m.startsWith('type=volume,src=shim-tool-eslint-'));
    expect(volume).toMatch(/^type=volume,src=shim-tool-eslint-[0-9a-f]{12},dst=\/mise$/);
    const name = volume!.slice('type=volume,src='.length, volume!.indexOf(',dst='));
    const lock = JSON.parse(fs.readFileSync(path.join(w.stateDir, 'tools.lock.json'), 'utf8')) as { tools: Record<string, { installs: Record<string, { volume?: string }> }> };
    expect(Object.values(lock.tools.eslint!.installs).map((i) => i.volume)).toEqual([name]);
    const run = w.calls().find((c) => c.argv[0] === 'run' && !c.argv.includes(INSTALL_HELPER))!;
    expect(valuesOf(run.argv, '--mount')).toContain(`type=volume,src=${name},dst=/mise,ro`);
    const image = argv.findIndex((a) => MANAGED_IMAGE_RE.test(a));
    // lifeline, forwarder, helper, the spec to install, the spec without its version (further arguments are the helper's own)
    expect(argv.slice(image + 1, image + 8)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', '/usr/local/libexec/shim/with-proxy', INSTALL_HELPER, 'npm:eslint@9', 'npm:eslint']);
    // the install comes before the tool run
    const calls = w.calls();
    expect(calls.findIndex((c) => c.argv.includes(INSTALL_HELPER))).toBeLessThan(calls.findIndex((c) => c.argv[0] === 'run' && !c.argv.includes(INSTALL_HELPER)));
  });

  it('never mounts the project or passes host env into the install container', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: '.', dst: '/workspace' }], env_passthrough: ['SECRET_X'], secrets: ['SECRET_X'], env: { FOO: 'bar' } } });
    expectExit(await w.shim(['run', 'eslint'], { env: { SECRET_X: 'host-value' } }), 0);
    const argv = w.installs()[0]!.argv;
    expect(argv.join('\n')).not.toContain(w.project);
    expect(argv.join('\n')).not.toContain('host-value');
    expect(argv.join('\n')).not.toContain('FOO=bar');
  });

  it('a second run does not install again and says nothing about installing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    w.clearLog();
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 0);
    expect(w.installs()).toEqual([]);
    expect(w.toolRuns()).toHaveLength(1);
    expect(out.stderr).not.toContain('installing');
  });

  it('changing the tool spec reinstalls', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint@8' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    w.writeConfig({ eslint: { tool: 'npm:eslint@9' } });
    w.clearLog();
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 0);
    expect(out.stderr).toContain('installing eslint (npm:eslint@9, spec changed from npm:eslint@8)');
    expect(w.installs()).toHaveLength(1);
    expect(w.installs()[0]!.argv).toContain('npm:eslint@9');
  });

  it('changing only env does not reinstall', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', env: { A: '1' } } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    w.writeConfig({ eslint: { tool: 'npm:eslint', env: { A: '2' } } });
    w.clearLog();
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 0);
    expect(w.installs()).toEqual([]);
    expect(w.lastToolEnv()).toContain('A=2');
  });

  it('installs separately per runtime', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    w.clearLog();
    expectExit(await w.shim(['run', 'eslint'], { env: { SHIM_RUNTIME: 'docker' } }), 0);
    expect(w.installs().map((c) => c.bin)).toEqual(['docker']);
  });

  it('"shim list" shows the installed version after a run', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expect((await w.shim(['list'])).stdout).toMatch(/^eslint\s+npm:eslint\s+none\s+not installed\n$/);
    expectExit(await w.shim(['run', 'eslint']), 0);
    const after = (await w.shim(['list'])).stdout;
    expect(after).toMatch(/^eslint\s+npm:eslint\s+none\s+1\.2\.3\b/);
    expect(after).not.toContain('not installed');
  });

  it('"shim install --force" reinstalls an installed tool', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['install']), 0);
    expect(w.installs()).toHaveLength(1);
    expectExit(await w.shim(['install']), 0);
    expect(w.installs()).toHaveLength(1);
    const out = await w.shim(['install', '--force', 'eslint']);
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(w.installs()).toHaveLength(2);
    expect(out.stderr).toContain('eslint: npm:eslint 1.2.3');
  });
});
