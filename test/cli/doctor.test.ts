// `shim doctor` in-process against the fake runtime (test/cli/fake-runtime.ts): every check, failing
// and passing, from the facts the fake runtime and the sandbox's file system give it; `shim doctor
// <tool>` (its trial run goes through the fake runtime too).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/with-config-files.js';
import { doctorCommand } from '../../src/commands/doctor.js';
import { linkUp } from '../../src/commands/links.js';
import type { Check } from '../../src/doctor/model.js';
import type { HostEnv } from '../../src/host.js';
import { createReporter } from '../../src/report.js';
import { createFakeRuntime } from './fake-runtime.js';
import { REPO, SHIM, createWorld, tool, type World } from './helpers.js';

const SHIM_REAL = fs.realpathSync(SHIM);

interface Doctor {
  status: number;
  stdout: string;
  stderr: string;
  checks: Check[];
  check(id: string): Check;
}

/** Builds an App on the world's directories (env changes applied) and runs `shim doctor --json` and plain. */
async function doctor(w: World, env: Record<string, string | undefined> = {}, tool?: string): Promise<Doctor> {
  const merged: Record<string, string> = { ...w.env, PATH: `${w.bin}:${w.fake.dir}:/usr/bin:/bin` };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const host: HostEnv = {
    cwd: w.project,
    home: w.home,
    uid: 1000,
    gid: 1000,
    env: merged,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    arch: process.arch,
    shimEntry: SHIM_REAL,
    packageRoot: REPO,
    version: '0.0.0-test',
    node: { path: process.execPath, version: process.versions.node },
  };
  const run = async (json: boolean) => {
    let out = '';
    let err = '';
    const app = createApp(host, createReporter((t) => (err += t), 0), (t) => (out += t));
    const status = await doctorCommand(app, { json, ...(tool ? { tool } : {}) });
    return { status, out, err };
  };
  const json = await run(true);
  const human = await run(false);
  expect(human.status).toBe(json.status);
  const parsed = JSON.parse(json.out) as { ok: boolean; checks: Check[] };
  expect(parsed.ok).toBe(json.status === 0);
  return {
    status: json.status,
    stdout: human.out,
    stderr: human.err + json.err,
    checks: parsed.checks,
    check(id) {
      const c = parsed.checks.find((x) => x.id === id);
      expect(c, `no check ${id} in ${JSON.stringify(parsed.checks.map((x) => x.id))}`).toBeDefined();
      return c!;
    },
  };
}

/** A world with eslint configured and linked (bin dir first on PATH). */
function linkedWorld(): World {
  const w = createWorld();
  w.writeConfig({ eslint: tool('npm:eslint') });
  fs.symlinkSync(SHIM_REAL, path.join(w.bin, 'eslint'));
  return w;
}

const failed = (d: Doctor) => d.checks.filter((c) => c.status === 'fail').map((c) => c.id);

describe('shim doctor: a healthy setup', () => {
  it('passes every check, including the real egress proxy self-test, exits 0, and prints ✓ lines', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_ROOTLESS: '1' });
    expect(failed(d)).toEqual([]);
    expect(d.status).toBe(0);
    expect(d.checks.map((c) => c.id)).toEqual(['runtime', 'rootless', 'cgroup', 'runc', 'image', 'engine-config', 'bin-dir', 'links', 'config', 'egress', 'sessions']);
    expect(d.check('sessions')).toMatchObject({ status: 'pass', message: expect.stringContaining('a pseudo-terminal opens') });
    expect(d.check('runtime')).toMatchObject({ status: 'pass', message: expect.stringContaining('podman 5.0.0') });
    expect(d.check('egress')).toMatchObject({ status: 'pass', message: expect.stringContaining('refused a host not on its list with 403') });
    expect(d.check('image').message).toMatch(/localhost\/shim:[0-9a-f]{12} is present and current/);
    expect(d.stdout).toMatch(/^✓ runtime: podman 5\.0\.0/m);
    expect(d.stdout).toMatch(/^✓ links: the link of eslint in .* points at this shim and comes first on PATH$/m);
    expect(d.stdout).toMatch(/^✓ egress: /m);
    expect(d.stdout).not.toContain('✗');
    expect(d.stdout).not.toContain('fix:');
    expect(d.stderr).toBe('');
  });

  it('asks the runtime for version, info and the image, and runs nothing else', async () => {
    const w = linkedWorld();
    await doctor(w);
    const verbs = new Set(w.calls().map((c) => c.argv[0]));
    expect([...verbs].sort()).toEqual(['image', 'info', 'version']);
    expect(w.toolRuns()).toEqual([]);
  });

  it('works with docker too (runc version from docker version)', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { SHIM_RUNTIME: 'docker', FAKE_RUNC_VERSION: '1.2.8' });
    expect(d.status).toBe(0);
    expect(d.check('runtime').message).toContain('docker 27.0.3');
    expect(d.check('runc')).toMatchObject({ status: 'pass', message: expect.stringContaining('docker version') });
  });
});

