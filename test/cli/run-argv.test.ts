// The runtime command a tool run produces, as received by the fake runtime through the real CLI.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_BIN_PATH } from './fake-runtime.js';
import { afterImage, beforeImage, createWorld, expectExit, requireBuilt, valuesOf, type World } from './helpers.js';

beforeAll(requireBuilt);

async function runOnce(config: Record<string, unknown>, env: Record<string, string> = {}): Promise<{ w: World; argv: string[] }> {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint', ...config } });
  const out = await w.shim(['run', 'eslint'], { env });
  expectExit(out, 0);
  expect(out.stdout).toBe('');
  return { w, argv: w.lastToolRun() };
}

describe('run argv', () => {
  it('uses the runtime found on PATH (the fake podman)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    expect(new Set(w.calls().map((c) => c.bin))).toEqual(new Set(['podman']));
  });

  it('removes the container, runs an init, never pulls, drops capabilities, read-only root', async () => {
    const { argv } = await runOnce({});
    expect(argv.slice(0, 3)).toEqual(['run', '--rm', '--pull=never']);
    expect(argv).toEqual(expect.arrayContaining(['--pull=never', '--cap-drop=all', '--security-opt=no-new-privileges', '--read-only']));
  });

  it('names the container shim-<tool>-<id>, differently for each run', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    expectExit(await w.shim(['run', 'eslint']), 0);
    const names = w.toolRuns().map((r) => valuesOf(r.argv, '--name'));
    expect(names).toHaveLength(2);
    for (const n of names) expect(n).toEqual([expect.stringMatching(/^shim-eslint-[0-9a-f]+$/)]);
    expect(names[0]).not.toEqual(names[1]);
  });

  it('has no network by default', async () => {
    const { argv } = await runOnce({});
    expect(valuesOf(argv, '--network')).toEqual(['none']);
    expect(argv).not.toContain('--publish');
  });

  it('mounts the tool volume read-only at /mise', async () => {
    const { argv } = await runOnce({});
    expect(valuesOf(argv, '--mount')).toContainEqual(expect.stringMatching(/^type=volume,src=shim-tool-eslint-[0-9a-f]{12},dst=\/mise,ro$/));
  });

  it('passes stdin with -i and never asks for a TTY when stdin is not one', async () => {
    const { argv } = await runOnce({});
    const before = beforeImage(argv);
    expect(before).toContain('-i');
    expect(before).not.toContain('-t');
    expect(before).not.toContain('-it');
  });

  it('runs as the invoking user (rootful podman: --user uid:gid; rootless: keep-id)', async () => {
    const { argv } = await runOnce({});
    const uid = process.getuid!();
    if (uid === 0) {
      expect(valuesOf(argv, '--user')).toEqual([`${uid}:${process.getgid!()}`]);
      expect(argv).not.toContain('--userns=keep-id');
    } else {
      expect(argv).toContain('--userns=keep-id');
      expect(argv).not.toContain('--user');
    }
  });

  it('runs as --user uid:gid under docker', async () => {
    const { argv } = await runOnce({}, { SHIM_RUNTIME: 'docker' });
    expect(valuesOf(argv, '--user')).toEqual([`${process.getuid!()}:${process.getgid!()}`]);
    expect(argv).not.toContain('--http-proxy=false');
  });

  it('puts the installed bin dirs first on the container PATH and sets HOME', async () => {
    const { argv } = await runOnce({});
    const env = valuesOf(argv, '--env');
    expect(env).toContain('HOME=/home/shim');
    expect(env.find((e) => e.startsWith('PATH='))).toMatch(new RegExp(`^PATH=${FAKE_BIN_PATH}:`));
  });

  it('passes configured env, and passthrough vars only when set on the host; nothing else of the host', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', env: { NODE_ENV: 'test', N: 3 }, env_passthrough: ['PASS_SET', 'PASS_UNSET'] } });
    expectExit(await w.shim(['run', 'eslint'], { env: { PASS_SET: 'from-host', HOST_ONLY: 'leak-me-not' } }), 0);
    const argv = w.lastToolRun();
    const env = w.lastToolEnv();
    expect(env).toEqual(expect.arrayContaining(['NODE_ENV=test', 'N=3', 'PASS_SET=from-host']));
    expect(env.some((e) => e.startsWith('PASS_UNSET'))).toBe(false);
    expect(argv.join('\n')).not.toContain('leak-me-not');
    expect(argv.join('\n')).not.toContain('HOST_ONLY');
    // tool values are bare names on argv (the runtime takes each from its environment, where shim put it)
    expect(valuesOf(argv, '--env')).toEqual(expect.arrayContaining(['NODE_ENV', 'N', 'PASS_SET']));
    expect(argv.join('\n')).not.toContain('from-host');
    expect(argv).not.toContain('NODE_ENV=test');
  });

  it('appends podman_args as single entries right before the image', async () => {
    const { argv } = await runOnce({ podman_args: ['--cpu-shares=512', '--label=note=a b', '--ulimit', 'nofile=64:64'] });
    expect(beforeImage(argv).slice(-4)).toEqual(['--cpu-shares=512', '--label=note=a b', '--ulimit', 'nofile=64:64']);
    expect(afterImage(argv)).toEqual(['eslint']);
  });

  it('bind-mounts the real path of a mount source, read-only when asked', async () => {
    const w = createWorld();
    fs.mkdirSync(path.join(w.project, 'src'));
    fs.symlinkSync(path.join(w.project, 'src'), path.join(w.project, 'alias'));
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: '.', dst: '/workspace' }, { src: './alias', dst: '/src', opts: 'ro' }] } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    const binds = valuesOf(w.lastToolRun(), '--mount').filter((m) => m.startsWith('type=bind') && !m.includes('dst=/run/shim-lifeline'));
    expect(binds).toEqual([`type=bind,src=${w.project},dst=/workspace`, `type=bind,src=${path.join(w.project, 'src')},dst=/src,ro`]);
  });

  it('uses the image named by SHIM_IMAGE without checking or building anything', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint', 'x'], { env: { SHIM_IMAGE: 'example.org/mine:1' } }), 0);
    const argv = w.lastToolRun();
    expect(argv.slice(argv.indexOf('example.org/mine:1') + 1)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', 'eslint', 'x']);
    expect(w.calls().some((c) => c.argv[0] === 'image' || c.argv[0] === 'build')).toBe(false);
  });

  it('CSV-quotes a mount source holding a comma, so it cannot inject --mount fields', async () => {
    const w = createWorld();
    const odd = path.join(w.project, 'a,dst=etc');
    fs.mkdirSync(odd);
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: './a,dst=etc', dst: '/workspace' }] } });
    expectExit(await w.shim(['run', 'eslint']), 0);
    const binds = valuesOf(w.lastToolRun(), '--mount').filter((m) => m.startsWith('type=bind') && !m.includes('dst=/run/shim-lifeline'));
    expect(binds).toEqual([`type=bind,"src=${odd}",dst=/workspace`]);
  });

  it('SHIM_CA_BUNDLE is mounted read-only and announced to a tool with a network', async () => {
    const w = createWorld();
    const bundle = path.join(w.root, 'ca.pem');
    fs.writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\n');
    w.writeConfig({ eslint: { tool: 'npm:eslint', network: 'bridge' } });
    expectExit(await w.shim(['run', 'eslint'], { env: { SHIM_CA_BUNDLE: bundle } }), 0);
    const argv = w.lastToolRun();
    expect(valuesOf(argv, '--mount')).toContain(`type=bind,src=${bundle},dst=/etc/shim/ca-bundle.crt,ro`);
    expect(valuesOf(argv, '--env')).toEqual(expect.arrayContaining(['NODE_EXTRA_CA_CERTS=/etc/shim/ca-bundle.crt', 'SSL_CERT_FILE=/etc/shim/ca-bundle.crt']));
  });

  it('a missing SHIM_CA_BUNDLE exits 125 naming it, and runs nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_CA_BUNDLE: path.join(w.root, 'missing.pem') } });
    expectExit(out, 125);
    expect(out.stderr).toContain(`SHIM_CA_BUNDLE: ${path.join(w.root, 'missing.pem')} does not exist`);
    expect(w.calls().filter((c) => c.argv[0] === 'run')).toEqual([]);
  });

  it('a configured env value overrides a passthrough of the same name (host value not used)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', env: { LANG_X: 'config' }, env_passthrough: ['LANG_X'] } });
    expectExit(await w.shim(['run', 'eslint'], { env: { LANG_X: 'host' } }), 0);
    // the runtime's own LANG_X is the planned value, not the host's it would otherwise inherit
    expect(w.lastToolEnv().filter((e) => e.startsWith('LANG_X='))).toEqual(['LANG_X=config']);
    expect(valuesOf(w.lastToolRun(), '--env')).toContain('LANG_X');
  });
});
