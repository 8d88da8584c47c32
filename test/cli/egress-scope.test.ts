// `shim suggest` and `shim allow` never hand a probing tool the user's own machine, networks or the cloud
// metadata service (issue 27 item 9), and `shim suggest` and `shim log` tell an allowed host that could
// not be reached apart from a refusal (issue 28). The audit log is written by hand, as a hostile tool's
// refusals would leave it; each refused host has a public control beside it.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeAuditRecord } from '../unit/audit-fixtures.js';
import type { AuditEgress } from '../../src/audit/record.js';
import { createWorld, expectExit, requireBuilt, tool, type World } from './helpers.js';

beforeAll(requireBuilt);

const deny = (host: string, port: number): AuditEgress => ({ host, port, action: 'deny', requests: 1, bytesUp: 0, bytesDown: 0 });
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function world(egress: AuditEgress[]): World {
  const w = createWorld();
  w.writeConfig({ claude: tool('npm:@anthropic-ai/claude-code', { allowed_hosts: ['api.anthropic.com'] }) });
  fs.mkdirSync(w.stateDir, { recursive: true });
  fs.writeFileSync(path.join(w.stateDir, 'audit.jsonl'), `${JSON.stringify(makeAuditRecord({ tool: 'claude', time: minutesAgo(5), network: 'allowlist', egress }))}\n`);
  return w;
}
const dropIn = (w: World) => path.join(w.dropInDir, '50-allow-claude.json');

const PROBES = ['169.254.169.254', '127.0.0.1', '10.0.0.1', '192.168.1.20', 'localhost', 'metadata.google.internal', 'printer.local', '::ffff:169.254.169.254', 'fe80::1', '::1'];

describe('shim suggest: never a non-public host', () => {
  it('names what each probe is, suggests none of them, and still suggests the public host (control)', async () => {
    const w = world([deny('169.254.169.254', 80), deny('127.0.0.1', 6379), deny('10.0.0.1', 443), ...PROBES.slice(3).map((h) => deny(h, 443)), deny('registry.npmjs.org', 443)]);
    const out = await w.shim(['suggest', 'claude', '--json']);
    expectExit(out, 0);
    const json = JSON.parse(out.stdout) as { add: string[]; refusals: { host: string; status: string; reason?: string }[] };
    expect(json.add).toEqual(['registry.npmjs.org']);
    const reason = (host: string) => json.refusals.find((r) => r.host === host);
    expect(reason('169.254.169.254')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('cloud metadata') });
    expect(reason('127.0.0.1')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('loopback') });
    expect(reason('10.0.0.1')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('private') });
    expect(reason('localhost')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('loopback') });
    expect(reason('metadata.google.internal')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('cloud metadata') });
    expect(reason('::ffff:169.254.169.254')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('IPv4-mapped link-local') });
    expect(reason('fe80::1')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('link-local') });
    expect(reason('::1')).toMatchObject({ status: 'not-public', reason: expect.stringContaining('loopback') });
    expect(json.refusals.filter((r) => r.status === 'not-public')).toHaveLength(PROBES.length);

    const text = await w.shim(['suggest', 'claude']);
    expect(text.stdout).not.toMatch(/169\.254|127\.0\.0\.1|10\.0\.0\.1|localhost/);
    expect(text.stderr).toMatch(/169\.254\.169\.254:80 .* not suggested: the cloud metadata service/);
    expect(text.stderr).toContain('shim allow claude registry.npmjs.org\n');
  });
});

describe('shim allow: a non-public host needs --force', () => {
  it.each([
    ['169.254.169.254:80', 'the cloud metadata service'],
    ['127.0.0.1:6379', 'a loopback address'],
    ['10.0.0.1', 'a private (RFC 1918) address'],
    ['localhost:8080', 'loopback (this machine)'],
    ['*.internal', 'a cloud- or network-internal name (.internal)'],
  ])('refuses %s, naming it as %s, and writes nothing', async (host, what) => {
    const w = world([]);
    const out = await w.shim(['allow', 'claude', host]);
    expectExit(out, 2);
    expect(out.stderr).toContain(`claude: refusing to allow ${host} (${what}`);
    expect(out.stderr).toContain(`shim allow --force claude ${host}`);
    expect(fs.existsSync(dropIn(w))).toBe(false);
  });

  it('an IPv6 form of the metadata address is named as such (it cannot be listed at all)', async () => {
    const out = await world([]).shim(['allow', 'claude', '::ffff:169.254.169.254', '--force']);
    expectExit(out, 2);
    expect(out.stderr).toContain('"::ffff:169.254.169.254" (an IPv4-mapped link-local (cloud metadata lives here) address)');
  });

  it('--force lists it with a warning naming what it is', async () => {
    const w = world([]);
    const out = await w.shim(['allow', '--force', 'claude', '127.0.0.1:6379']);
    expectExit(out, 0);
    expect(out.stderr).toContain('claude may now reach 127.0.0.1:6379 (a loopback address), which is not the internet (--force)');
    expect(fs.readFileSync(dropIn(w), 'utf8')).toContain('"127.0.0.1:6379"');
  });

  it('a public host is allowed without --force and without a warning (control)', async () => {
    const w = world([]);
    const out = await w.shim(['allow', 'claude', 'registry.npmjs.org', '93.184.215.14']);
    expectExit(out, 0);
    expect(out.stderr).not.toContain('not the internet');
    expect(fs.readFileSync(dropIn(w), 'utf8')).toContain('"registry.npmjs.org"');
  });
});

describe('an allowed host that could not be reached', () => {
  const failed: AuditEgress = {
    host: 'api.anthropic.com',
    port: 443,
    action: 'fail',
    requests: 2,
    bytesUp: 0,
    bytesDown: 0,
    failure: 'resolve',
    reason: 'claude may reach api.anthropic.com:443, but the name does not resolve (getaddrinfo ENOTFOUND api.anthropic.com): a DNS or network problem on this machine, not the allow-list',
  };

  it('shim suggest says it is not an allow-list problem and proposes nothing for it; a refusal beside it is still suggested (control)', async () => {
    const w = world([failed, deny('platform.claude.com', 443)]);
    const out = await w.shim(['suggest', 'claude']);
    expectExit(out, 0);
    expect(out.stderr).toMatch(/allowed, but not reached by claude in the last 7d .*\(not an allow-list problem: adding hosts will not help\):\n/);
    expect(out.stderr).toMatch(/api\.anthropic\.com:443 +2 request\(s\) in 1 run\(s\), last \S+: the name does not resolve: check its spelling and this machine's DNS or network/);
    expect(out.stderr).toContain('shim allow claude platform.claude.com\n');
    const json = JSON.parse((await w.shim(['suggest', 'claude', '--json'])).stdout) as { add: string[]; unreachable: unknown[] };
    expect(json.add).toEqual(['platform.claude.com']);
    expect(json.unreachable).toEqual([expect.objectContaining({ host: 'api.anthropic.com', port: 443, requests: 2, runs: 1, failure: 'resolve' })]);
  });

  it('shim log counts it apart from allowed and denied, with its reason, and the masked credential echoes', async () => {
    const w = world([failed, deny('platform.claude.com', 443), { host: 'registry.npmjs.org', port: 443, action: 'allow', requests: 3, bytesUp: 1, bytesDown: 1, redactions: 2 }]);
    const out = await w.shim(['log']);
    expectExit(out, 0);
    expect(out.stdout).toContain('allowlist (3 allowed, 1 denied, 2 unreachable; 2 credential echoes masked)');
    expect(out.stdout).toContain('unreachable api.anthropic.com:443: the name does not resolve (not the allow-list)');
  });
});
