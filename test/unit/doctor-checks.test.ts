// `shim doctor` decisions (src/doctor/checks.ts) and the pure parts of fact gathering (runtime JSON
// parsing, the cgroup probe).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { binDirCheck, cgroupCheck, configChecks, doctorOk, evaluate, imageCheck, linkCheck, pathCheck, rootlessCheck, runcCheck, runtimeCheck } from '../../src/doctor/checks.js';
import { formatHuman, formatJson } from '../../src/doctor/format.js';
import type { DoctorFacts, RuntimeFacts, ToolLinkFacts } from '../../src/doctor/model.js';
import { compareVersions, parseVersion, runcCves } from '../../src/doctor/versions.js';
import { dockerFacts, podmanFacts, readCgroupVersion } from '../../src/doctor/facts.js';

const OLD_CVE = 'CVE-2024-21626';
const NEW_CVES = ['CVE-2025-31133', 'CVE-2025-52565', 'CVE-2025-52881'];

function podman(extra: Partial<Extract<RuntimeFacts, { found: true }>> = {}): RuntimeFacts {
  return { found: true, name: 'podman', path: '/usr/bin/podman', version: '5.0.0', rootless: true, cgroupVersion: 'v2', cgroupControllers: ['cpu', 'memory', 'pids', 'io'], oci: { name: 'runc', version: 'runc version 1.3.3', source: 'podman info' }, ...extra };
}

function healthy(extra: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    runtime: podman(),
    hostCgroup: 'v2',
    image: { ref: 'localhost/shim:0123456789ab', managed: true, source: 'recipe', present: true },
    binDir: '/home/u/.local/bin',
    binDirOnPath: true,
    links: [{ name: 'eslint', file: '/home/u/.local/bin/eslint', kind: 'link', target: '/opt/shim/bin/shim.js', targetExists: true, isThisShim: true, pointsAtShim: true, firstOnPath: '/home/u/.local/bin/eslint', firstIsShim: true }],
    strayLinks: [],
    configFiles: ['config.json'],
    configProblems: [],
    egress: { ok: true, detail: 'the proxy started (--permission) and refused a host not on its list with 403 in 60 ms' },
    sessions: { ok: true, detail: 'a pseudo-terminal opens (node-pty, 9 ms)' },
    ...extra,
  };
}

const byId = (facts: DoctorFacts, id: string) => evaluate(facts).find((c) => c.id === id)!;

describe('parseVersion / compareVersions', () => {
  it.each([
    ['runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev', '1.1.5'],
    ['v1.1.12-0-g51d5e94', '1.1.12'],
    ['1.4.0-rc.2', '1.4.0-rc.2'],
    ['runc version 1.4.0-rc1+dev', '1.4.0-rc.1'],
    ['1.2.8', '1.2.8'],
  ])('%j → %s', (text, expected) => {
    const v = parseVersion(text)!;
    expect(v).toBeDefined();
    expect(`${v.major}.${v.minor}.${v.patch}${v.rc !== undefined ? `-rc.${v.rc}` : ''}`).toBe(expected);
  });

  it('returns undefined without an x.y.z', () => {
    expect(parseVersion('runc version unknown')).toBeUndefined();
    expect(parseVersion(undefined)).toBeUndefined();
    expect(parseVersion('1.2')).toBeUndefined();
  });

  it('orders release candidates before their release', () => {
    const v = (t: string) => parseVersion(t)!;
    expect(compareVersions(v('1.4.0-rc.1'), v('1.4.0-rc.2'))).toBeLessThan(0);
    expect(compareVersions(v('1.4.0-rc.2'), v('1.4.0'))).toBeLessThan(0);
    expect(compareVersions(v('1.3.3'), v('1.4.0-rc.1'))).toBeLessThan(0);
    expect(compareVersions(v('1.1.12'), v('1.1.12'))).toBe(0);
    expect(compareVersions(v('1.10.0'), v('1.9.9'))).toBeGreaterThan(0);
  });
});