describe('shim doctor: the runtime', () => {
  it('a missing runtime is a failed check naming what to install, never a throw; dependent checks are skipped', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { PATH: `${w.bin}:/nonexistent`, SHIM_RUNTIME: undefined });
    expect(d.status).toBe(1);
    expect(d.check('runtime')).toMatchObject({ status: 'fail', message: expect.stringContaining('neither podman nor docker'), fix: expect.stringContaining('install podman') });
    for (const id of ['rootless', 'runc', 'image']) expect(d.check(id).status).toBe('skip');
    expect(d.stdout).toMatch(/^✗ runtime: .*\n {2}fix: install podman/m);
  });

  it('a requested runtime that is missing names the request', async () => {
    const w = createWorld({ runtimes: ['podman'] });
    // no /usr/bin on PATH: a real docker there must not be found
    const d = await doctor(w, { SHIM_RUNTIME: 'docker', PATH: `${w.bin}:${w.fake.dir}` });
    expect(d.status).toBe(1);
    expect(d.check('runtime')).toMatchObject({ status: 'fail', message: expect.stringContaining('docker not found on PATH (requested by SHIM_RUNTIME)') });
  });

  it('a runtime whose info fails (daemon down) fails with a fix', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { SHIM_RUNTIME: 'docker', FAKE_INFO_FAIL: '1' });
    expect(d.status).toBe(1);
    expect(d.check('runtime')).toMatchObject({ status: 'fail', message: expect.stringContaining('Cannot connect'), fix: expect.stringContaining('start the docker daemon') });
    expect(d.check('runc').status).toBe('skip');
  });

  it('rootless podman passes the rootless check; rootful is a warning that keeps exit 0', async () => {
    const w = linkedWorld();
    expect((await doctor(w, { FAKE_ROOTLESS: '1' })).check('rootless').status).toBe('pass');
    const rootful = await doctor(w);
    expect(rootful.check('rootless')).toMatchObject({ status: 'warn', message: expect.stringContaining('rootful') });
    expect(rootful.status).toBe(0);
  });

  it('rootless podman on cgroup v1: limits not enforceable (warning); on v2 with controllers: enforceable', async () => {
    const w = linkedWorld();
    const v1 = await doctor(w, { FAKE_ROOTLESS: '1', FAKE_CGROUP: 'v1', FAKE_CGROUP_CONTROLLERS: '' });
    expect(v1.check('cgroup')).toMatchObject({ status: 'warn', message: expect.stringMatching(/cgroup v1: rootless podman cannot enforce/) });
    expect(v1.stdout).toMatch(/^! cgroup: .*\n {2}fix: boot with cgroup v2/m);
    expect(v1.status).toBe(0);
    const v2 = await doctor(w, { FAKE_ROOTLESS: '1' });
    expect(v2.check('cgroup')).toMatchObject({ status: 'pass', message: expect.stringContaining('cgroup v2: resource limits enforceable') });
  });

  it('rootless podman on v2 without delegated memory/pids: warning naming them', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_ROOTLESS: '1', FAKE_CGROUP_CONTROLLERS: 'cpuset,cpu' });
    expect(d.check('cgroup')).toMatchObject({ status: 'warn', message: expect.stringContaining('memory, pids') });
  });
});

