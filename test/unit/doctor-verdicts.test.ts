// The doctor's verdicts that must be true on a correctly prepared machine: runc judged with the
// distribution's backports (table tests), the cgroup line without stale text, the tool links folded
// into one line unless one is wrong; `shim doctor <tool>`'s checks; the install's certificate hint.
import { describe, expect, it } from 'vitest';
import { cgroupCheck, linkChecks, runcCheck } from '../../src/doctor/checks.js';
import type { PackageFacts, RuntimeFacts, ToolDoctorFacts, ToolLinkFacts } from '../../src/doctor/model.js';
import { evaluateTool } from '../../src/doctor/tool-checks.js';
import { changelogCves, looksLikeDistributionBuild, upstreamVersionText } from '../../src/doctor/versions.js';
import { describeCertificateFailure, findCertificateError } from '../../src/install/failure-hint.js';

const OLD = 'CVE-2024-21626';
const NEW = ['CVE-2025-31133', 'CVE-2025-52565', 'CVE-2025-52881'];
const DEBIAN = 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev';

function deb(cves: string[], version = '1.1.5+ds1-1+deb12u1'): PackageFacts {
  return { manager: 'dpkg', name: 'runc', version, changelog: '/usr/share/doc/runc/changelog.Debian.gz', cves };
}

function podman(ociVersion: string, pkg?: PackageFacts): RuntimeFacts {
  return { found: true, name: 'podman', path: '/usr/bin/podman', version: '4.3.1', rootless: false, cgroupVersion: 'v1', oci: { name: 'runc', version: ociVersion, source: 'podman info', path: '/usr/bin/runc', ...(pkg ? { package: pkg } : {}) } };
}

describe('runc with and without distribution backports', () => {
  it.each<[string, string, PackageFacts | undefined, 'pass' | 'warn' | 'fail', RegExp]>([
    // Debian 12 today: the changelog names the 2024 fix, not the 2025 ones: cannot tell, a warning
    ['Debian 12 (deb12u1)', DEBIAN, deb(['CVE-2023-25809', OLD]), 'warn', /names backported fixes for CVE-2024-21626, not for those: cannot tell/],
    ['a package naming every fix', DEBIAN, deb([OLD, ...NEW]), 'pass', /older than the upstream fixes, but its changelog .* names backported fixes for CVE-2024-21626, CVE-2025-31133/],
    ['a package naming no fix', DEBIAN, deb(['CVE-2019-16884']), 'warn', /names no fix for them: cannot tell/],
    ['a distribution build without its changelog', DEBIAN, undefined, 'warn', /distribution build: upstream 1\.1\.5 is affected .* cannot tell which fixes were backported/],
    ['a package of another version (not the binary that answered)', 'runc version 1.1.5', deb([OLD, ...NEW], '1.1.12-1'), 'fail', /affected by container-escape CVEs CVE-2024-21626/],
    ['an upstream build below every fix', 'runc version 1.1.5\ncommit: v1.1.5-0-gf19387a', undefined, 'fail', /1\.1\.5 \(from podman info\) is affected/],
    ['an upstream build with every fix', 'runc version 1.2.8', undefined, 'pass', /not affected by CVE-2024-21626, CVE-2025-31133/],
    ['a fixed package version', 'runc version 1.3.3', deb([], '1.3.3-1'), 'pass', /\(dpkg package runc 1\.3\.3-1\): not affected/],
    ['Fedora rpm naming the fixes', 'runc version 1.1.12\ncommit: v1.1.12', { manager: 'rpm', name: 'runc', version: '1.1.12-1.fc39', changelog: 'rpm -q --changelog runc', cves: NEW }, 'pass', /rpm package runc 1\.1\.12-1\.fc39/],
  ])('%s → %s', (_what, version, pkg, status, message) => {
    const check = runcCheck(podman(version, pkg));
    expect(check.status).toBe(status);
    expect(check.message).toMatch(message);
    if (status !== 'pass') expect(check.fix).toBeTruthy();
  });

  it('a warning names where to look; a failure says upgrade', () => {
    expect(runcCheck(podman(DEBIAN, deb([OLD]))).fix).toContain('https://security-tracker.debian.org/tracker/source-package/runc');
    expect(runcCheck(podman('runc version 1.0.0')).fix).toMatch(/^upgrade runc/);
  });

  it('reads CVE ids from a changelog, the upstream version from a version text, and distribution builds', () => {
    expect(changelogCves('  * CVE-2024-21626: fds\n  + cve-2023-27561: x\n  * CVE-2024-21626 again')).toEqual(['CVE-2023-27561', 'CVE-2024-21626']);
    expect(upstreamVersionText(DEBIAN)).toBe('1.1.5+ds1');
    expect(upstreamVersionText('v1.1.12-0-g51d5e94')).toBe('1.1.12-0-g51d5e94');
    expect(looksLikeDistributionBuild(DEBIAN)).toBe(true);
    expect(looksLikeDistributionBuild('runc version 1.1.12-1.el9')).toBe(true);
    expect(looksLikeDistributionBuild('runc version 1.1.5\ncommit: v1.1.5-0-gf19387a')).toBe(false);
  });
});