describe('runc CVE thresholds', () => {
  it.each([
    ['1.0.0', [OLD_CVE, ...NEW_CVES]],
    ['1.1.5', [OLD_CVE, ...NEW_CVES]],
    ['1.1.11', [OLD_CVE, ...NEW_CVES]],
    ['1.1.12', NEW_CVES],
    ['1.1.15', NEW_CVES],
    ['1.2.0', NEW_CVES],
    ['1.2.7', NEW_CVES],
    ['1.2.8', []],
    ['1.2.9', []],
    ['1.3.0', NEW_CVES],
    ['1.3.2', NEW_CVES],
    ['1.3.3', []],
    ['1.4.0-rc.1', NEW_CVES],
    ['1.4.0-rc.2', []],
    ['1.4.0', []],
    ['1.5.1', []],
    ['2.0.0', []],
  ])('runc %s → %j', (version, cves) => {
    expect(runcCves(parseVersion(version)!)).toEqual(cves);
  });

  it('an affected runc fails with the CVEs and an upgrade fix; a fixed one passes', () => {
    const bad = runcCheck(podman({ oci: { name: 'runc', version: 'runc version 1.1.5', source: 'podman info' } }));
    expect(bad.status).toBe('fail');
    expect(bad.message).toContain('1.1.5');
    for (const cve of [OLD_CVE, ...NEW_CVES]) expect(bad.message).toContain(cve);
    expect(bad.fix).toMatch(/upgrade runc/);
    const good = runcCheck(podman({ oci: { name: 'runc', version: 'runc version 1.2.8', source: 'podman info' } }));
    expect(good.status).toBe('pass');
    expect(good.fix).toBeUndefined();
  });

  it('crun is not runc: pass; an unknown runc version is a warning, not a failure', () => {
    expect(runcCheck(podman({ oci: { name: 'crun', version: 'crun version 1.8.1', source: 'podman info' } }))).toMatchObject({ status: 'pass', message: expect.stringContaining('crun') });
    expect(runcCheck(podman({ oci: { name: 'runc', source: 'podman info' } }))).toMatchObject({ status: 'warn', fix: expect.stringContaining('runc --version') });
    expect(runcCheck(podman({ oci: { name: 'runc', version: 'runc version 1.3.3', source: 'podman info' } })).status).toBe('pass');
  });
});

describe('runtime, rootless and cgroup checks', () => {
  it('a missing runtime fails with an install fix, and the checks that need it are skipped', () => {
    const facts = healthy({ runtime: { found: false, reason: 'neither podman nor docker was found on PATH' } });
    const checks = evaluate(facts);
    expect(checks.find((c) => c.id === 'runtime')).toMatchObject({ status: 'fail', fix: expect.stringContaining('install podman') });
    for (const id of ['rootless', 'runc', 'image']) expect(checks.find((c) => c.id === id)!.status).toBe('skip');
    expect(doctorOk(checks)).toBe(false);
    expect(doctorOk(evaluate(healthy()))).toBe(true);
  });

  it('a runtime whose info fails is a failure (docker: start the daemon)', () => {
    const check = runtimeCheck({ found: true, name: 'docker', path: '/usr/bin/docker', infoError: 'Cannot connect to the Docker daemon' });
    expect(check).toMatchObject({ status: 'fail', message: expect.stringContaining('Cannot connect'), fix: expect.stringContaining('start the docker daemon') });
    expect(runtimeCheck(podman())).toMatchObject({ status: 'pass', message: 'podman 5.0.0 at /usr/bin/podman' });
  });

  it('rootful is a warning, rootless passes', () => {
    expect(rootlessCheck(podman({ rootless: false }))).toMatchObject({ status: 'warn', fix: expect.any(String) });
    expect(rootlessCheck(podman({ rootless: true })).status).toBe('pass');
  });

  it('rootless podman on cgroup v1 cannot enforce limits (warning); v2 with delegated controllers can', () => {
    expect(cgroupCheck(podman({ cgroupVersion: 'v1', cgroupControllers: [] }), 'v1')).toMatchObject({ status: 'warn', message: expect.stringContaining('cgroup v1'), fix: expect.stringContaining('cgroup v2') });
    expect(cgroupCheck(podman(), 'v2')).toMatchObject({ status: 'pass', message: expect.stringContaining('cgroup v2') });
  });

  it('rootless podman on v2 without the memory and pids controllers delegated: warning naming them', () => {
    const check = cgroupCheck(podman({ cgroupControllers: ['cpuset', 'cpu'] }), 'v2');
    expect(check.status).toBe('warn');
    expect(check.message).toContain('memory, pids');
    expect(check.fix).toContain('Delegate=');
  });

  it('rootful on v1 can enforce limits; the host cgroup version is used when the runtime does not say', () => {
    expect(cgroupCheck(podman({ rootless: false, cgroupVersion: 'v1' }), 'v1').status).toBe('pass');
    expect(cgroupCheck(podman({ rootless: false, cgroupVersion: undefined }), 'v1')).toMatchObject({ status: 'pass', message: expect.stringContaining('cgroup v1') });
  });

  it('docker without memory/pids limit support: warning', () => {
    const docker: RuntimeFacts = { found: true, name: 'docker', path: '/usr/bin/docker', rootless: false, cgroupVersion: 'v2', limitsSupported: false };
    expect(cgroupCheck(docker, 'v2').status).toBe('warn');
    expect(cgroupCheck({ ...docker, limitsSupported: true }, 'v2').status).toBe('pass');
  });
});