describe('shim doctor: runc CVEs', () => {
  it.each([
    ['1.1.11', ['CVE-2024-21626', 'CVE-2025-31133']],
    ['1.2.7', ['CVE-2025-31133', 'CVE-2025-52565', 'CVE-2025-52881']],
    ['1.3.2', ['CVE-2025-52881']],
    ['1.4.0-rc.1', ['CVE-2025-31133']],
  ])('runc %s fails (exit 1) naming %j', async (version, cves) => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_RUNC_VERSION: version });
    expect(d.status).toBe(1);
    expect(failed(d)).toEqual(['runc']);
    const runc = d.check('runc');
    for (const cve of cves) expect(runc.message).toContain(cve);
    if (!version.startsWith('1.1.')) expect(runc.message).not.toContain('CVE-2024-21626');
    expect(runc.fix).toContain('upgrade runc');
  });

  it.each(['1.2.8', '1.3.3', '1.4.0-rc.2', '1.4.0'])('runc %s passes (exit 0)', async (version) => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_RUNC_VERSION: version });
    expect(d.check('runc')).toMatchObject({ status: 'pass', message: expect.stringContaining(`runc ${version}`) });
    expect(d.status).toBe(0);
  });

  it('runc 1.1.12 is fixed for CVE-2024-21626 but still affected by the 2025 CVEs', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_RUNC_VERSION: '1.1.12' });
    expect(d.check('runc').status).toBe('fail');
    expect(d.check('runc').message).not.toContain('CVE-2024-21626');
    expect(d.check('runc').message).toContain('CVE-2025-31133');
  });

  it('falls back to `runc --version` on PATH when the runtime does not say (podman and docker)', async () => {
    const w = linkedWorld();
    createFakeRuntime(w.root, ['runc']);
    for (const runtime of ['podman', 'docker']) {
      const old = await doctor(w, { SHIM_RUNTIME: runtime, FAKE_NO_RUNC_INFO: '1', FAKE_RUNC_VERSION: '1.1.5' });
      expect(old.check('runc')).toMatchObject({ status: 'fail', message: expect.stringContaining(`${w.fake.dir}/runc --version`) });
      const fixed = await doctor(w, { SHIM_RUNTIME: runtime, FAKE_NO_RUNC_INFO: '1', FAKE_RUNC_VERSION: '1.3.3' });
      expect(fixed.check('runc')).toMatchObject({ status: 'pass', message: expect.stringContaining('runc --version') });
    }
  });

  it('crun instead of runc: pass', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_OCI_RUNTIME: 'crun', FAKE_RUNC_VERSION: '1.1.0' });
    expect(d.check('runc')).toMatchObject({ status: 'pass', message: expect.stringContaining('crun') });
  });
});

describe('shim doctor: the image', () => {
  it("shim's image missing fails with a rebuild fix; present passes", async () => {
    const w = linkedWorld();
    const d = await doctor(w, { FAKE_IMAGE_MISSING: '1' });
    expect(d.status).toBe(1);
    expect(d.check('image')).toMatchObject({ status: 'fail', fix: expect.stringContaining('shim rebuild') });
    expect((await doctor(w)).check('image').status).toBe('pass');
  });

  it('SHIM_IMAGE: asks for that image; missing fails naming SHIM_IMAGE, present passes', async () => {
    const w = linkedWorld();
    const missing = await doctor(w, { SHIM_IMAGE: 'example.org/tools:1', FAKE_IMAGE_MISSING: '1' });
    expect(missing.check('image')).toMatchObject({ status: 'fail', message: expect.stringContaining('example.org/tools:1'), fix: expect.stringContaining('unset SHIM_IMAGE') });
    expect(w.calls().some((c) => c.argv[0] === 'image' && c.argv.includes('example.org/tools:1'))).toBe(true);
    const present = await doctor(w, { SHIM_IMAGE: 'example.org/tools:1' });
    expect(present.check('image')).toMatchObject({ status: 'pass', message: expect.stringContaining('from SHIM_IMAGE') });
  });
});