describe('cgroup and links', () => {
  it('the cgroup line says nothing stale about limits', () => {
    const rt = podman('runc version 1.3.3');
    for (const check of [cgroupCheck(rt, 'v1'), cgroupCheck({ ...rt, rootless: true } as RuntimeFacts, 'v1')]) expect(check.message).not.toMatch(/does not apply limits/);
    expect(cgroupCheck(rt, 'v1')).toMatchObject({ status: 'pass', message: 'cgroup v1: resource limits enforceable' });
  });

  const link = (name: string, extra: Partial<ToolLinkFacts> = {}): ToolLinkFacts => ({ name, file: `/b/${name}`, kind: 'link', target: '/opt/shim/bin/shim.js', targetExists: true, isThisShim: true, pointsAtShim: true, firstOnPath: `/b/${name}`, firstIsShim: true, ...extra });

  it('all good: one line naming the tools', () => {
    expect(linkChecks({ binDir: '/b', binDirOnPath: true, links: [link('eslint'), link('prettier')] })).toEqual([
      { id: 'links', status: 'pass', message: 'the 2 links in /b point at this shim and come first on PATH (eslint, prettier)' },
    ]);
    expect(linkChecks({ binDir: '/b', binDirOnPath: true, links: [link('eslint')] })[0]!.message).toBe('the link of eslint in /b points at this shim and comes first on PATH');
    expect(linkChecks({ binDir: '/b', binDirOnPath: true, links: [] })).toEqual([]);
  });

  it('something wrong: the good ones stay folded, the wrong tool gets its link and path lines', () => {
    const checks = linkChecks({ binDir: '/b', binDirOnPath: true, links: [link('eslint'), link('ruff', { firstOnPath: '/usr/bin/ruff', firstIsShim: false })] });
    expect(checks.map((c) => [c.id, c.status])).toEqual([['links', 'pass'], ['link:ruff', 'pass'], ['path:ruff', 'fail']]);
  });
});

