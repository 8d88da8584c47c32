// The suggestion `shim suggest` prints, from audit records: one entry per refused host and port, summed
// and dated, never a host the list allows now, never an entry the config validator would refuse.
import { describe, expect, it } from 'vitest';
import type { AuditEgress } from '../../src/audit/record.js';
import { allowingEntry, buildEgressSuggestion, entryCovered, entryFor } from '../../src/plan/egress-suggest.js';
import { compileAllowList, findAllowing } from '../../src/plan/allow-list.js';
import { parseConnectTarget } from '../../src/proxy/authority.js';
import { makeAuditRecord } from './audit-fixtures.js';

const deny = (host: string, port: number, requests?: number): AuditEgress => ({ host, port, action: 'deny', ...(requests ? { requests } : {}), bytesUp: 0, bytesDown: 0 });
const allow = (host: string, port: number): AuditEgress => ({ host, port, action: 'allow', requests: 1, bytesUp: 10, bytesDown: 10 });
const run = (time: string, egress: AuditEgress[], tool = 'claude') => makeAuditRecord({ tool, time, network: 'allowlist', egress });

describe('entryFor', () => {
  it.each([
    ['platform.claude.com', 443, 'platform.claude.com'],
    ['registry.example.com', 8443, 'registry.example.com:8443'],
    // plain HTTP or a CONNECT to 80: the audit does not say which, and host:80 allows both
    ['example.org', 80, 'example.org:80'],
  ])('%s:%i → %s', (host, port, entry) => expect(entryFor(host, port)).toBe(entry));
});

describe('buildEgressSuggestion', () => {
  it('sums requests and runs per host and port, keeps the last time, newest first', () => {
    const s = buildEgressSuggestion(
      'claude',
      [
        run('2026-12-01T10:00:00.000Z', [deny('platform.claude.com', 443, 2), deny('registry.example.com', 8443), allow('api.anthropic.com', 443)]),
        run('2026-12-02T09:00:00.000Z', [deny('platform.claude.com', 443, 3)]),
      ],
      ['api.anthropic.com'],
    );
    expect(s.refusals).toEqual([
      { entry: 'platform.claude.com', host: 'platform.claude.com', port: 443, requests: 5, runs: 2, lastRefused: '2026-12-02T09:00:00.000Z', status: 'suggested' },
      { entry: 'registry.example.com:8443', host: 'registry.example.com', port: 8443, requests: 1, runs: 1, lastRefused: '2026-12-01T10:00:00.000Z', status: 'suggested' },
    ]);
    expect(s.add).toEqual(['platform.claude.com', 'registry.example.com:8443']);
  });

  it('keeps the latest time whatever the order of the records', () => {
    const s = buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', [deny('a.example.com', 443)]), run('2026-12-01T09:00:00.000Z', [deny('a.example.com', 443)])], []);
    expect(s.refusals[0]).toMatchObject({ runs: 2, requests: 2, lastRefused: '2026-12-02T09:00:00.000Z' });
  });

  it('never suggests a host the list allows now, exactly or by a wildcard, and says which entry allows it', () => {
    const s = buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', [deny('api.anthropic.com', 443), deny('cdn.example.com', 443), deny('example.com', 443)])], ['api.anthropic.com', '*.example.com']);
    expect(s.refusals.map((r) => [r.entry, r.status, r.reason])).toEqual([
      ['api.anthropic.com', 'allowed-now', 'api.anthropic.com'],
      ['cdn.example.com', 'allowed-now', '*.example.com'],
      // the wildcard does not cover the suffix itself
      ['example.com', 'suggested', undefined],
    ]);
    expect(s.add).toEqual(['example.com']);
  });

  it('a bare entry allows 443 only: a refusal on another port of a listed host is suggested with its port', () => {
    const s = buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', [deny('registry.npmjs.org', 22), deny('registry.npmjs.org', 80)])], ['registry.npmjs.org']);
    expect(s.add).toEqual(['registry.npmjs.org:22', 'registry.npmjs.org:80']);
  });

  it('names what cannot be listed (an unparseable request, an IPv6 literal, upper case) and never suggests it', () => {
    const s = buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', [deny('GET?/x', 0), deny('2606:4700::1111', 443), deny('Evil.COM', 443)])], []);
    expect(s.add).toEqual([]);
    expect(s.refusals.map((r) => r.status)).toEqual(['cannot-allow', 'cannot-allow', 'cannot-allow']);
    const reason = (host: string) => s.refusals.find((r) => r.host === host)?.reason;
    expect(reason('GET?/x')).toContain('could not be parsed');
    expect(reason('2606:4700::1111')).toMatch(/^not a valid allowed_hosts entry: must be a lower-case host name/);
    expect(reason('Evil.COM')).toMatch(/^not a valid allowed_hosts entry/);
  });

  it('only the named tool, only refusals; a record without "requests" counts one', () => {
    const s = buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', [deny('a.example.com', 443)], 'eslint'), run('2026-12-02T09:00:00.000Z', [allow('b.example.com', 443), deny('c.example.com', 443)])], []);
    expect(s.refusals.map((r) => [r.entry, r.requests])).toEqual([['c.example.com', 1]]);
  });

  it('no refusals: nothing to add', () => {
    expect(buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', [allow('a.example.com', 443)])], [])).toEqual({ tool: 'claude', refusals: [], add: [], unreachable: [] });
  });

  it('each suggested list, handed to the proxy, allows every refused CONNECT it was built from', () => {
    const refused = [deny('platform.claude.com', 443), deny('registry.example.com', 8443), deny('example.org', 80), deny('1.2.3.4', 443)];
    const s = buildEgressSuggestion('claude', [run('2026-12-02T09:00:00.000Z', refused)], ['api.anthropic.com']);
    const list = compileAllowList(['api.anthropic.com', ...s.add]);
    for (const r of refused) {
      const target = parseConnectTarget(`${r.host}:${r.port}`);
      expect(target.ok, r.host).toBe(true);
      if (target.ok) expect(findAllowing(list, target.value, 'connect')?.raw, `${r.host}:${r.port}`).toBeDefined();
    }
  });
});

describe('allowingEntry agrees with the proxy for CONNECT', () => {
  const lists = [['a.example.com'], ['*.example.com'], ['a.example.com:8443'], ['*.example.com:80'], ['1.2.3.4']];
  const targets: [string, number][] = [['a.example.com', 443], ['a.example.com', 8443], ['example.com', 443], ['b.a.example.com', 80], ['evilexample.com', 443], ['1.2.3.4', 443]];
  for (const list of lists) {
    it.each(targets)(`${list.join(',')}: %s:%i`, (host, port) => {
      const target = parseConnectTarget(`${host}:${port}`);
      if (!target.ok) throw new Error(target.reason);
      expect(allowingEntry(list, host, port)).toBe(findAllowing(compileAllowList(list), target.value, 'connect')?.raw);
    });
  }
});

describe('entryCovered', () => {
  it.each([
    [['a.example.com'], 'a.example.com', true],
    [['*.example.com'], 'a.example.com', true],
    [['*.example.com'], 'example.com', false],
    [['*.example.com'], '*.a.example.com', true],
    [['a.example.com'], '*.example.com', false],
    [['a.example.com'], 'a.example.com:8443', false],
    [['a.example.com:8443'], 'a.example.com', false],
    [['*.example.com:8443'], 'a.example.com:8443', true],
  ])('%j covers %s: %s', (list, candidate, covered) => expect(entryCovered(list, candidate)).toBe(covered));
});