describe('shim doctor: bin dir, links and PATH', () => {
  it('the bin dir not on PATH fails; the per-tool PATH check is skipped', async () => {
    const w = linkedWorld();
    const d = await doctor(w, { PATH: `${w.fake.dir}:/usr/bin:/bin` });
    expect(d.status).toBe(1);
    expect(d.check('bin-dir')).toMatchObject({ status: 'fail', fix: expect.stringContaining(`export PATH="${w.bin}:$PATH"`) });
    expect(d.check('path:eslint').status).toBe('skip');
    expect(d.check('link:eslint').status).toBe('pass');
  });

  it('another eslint before the bin dir fails (runs unsandboxed); with the bin dir first it passes', async () => {
    const w = linkedWorld();
    const other = path.join(w.root, 'other-bin');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'eslint'), '#!/bin/sh\n', { mode: 0o755 });
    const shadowed = await doctor(w, { PATH: `${other}:${w.bin}:${w.fake.dir}:/usr/bin:/bin` });
    expect(shadowed.status).toBe(1);
    expect(shadowed.check('path:eslint')).toMatchObject({ status: 'fail', message: expect.stringContaining(`${other}/eslint: typing it runs the tool unsandboxed`), fix: `put ${w.bin} before ${other} on PATH` });
    const first = await doctor(w, { PATH: `${w.bin}:${other}:${w.fake.dir}:/usr/bin:/bin` });
    expect(first.check('links').status).toBe('pass');
    expect(first.checks.some((c) => c.id === 'path:eslint')).toBe(false);
    expect(first.status).toBe(0);
  });

  it('links made by `shim up` pass', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint'), prettier: tool('npm:prettier') });
    const before = await doctor(w);
    expect(before.check('link:eslint')).toMatchObject({ status: 'fail', fix: 'run "shim up"' });
    const app = createApp({ cwd: w.project, home: w.home, uid: 1000, gid: 1000, env: { ...w.env, PATH: `${w.bin}:${w.fake.dir}:/usr/bin:/bin` }, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, arch: process.arch, shimEntry: SHIM_REAL, packageRoot: REPO, version: '0', node: { path: process.execPath, version: process.versions.node } }, createReporter(() => {}, 0), () => {});
    expect(linkUp(app)).toBe(0);
    const after = await doctor(w);
    expect(after.status).toBe(0);
    expect(after.check('links')).toMatchObject({ status: 'pass', message: expect.stringContaining('(eslint, prettier)') });
    expect(after.checks.filter((c) => c.id.includes(':'))).toEqual([]);
  });

  it.each<[string, (file: string) => void, RegExp]>([
    ['a regular file', (f) => fs.writeFileSync(f, 'mine', { mode: 0o755 }), /regular file/],
    ['a link pointing nowhere', (f) => fs.symlinkSync('/nonexistent/eslint', f), /-> \/nonexistent\/eslint, which does not exist: not shim/],
    ['a link elsewhere', (f) => fs.symlinkSync('/bin/true', f), /-> \/bin\/true: not shim/],
    ['a link to a removed copy of shim', (f) => fs.symlinkSync('/opt/gone/shim/bin/shim.js', f), /a copy of shim that no longer exists/],
  ])('an eslint entry that is %s fails', async (_what, make, message) => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint') });
    make(path.join(w.bin, 'eslint'));
    const d = await doctor(w);
    expect(d.status).toBe(1);
    expect(d.check('link:eslint')).toMatchObject({ status: 'fail', message: expect.stringMatching(message), fix: expect.stringContaining('shim up') });
    expect(d.stdout).toMatch(/^✗ link:eslint: .*\n {2}fix: /m);
  });

  it('a link to shim for a tool no longer configured is a warning', async () => {
    const w = linkedWorld();
    fs.symlinkSync(SHIM_REAL, path.join(w.bin, 'old-tool'));
    const d = await doctor(w);
    expect(d.check('link:old-tool')).toMatchObject({ status: 'warn' });
    expect(d.status).toBe(0);
  });
});

describe('shim doctor: configuration', () => {
  it('a broken drop-in fails with file: key lines and names the tools it stops; the other tools are still checked', async () => {
    const w = linkedWorld();
    w.writeDropIn('20-bad.json', { ruff: { tool: 'pipx:ruff', netwrok: 'none' } });
    const d = await doctor(w);
    expect(d.status).toBe(1);
    expect(failed(d)).toEqual(['config:config.d/20-bad.json']);
    expect(d.check('config:config.d/20-bad.json')).toMatchObject({ message: 'config.d/20-bad.json: ruff.netwrok: unknown key (did you mean "network"?)', fix: expect.stringContaining('ruff cannot run') });
    expect(d.check('links')).toMatchObject({ status: 'pass', message: expect.stringContaining('the link of eslint') });
    expect(d.checks.some((c) => c.id === 'link:ruff')).toBe(false);
  });

  it('a broken settings.json fails but does not hide the runtime', async () => {
    const w = linkedWorld();
    fs.writeFileSync(path.join(w.configDir, 'settings.json'), '{"runtim": "podman"}');
    const d = await doctor(w);
    expect(d.status).toBe(1);
    expect(d.check('config:settings.json')).toMatchObject({ status: 'fail', message: expect.stringContaining('settings.json: runtim: unknown key') });
    expect(d.check('runtime').status).toBe('pass');
  });

  it('valid files pass, naming them', async () => {
    const w = linkedWorld();
    w.writeDropIn('10-more.json', { prettier: tool('npm:prettier') });
    fs.symlinkSync(SHIM_REAL, path.join(w.bin, 'prettier'));
    const d = await doctor(w);
    expect(d.check('config')).toMatchObject({ status: 'pass', message: '2 config files valid (config.json, config.d/10-more.json)' });
  });

  it('fails the egress check, with a fix, when the proxy cannot start (control: it passes with a usable directory)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint', { allowed_hosts: ['registry.npmjs.org'] }) });
    fs.symlinkSync(SHIM_REAL, path.join(w.bin, 'eslint'));
    expect((await doctor(w, { XDG_RUNTIME_DIR: w.root })).check('egress').status).toBe('pass');
    const d = await doctor(w, { XDG_RUNTIME_DIR: path.join(w.root, 'missing') });
    expect(d.check('egress')).toMatchObject({ status: 'fail', message: expect.stringContaining('cannot create the egress proxy'), fix: expect.stringContaining('allowed_hosts') });
    expect(d.status).toBe(1);
  });
});