describe('shim doctor <tool>', () => {
  const rt: RuntimeFacts = { found: true, name: 'podman', path: '/usr/bin/podman', version: '4.3.1' };
  const reach = { network: 'none', allowedHosts: [], ports: [], mounts: [{ src: '/p', dst: '/p', mode: 'rw' as const }], env: ['HOME', 'PATH'], notEnforced: [], warnings: [] };
  const ready = (extra: Partial<ToolDoctorFacts> = {}): ToolDoctorFacts => ({
    name: 'cowsay',
    spec: 'npm:cowsay',
    command: 'cowsay',
    origin: 'config.json',
    runtime: rt,
    image: { ref: 'localhost/shim:0123', managed: true, source: 'recipe', present: true },
    install: { kind: 'ready', version: '1.6.0', commands: ['cowsay', 'cowthink'] },
    trial: { exitCode: 0, found: '/mise/installs/npm-cowsay/1.6.0/bin/cowsay', output: '' },
    reach,
    ...extra,
  });
  const byId = (f: ToolDoctorFacts) => Object.fromEntries(evaluateTool(f).map((c) => [c.id, c]));

  it('a ready tool passes every check and says what it may reach', () => {
    const checks = evaluateTool(ready());
    expect(checks.map((c) => [c.id, c.status])).toEqual([['config', 'pass'], ['runtime', 'pass'], ['image', 'pass'], ['install', 'pass'], ['command', 'pass'], ['trial', 'pass'], ['reach', 'pass']]);
    expect(byId(ready()).reach!.message.split('\n')).toEqual(['what it may reach:', 'network: no network (loopback only)', 'mounts (--> read-only, <--> read-write):', '  /p <--> /p', 'variables: HOME, PATH']);
  });

  it('a wrong command fails naming the package\'s commands; a command of the image passes', () => {
    const typo = byId(ready({ command: 'cowsya', trial: { exitCode: 0, missing: true, output: '' } }));
    expect(typo.command).toMatchObject({ status: 'fail', message: expect.stringContaining('the package provides: cowsay, cowthink'), fix: 'set "command" of cowsay to one of cowsay, cowthink' });
    expect(typo.trial!.status).toBe('pass');
    expect(byId(ready({ command: 'node', trial: { exitCode: 0, found: '/usr/bin/node', output: '' } })).command).toMatchObject({ status: 'pass', message: expect.stringContaining('/usr/bin/node') });
  });

  it('not installed: a fix naming shim install; the trial is skipped', () => {
    const { trial: _t, ...rest } = ready();
    const checks = byId({ ...rest, install: { kind: 'stale', reason: 'first use' } });
    expect(checks.install).toMatchObject({ status: 'fail', message: expect.stringContaining('first use'), fix: expect.stringContaining('shim install cowsay') });
    expect(checks.trial!.status).toBe('skip');
    expect(checks.command!.status).toBe('skip');
  });

  it('a trial that did not run fails with its output and a fix', () => {
    const checks = byId(ready({ trial: { exitCode: 125, output: 'Error: crun: open executable: Operation not permitted' } }));
    expect(checks.trial).toMatchObject({ status: 'fail', message: expect.stringContaining('Operation not permitted'), fix: expect.stringContaining('SHIM_DEBUG=1') });
  });

  it('a config error is the only line; an allow-list tool gets the egress self-test; plan warnings are warnings', () => {
    expect(evaluateTool({ name: 'x', configError: { message: 'unknown tool "x"', hint: 'configured: cowsay' } })).toEqual([{ id: 'config', status: 'fail', message: 'unknown tool "x"', fix: 'configured: cowsay' }]);
    const allow = byId(ready({ egress: { ok: true, detail: 'refused' }, reach: { ...reach, network: 'allowlist', allowedHosts: ['api.example.com'], warnings: ['careful'] } }));
    expect(allow.egress!.status).toBe('pass');
    expect(allow.reach!.message).toContain('hosts: api.example.com');
    expect(allow.plan).toMatchObject({ status: 'warn', message: 'careful' });
  });
});

describe('install failure: certificate hint', () => {
  it.each([
    'npm error request to https://registry.npmjs.org/x failed, reason: unable to get local issuer certificate',
    'reason: self-signed certificate in certificate chain',
    'npm error code SELF_SIGNED_CERT_IN_CHAIN',
    'Error: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'code: CERT_HAS_EXPIRED',
    'ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed',
    'curl: (60) SSL certificate problem: unable to get local issuer certificate',
  ])('recognises %s', (line) => {
    expect(findCertificateError(`mise installing\n${line}\nmore`)).toBe(line);
  });

  it('says so and points at ca_bundle (or at a bundle that lacks the CA); nothing for other failures', () => {
    const base = { tool: { name: 'eslint', tool: 'npm:eslint' }, spec: 'npm:eslint', exitCode: 1, output: 'npm error code SELF_SIGNED_CERT_IN_CHAIN' };
    const [message, hint] = describeCertificateFailure(base)!;
    expect(message).toContain('a TLS certificate could not be verified (npm error code SELF_SIGNED_CERT_IN_CHAIN)');
    expect(hint).toMatch(/set "ca_bundle" in settings\.json \(or SHIM_CA_BUNDLE\)/);
    expect(hint).toContain('shim install eslint');
    expect(describeCertificateFailure({ ...base, caBundle: '/etc/corp.pem' })![1]).toContain('the CA bundle /etc/corp.pem does not hold');
    expect(describeCertificateFailure({ ...base, output: 'npm error 404 Not Found' })).toBeUndefined();
  });
});