describe('image, links, PATH and config checks', () => {
  it('managed image: present passes as current, missing fails with "shim rebuild"', () => {
    const image = { ref: 'localhost/shim:0123456789ab', managed: true, source: 'recipe' };
    expect(imageCheck({ ...image, present: true }, podman())).toMatchObject({ status: 'pass', message: expect.stringContaining('current') });
    expect(imageCheck({ ...image, present: false }, podman())).toMatchObject({ status: 'fail', fix: expect.stringContaining('shim rebuild') });
  });

  it('user image: present passes (currency unknown), missing fails naming SHIM_IMAGE', () => {
    const image = { ref: 'example/tools:1', managed: false, source: 'SHIM_IMAGE' };
    expect(imageCheck({ ...image, present: true }, podman())).toMatchObject({ status: 'pass', message: expect.stringContaining('cannot tell') });
    expect(imageCheck({ ...image, present: false }, podman())).toMatchObject({ status: 'fail', fix: expect.stringContaining('unset SHIM_IMAGE') });
  });

  it('bin dir off PATH fails with an export line', () => {
    expect(binDirCheck({ binDir: '/b', binDirOnPath: false })).toMatchObject({ status: 'fail', fix: expect.stringContaining('export PATH="/b:$PATH"') });
    expect(binDirCheck({ binDir: '/b', binDirOnPath: true }).status).toBe('pass');
  });

  const good: ToolLinkFacts = healthy().links[0]!;

  it.each<[string, Partial<ToolLinkFacts>, RegExp]>([
    ['missing', { kind: 'missing', target: undefined }, /does not exist/],
    ['a regular file', { kind: 'file' }, /regular file/],
    ['a link pointing nowhere', { kind: 'link', target: '/nowhere', targetExists: false, isThisShim: false, pointsAtShim: false }, /\/nowhere, which does not exist/],
    ['a link elsewhere', { kind: 'link', target: '/usr/bin/true', targetExists: true, isThisShim: false, pointsAtShim: false }, /-> \/usr\/bin\/true: not shim/],
    ['a removed copy of shim', { kind: 'link', target: '/old/shim/bin/shim.js', targetExists: false, isThisShim: false, pointsAtShim: true }, /no longer exists/],
  ])('a link that is %s fails with a fix', (_what, change, message) => {
    const check = linkCheck({ ...good, ...change });
    expect(check.status).toBe('fail');
    expect(check.message).toMatch(message);
    expect(check.fix).toMatch(/shim up/);
    expect(linkCheck(good).status).toBe('pass');
  });

  it('a tool resolving elsewhere on PATH fails (unsandboxed); resolving to shim passes; not on PATH is skipped', () => {
    const shadowed = pathCheck({ ...good, firstOnPath: '/usr/local/bin/eslint', firstIsShim: false }, { binDir: '/home/u/.local/bin', binDirOnPath: true });
    expect(shadowed).toMatchObject({ status: 'fail', message: expect.stringContaining('unsandboxed'), fix: 'put /home/u/.local/bin before /usr/local/bin on PATH' });
    expect(pathCheck(good, { binDir: '/home/u/.local/bin', binDirOnPath: true }).status).toBe('pass');
    const { firstOnPath: _drop, ...nowhere } = good;
    expect(pathCheck({ ...nowhere, firstIsShim: false }, { binDir: '/b', binDirOnPath: false }).status).toBe('skip');
  });

  it('each broken config file fails with its file: key lines; valid files pass', () => {
    const checks = configChecks({
      configFiles: ['config.json', 'config.d/20-bad.json'],
      configProblems: [{ file: 'config.d/20-bad.json', messages: ['ruff.netwrok: unknown key (did you mean "network"?)', 'ruff.ports[0]: bad'], tools: ['ruff'], settings: false }],
    });
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'config:config.d/20-bad.json', status: 'fail', fix: expect.stringContaining('ruff cannot run') });
    expect(checks[0]!.message.split('\n')).toEqual(['config.d/20-bad.json: ruff.netwrok: unknown key (did you mean "network"?)', 'config.d/20-bad.json: ruff.ports[0]: bad']);
    expect(configChecks({ configFiles: ['config.json'], configProblems: [] })).toEqual([{ id: 'config', status: 'pass', message: '1 config file valid (config.json)' }]);
  });

  it('egress passes with the self-test\'s detail, and fails with a fix that names allowed_hosts', () => {
    expect(byId(healthy(), 'egress')).toMatchObject({ status: 'pass', message: expect.stringContaining('refused a host not on its list') });
    expect(byId(healthy(), 'sessions')).toMatchObject({ status: 'pass', message: 'sessions: a pseudo-terminal opens (node-pty, 9 ms)' });
    expect(byId(healthy({ sessions: { ok: false, detail: 'Cannot find module' } }), 'sessions')).toMatchObject({ status: 'fail', message: 'sessions cannot run: Cannot find module', fix: expect.stringContaining('@lydell/node-pty') });
    const failed = byId(healthy({ egress: { ok: false, detail: 'no answer on /tmp/x/proxy.sock' } }), 'egress');
    expect(failed).toMatchObject({ status: 'fail', message: 'egress proxy self-test failed: no answer on /tmp/x/proxy.sock', fix: expect.stringContaining('allowed_hosts') });
  });

  it('stray links to shim of unconfigured tools are warnings (exit stays 0)', () => {
    const checks = evaluate(healthy({ strayLinks: ['old-tool'] }));
    expect(checks.find((c) => c.id === 'link:old-tool')).toMatchObject({ status: 'warn' });
    expect(doctorOk(checks)).toBe(true);
  });
});