describe('shim doctor <tool>', () => {
  // this host may be cgroup v1, where a rootless run cannot enforce limits: accepted for these tools
  const BEST_EFFORT = { limits_best_effort: true };
  const FOUND = 'shim-doctor: found /mise/data/installs/x/1.2.3/bin/eslint\n';

  it('not installed: fails with "shim install"; installed: config, install, command, trial and reach pass (exit 0)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint', BEST_EFFORT) });
    const before = await doctor(w, {}, 'eslint');
    expect(before.status).toBe(1);
    expect(before.check('install')).toMatchObject({ status: 'fail', message: expect.stringContaining('first use'), fix: expect.stringContaining('shim install eslint') });
    expect(before.check('trial').status).toBe('skip');
    expect(w.toolRuns()).toEqual([]);

    expect((await w.shim(['install', 'eslint'], { env: { FAKE_INSTALL_COMMANDS: 'eslint,eslint-config-init' } })).exitCode).toBe(0);
    w.clearLog();
    const d = await doctor(w, { FAKE_STDOUT: FOUND }, 'eslint');
    expect(failed(d)).toEqual([]);
    expect(d.status).toBe(0);
    expect(d.checks.map((c) => c.id)).toEqual(['config', 'runtime', 'image', 'install', 'command', 'trial', 'reach', 'plan']);
    // limits_best_effort on a host that cannot enforce them: a true warning, not a failure
    expect(d.check('plan').status).toBe('warn');
    expect(d.check('install').message).toContain('npm:eslint 1.2.3 is installed for podman and current');
    expect(d.check('command').message).toBe('"eslint" is a command of npm:eslint 1.2.3');
    expect(d.check('reach').message).toContain('network: no network (loopback only)');
    expect(d.stdout).toMatch(/^✓ trial: /m);
    // the trial is the tool's own run plan with the image's shell looking the command up
    const runs = w.toolRuns();
    expect(runs.length).toBeGreaterThan(0);
    const argv = runs[0]!.argv;
    expect(argv.slice(-5)).toEqual(['sh', '-c', expect.stringContaining('command -v "$1"'), 'shim-doctor', 'eslint']);
    expect(argv).toContain('--cap-drop=all');
    expect(argv).toContain('--network');
  });

  it('a command the package lacks fails, naming the commands it provides, with the fix', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint', { ...BEST_EFFORT, command: 'eslnt' }) });
    expect((await w.shim(['install', 'eslint'], { env: { FAKE_INSTALL_COMMANDS: 'eslint' } })).exitCode).toBe(0);
    const d = await doctor(w, { FAKE_STDOUT: 'shim-doctor: missing\n' }, 'eslint');
    expect(d.status).toBe(1);
    expect(failed(d)).toEqual(['command']);
    expect(d.check('command')).toMatchObject({ message: expect.stringContaining('"eslnt" is not a command of npm:eslint 1.2.3 or of the image; the package provides: eslint'), fix: 'set "command" of eslint to one of eslint' });
    expect(d.stdout).toMatch(/^✗ command: .*\n {2}fix: set "command"/m);
  });

  it('a trial whose container fails to start fails with its output', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint', BEST_EFFORT) });
    expect((await w.shim(['install', 'eslint'], { env: { FAKE_INSTALL_COMMANDS: 'eslint' } })).exitCode).toBe(0);
    const d = await doctor(w, { FAKE_EXIT: '125' }, 'eslint');
    expect(d.status).toBe(1);
    expect(d.check('trial')).toMatchObject({ status: 'fail', message: expect.stringContaining('exit 125'), fix: expect.stringContaining('SHIM_DEBUG=1 shim run eslint') });
  });

  it('an unknown tool is one failed config line', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: tool('npm:eslint', BEST_EFFORT) });
    const d = await doctor(w, {}, 'eslnt');
    expect(d.status).toBe(1);
    expect(d.checks.map((c) => [c.id, c.status])).toEqual([['config', 'fail']]);
    expect(d.check('config').message).toContain('eslnt');
  });
});
