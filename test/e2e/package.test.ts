// The published package works without a build step (dist/ is built by `npm test` first; packing with
// --ignore-scripts keeps other test files from seeing dist/ rewritten): `npm pack` of shim-sandbox,
// `npm install -g <tarball>` into a scratch prefix (never the system's), then the installed `shim`
// does what the README tells a new user: `shim init`, `shim up`, a real tool through its link, and
// `shim doctor <tool>`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, removeToolVolumes } from './harness.js';

// a tool name of its own: tool volumes are shared by everything running as this user
const TOOL = `cowsay-pkg-${Math.random().toString(36).slice(2, 8)}`;

describe('npm package', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-pack-'));
  afterAll(async () => {
    await removeToolVolumes({ runtime: (args) => execa('podman', args, { reject: false }) }, [TOOL]);
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('installs from its tarball and runs a tool through a link', async () => {
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--silent', '--json', '--pack-destination', scratch], { cwd: REPO });
    const [info] = JSON.parse(packed.stdout) as { name: string; filename: string; files: { path: string }[] }[];
    // `shim` on the registry is an unrelated package: this one is shim-sandbox, its command is shim
    expect(info!.name).toBe('shim-sandbox');
    expect(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).bin).toEqual({ shim: 'bin/shim.js' });
    const files = info!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/shim.js', 'bin/package.json', 'dist/shim.mjs', 'dist/link.cjs', 'dist/link-config.cjs', 'dist/link-execa.cjs', 'containerfiles/Containerfile', 'containerfiles/seccomp.json', 'schema/config.schema.json', 'schema/settings.schema.json', 'config.sample.json', 'README.md', 'LICENSE']));
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

    const prefix = path.join(scratch, 'prefix');
    await execa('npm', ['install', '--global', '--no-audit', '--no-fund', '--prefix', prefix, path.join(scratch, info!.filename)]);
    const shim = path.join(prefix, 'bin', 'shim');
    const version = await execa(shim, ['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);

    const home = path.join(scratch, 'home');
    fs.mkdirSync(home, { recursive: true });
    const env = {
      PATH: `${path.join(home, 'bin')}:${path.join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_STATE_HOME: path.join(home, 'state'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      SHIM_BIN_DIR: path.join(home, 'bin'),
      SHIM_RUNTIME: 'podman',
      SHIM_BASE_IMAGE: process.env.SHIM_BASE_IMAGE || 'localhost/shim-base:bookworm',
      SHIM_CA_BUNDLE: process.env.SHIM_CA_BUNDLE || '/etc/ssl/certs/ca-certificates.crt',
    };
    const init = await execa(shim, ['init'], { env, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(init.exitCode, init.stderr).toBe(0);
    const config = fs.readFileSync(path.join(home, 'config', 'shim', 'config.json'), 'utf8');
    // its "$schema" points at the schema shipped in the installed package
    expect(config).toContain(`file://${path.join(prefix, 'lib', 'node_modules', 'shim-sandbox', 'schema')}`);
    // the user's own tool, next to the sample's
    fs.mkdirSync(path.join(home, 'config', 'shim', 'config.d'));
    fs.writeFileSync(path.join(home, 'config', 'shim', 'config.d', '50-pkg.json'), JSON.stringify({ [TOOL]: { tool: 'npm:cowsay', command: 'cowsay' } }));
    const up = await execa(shim, ['up'], { env, extendEnv: false, reject: false });
    expect(up.exitCode).toBe(0);
    expect(fs.realpathSync(path.join(home, 'bin', TOOL))).toBe(fs.realpathSync(path.join(prefix, 'lib', 'node_modules', 'shim-sandbox', 'bin', 'shim.js')));
    const moo = await execa(path.join(home, 'bin', TOOL), ['packaged'], { env, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(moo.stderr).not.toContain('error');
    expect(moo.exitCode).toBe(0);
    expect(moo.stdout).toContain('< packaged >');

    const doctor = await execa(shim, ['doctor', TOOL], { env, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(doctor.stdout).toMatch(new RegExp(`✓ command: "cowsay" is a command of npm:cowsay`));
    expect(doctor.stdout).toContain('✓ trial:');
    expect(doctor.exitCode, doctor.stdout).toBe(0);
  });
});