describe('output', () => {
  it('human: a mark per line, a fix line under each failure only', () => {
    const checks = evaluate(healthy({ binDirOnPath: false }));
    const text = formatHuman(checks);
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.startsWith('✗ bin-dir:'));
    expect(i).toBeGreaterThanOrEqual(0);
    expect(lines[i + 1]).toMatch(/^ {2}fix: add it before \/usr\/bin/);
    expect(text).toMatch(/^✓ runtime: /m);
    expect(text).toMatch(/^✓ egress: /m);
    expect(lines.filter((l) => l.startsWith('  fix:'))).toHaveLength(1);
    expect(text).toContain('1 of');
  });

  it('json: ok and the checks', () => {
    const bad = JSON.parse(formatJson(evaluate(healthy({ binDirOnPath: false }))));
    expect(bad.ok).toBe(false);
    expect(bad.checks.find((c: { id: string }) => c.id === 'bin-dir')).toMatchObject({ status: 'fail', fix: expect.any(String) });
    expect(JSON.parse(formatJson(evaluate(healthy()))).ok).toBe(true);
  });
});

describe('runtime JSON parsing', () => {
  it('podman info (rootless, cgroup v1, Debian runc)', () => {
    const facts = podmanFacts(
      { Client: { Version: '4.3.1' } },
      { host: { cgroupVersion: 'v1', cgroupControllers: [], security: { rootless: true }, ociRuntime: { name: 'runc', path: '/usr/bin/runc', version: 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1' } } },
    );
    expect(facts).toMatchObject({ version: '4.3.1', rootless: true, cgroupVersion: 'v1', cgroupControllers: [], oci: { name: 'runc', path: '/usr/bin/runc', source: 'podman info' } });
    expect(runcCheck({ found: true, name: 'podman', path: '/usr/bin/podman', ...facts }).status).toBe('warn');
  });

  it('docker version and info (runc from the components, else the runc commit)', () => {
    const info = { CgroupVersion: '2', SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless'], DefaultRuntime: 'runc', Runtimes: { runc: { path: 'runc' } }, RuncCommit: { ID: 'v1.1.12-0-g51d5e94' }, MemoryLimit: true, PidsLimit: true };
    const withComponents = dockerFacts({ Server: { Version: '27.0.3', Components: [{ Name: 'runc', Version: '1.2.8' }] } }, info);
    expect(withComponents).toMatchObject({ version: '27.0.3', rootless: true, cgroupVersion: 'v2', limitsSupported: true, oci: { name: 'runc', version: '1.2.8', source: 'docker version' } });
    const fromCommit = dockerFacts({ Client: { Version: '27.0.3' } }, info);
    expect(fromCommit.oci).toMatchObject({ version: 'v1.1.12-0-g51d5e94', source: 'docker info' });
    expect(runcCves(parseVersion(fromCommit.oci!.version)!)).toEqual(NEW_CVES);
    const rootful = dockerFacts({}, { ...info, SecurityOptions: ['name=seccomp,profile=builtin'], CgroupVersion: '1' });
    expect(rootful).toMatchObject({ rootless: false, cgroupVersion: 'v1' });
  });

  it('docker with another default runtime names it', () => {
    const facts = dockerFacts({}, { DefaultRuntime: 'crun', Runtimes: { crun: { path: '/usr/bin/crun' } } });
    expect(facts.oci).toMatchObject({ name: 'crun' });
  });
});

describe('readCgroupVersion', () => {
  it('v2 when cgroup.controllers exists, v1 otherwise, undefined without the mount', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-cgroup-'));
    onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
    expect(readCgroupVersion(root)).toBe('v1');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu memory pids\n');
    expect(readCgroupVersion(root)).toBe('v2');
    expect(readCgroupVersion(path.join(root, 'missing'))).toBeUndefined();
  });
});
