// The allow-list is checked before any DNS lookup, so whatever it lets through is all a tool can reach:
// a wildcard must stop at a label boundary, ports must be exact and IP literals must be listed as such.
import { describe, it, expect } from 'vitest';
import { compileAllowList, findAllowing, type Method } from '../../src/plan/allow-list.js';
import { parseConnectTarget, type Target } from '../../src/proxy/authority.js';

/** Parses a CONNECT-style "host:port" into a Target the way the proxy does (fails the test if bad). */
function target(authority: string): Target {
  const parsed = parseConnectTarget(authority);
  if (!parsed.ok) throw new Error(`bad test target ${authority}: ${parsed.reason}`);
  return parsed.value;
}

/** The raw entry that allows `authority`, or undefined. */
function allowedBy(entries: string[], authority: string, method: Method = 'connect'): string | undefined {
  return findAllowing(compileAllowList(entries), target(authority), method)?.raw;
}

describe('compileAllowList', () => {
  it('splits wildcard, host and port, keeping the entry as written', () => {
    expect(compileAllowList(['example.com', '*.example.org', 'api.example.net:8443', '*.cdn.example:444'])).toEqual([
      { raw: 'example.com', host: 'example.com', wildcard: false },
      { raw: '*.example.org', host: 'example.org', wildcard: true },
      { raw: 'api.example.net:8443', host: 'api.example.net', wildcard: false, port: 8443 },
      { raw: '*.cdn.example:444', host: 'cdn.example', wildcard: true, port: 444 },
    ]);
  });

  it('adds nothing to the configured list', () => {
    expect(compileAllowList([])).toEqual([]);
    expect(compileAllowList(['a.example'])).toHaveLength(1);
  });
});

describe('findAllowing: host names', () => {
  it('allows an exact match', () => {
    expect(allowedBy(['example.com'], 'example.com:443')).toBe('example.com');
  });

  it('does not allow a sub-domain or a parent of an exact entry', () => {
    expect(allowedBy(['example.com'], 'a.example.com:443')).toBeUndefined();
    expect(allowedBy(['a.example.com'], 'example.com:443')).toBeUndefined();
  });

  it('picks the entry that matches among several', () => {
    expect(allowedBy(['one.example', 'two.example', 'three.example'], 'two.example:443')).toBe('two.example');
  });

  it('lets a wildcard cover names one or more labels below the suffix', () => {
    expect(allowedBy(['*.example.org'], 'a.example.org:443')).toBe('*.example.org');
    expect(allowedBy(['*.example.org'], 'b.a.example.org:443')).toBe('*.example.org');
  });

  it('does not let a wildcard cover the suffix itself', () => {
    expect(allowedBy(['*.example.org'], 'example.org:443')).toBeUndefined();
  });

  it('does not let a wildcard cover a name that only ends with the same characters', () => {
    // "evilexample.org" ends with "example.org" but not on a label boundary
    expect(allowedBy(['*.example.org'], 'evilexample.org:443')).toBeUndefined();
    expect(allowedBy(['*.example.org'], 'a.evilexample.org:443')).toBeUndefined();
  });

  it('does not let a wildcard cover a name that merely contains the suffix', () => {
    expect(allowedBy(['*.example.org'], 'a.example.org.evil.com:443')).toBeUndefined();
  });

  it('matches the normalised name (upper case and trailing dot from the client)', () => {
    expect(allowedBy(['example.com'], 'EXAMPLE.com.:443')).toBe('example.com');
  });
});

describe('findAllowing: ports', () => {
  it('without a port in the entry, CONNECT may reach only 443', () => {
    expect(allowedBy(['example.com'], 'example.com:443', 'connect')).toBe('example.com');
    expect(allowedBy(['example.com'], 'example.com:80', 'connect')).toBeUndefined();
    expect(allowedBy(['example.com'], 'example.com:22', 'connect')).toBeUndefined();
  });

  it('without a port in the entry, plain http may reach only 80', () => {
    expect(allowedBy(['example.com'], 'example.com:80', 'http')).toBe('example.com');
    expect(allowedBy(['example.com'], 'example.com:443', 'http')).toBeUndefined();
    expect(allowedBy(['example.com'], 'example.com:8080', 'http')).toBeUndefined();
  });

  it('with a port in the entry, only that port, for either method', () => {
    const list = ['example.com:8443'];
    expect(allowedBy(list, 'example.com:8443', 'connect')).toBe('example.com:8443');
    expect(allowedBy(list, 'example.com:8443', 'http')).toBe('example.com:8443');
    expect(allowedBy(list, 'example.com:443', 'connect')).toBeUndefined();
    expect(allowedBy(list, 'example.com:80', 'http')).toBeUndefined();
  });

  it('applies the port rules to wildcards as well', () => {
    expect(allowedBy(['*.example.org'], 'a.example.org:443')).toBe('*.example.org');
    expect(allowedBy(['*.example.org'], 'a.example.org:8443')).toBeUndefined();
    expect(allowedBy(['*.example.org:8443'], 'a.example.org:8443')).toBe('*.example.org:8443');
    expect(allowedBy(['*.example.org:8443'], 'a.example.org:443')).toBeUndefined();
  });

  it('lets two entries for the same host allow two ports', () => {
    const list = ['example.com', 'example.com:8443'];
    expect(allowedBy(list, 'example.com:443')).toBe('example.com');
    expect(allowedBy(list, 'example.com:8443')).toBe('example.com:8443');
    expect(allowedBy(list, 'example.com:9443')).toBeUndefined();
  });
});

describe('findAllowing: IP literals', () => {
  it('allows an IP literal listed identically', () => {
    expect(allowedBy(['203.0.113.9'], '203.0.113.9:443')).toBe('203.0.113.9');
  });

  it('does not allow a different IP literal', () => {
    expect(allowedBy(['203.0.113.9'], '203.0.113.90:443')).toBeUndefined();
  });

  it('never allows an IP literal through a wildcard', () => {
    // "*.113.9" would match "203.0.113.9" as a string suffix on a label boundary
    expect(allowedBy(['*.113.9'], '203.0.113.9:443')).toBeUndefined();
    expect(allowedBy(['*.0.113.9'], '203.0.113.9:443')).toBeUndefined();
  });

  it('a name made of the same characters as a listed wildcard still matches (control for the wildcard rule)', () => {
    expect(allowedBy(['*.113.example'], '203.113.example:443')).toBe('*.113.example');
  });

  it('applies the port rules to IP literals', () => {
    expect(allowedBy(['203.0.113.9'], '203.0.113.9:22')).toBeUndefined();
    expect(allowedBy(['203.0.113.9:8443'], '203.0.113.9:8443')).toBe('203.0.113.9:8443');
  });
});

describe('findAllowing: empty list', () => {
  it.each(['example.com:443', 'a.example.org:443', '203.0.113.9:443', '[2606:4700::1111]:443'])('denies %s', (authority) => {
    expect(allowedBy([], authority, 'connect')).toBeUndefined();
    expect(allowedBy([], authority, 'http')).toBeUndefined();
  });
});
