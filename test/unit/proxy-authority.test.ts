// The proxy matches what it parses here against the allow-list and then dials it, so every unusual
// spelling must be refused rather than normalised into something the allow-list did not mean.
import { describe, it, expect } from 'vitest';
import { parseAbsoluteUrl, parseAuthority, parseConnectTarget, parseHost } from '../../src/proxy/authority.js';

/** The reason a parse failed (fails the test when it succeeded). */
function reasonOf(result: { ok: true } | { ok: false; reason: string }): string {
  if (result.ok) throw new Error('expected a refusal, got a value');
  return result.reason;
}

// labels of 63 characters (the maximum) joined into a name of exactly 253 characters
const NAME_253 = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');

describe('parseConnectTarget: accepted', () => {
  it('splits host and port', () => {
    expect(parseConnectTarget('example.com:443')).toEqual({ ok: true, value: { host: 'example.com', port: 443, ip: 0 } });
  });

  it('lower-cases the host', () => {
    expect(parseConnectTarget('Registry.NPMJS.org:443')).toEqual({ ok: true, value: { host: 'registry.npmjs.org', port: 443, ip: 0 } });
  });

  it('strips exactly one trailing dot', () => {
    expect(parseConnectTarget('a.com.:443')).toEqual({ ok: true, value: { host: 'a.com', port: 443, ip: 0 } });
    expect(reasonOf(parseConnectTarget('a.com..:443'))).toBe('not a valid host name');
  });

  it('accepts ports 1 and 65535', () => {
    expect(parseConnectTarget('a.com:1')).toMatchObject({ ok: true, value: { port: 1 } });
    expect(parseConnectTarget('a.com:65535')).toMatchObject({ ok: true, value: { port: 65535 } });
  });

  it('accepts a name of 253 characters and labels of 63', () => {
    expect(parseConnectTarget(`${NAME_253}:443`)).toEqual({ ok: true, value: { host: NAME_253, port: 443, ip: 0 } });
  });

  it('accepts hyphens inside labels and underscores (seen in real DNS names)', () => {
    expect(parseConnectTarget('my-host.a_b.example:443')).toMatchObject({ ok: true, value: { host: 'my-host.a_b.example' } });
  });

  it('marks a dotted IPv4 literal with ip 4', () => {
    expect(parseConnectTarget('203.0.113.9:443')).toEqual({ ok: true, value: { host: '203.0.113.9', port: 443, ip: 4 } });
  });

  it('marks a bracketed IPv6 literal with ip 6, without brackets, lower-cased', () => {
    expect(parseConnectTarget('[2606:4700::1111]:443')).toEqual({ ok: true, value: { host: '2606:4700::1111', port: 443, ip: 6 } });
    expect(parseConnectTarget('[::FFFF:7F00:1]:8443')).toEqual({ ok: true, value: { host: '::ffff:7f00:1', port: 8443, ip: 6 } });
  });
});

describe('parseConnectTarget: refused characters', () => {
  // each is a way to make the proxy's idea of the host differ from a resolver's or an upstream's
  it.each([
    ['NUL', 'a.com\0.evil:443'],
    ['CR', 'a.com\r:443'],
    ['LF', 'a.com\n:443'],
    ['tab', 'a.com\t:443'],
    ['DEL', 'a.com\x7f:443'],
    ['percent-encoding', '%61.com:443'],
    ['userinfo', 'user@a.com:443'],
    ['space', 'a b.com:443'],
    ['backslash', 'a.com\\@evil:443'],
    ['slash', 'a.com/x:443'],
    ['question mark', 'a.com?:443'],
    ['hash', 'a.com#:443'],
    ['non-ASCII (IDN U-label)', 'bücher.de:443'],
    ['non-ASCII look-alike dot', 'a\u3002com:443'],
    ['astral character', 'a\u{1F600}.com:443'],
  ])('refuses %s', (_what, target) => {
    expect(reasonOf(parseConnectTarget(target))).toMatch(/^forbidden character /);
  });

  it('accepts the same targets without the bad character (control)', () => {
    expect(parseConnectTarget('a.com:443').ok).toBe(true);
    expect(parseConnectTarget('user.a.com:443').ok).toBe(true);
  });
});

describe('parseConnectTarget: refused shapes', () => {
  it('refuses a host name longer than 253 characters', () => {
    const long = `${NAME_253}x`;
    expect(long).toHaveLength(254);
    expect(reasonOf(parseConnectTarget(`${long}:443`))).toMatch(/^host name length 254/);
  });

  it('refuses an authority far too long before looking at it', () => {
    expect(reasonOf(parseConnectTarget(`${'a'.repeat(300)}:443`))).toBe('authority too long');
  });

  it('refuses an empty host', () => {
    expect(reasonOf(parseConnectTarget(':443'))).toBe('empty host');
    expect(reasonOf(parseConnectTarget('.:443'))).toMatch(/^host name length/);
  });

  it('refuses empty labels', () => {
    expect(reasonOf(parseConnectTarget('a..b:443'))).toBe('not a valid host name');
    expect(reasonOf(parseConnectTarget('.a.com:443'))).toBe('not a valid host name');
  });

  it('refuses a label of 64 characters', () => {
    expect(reasonOf(parseConnectTarget(`${'a'.repeat(64)}.com:443`))).toBe('not a valid host name');
  });

  it('refuses labels that start or end with a hyphen', () => {
    expect(reasonOf(parseConnectTarget('-a.com:443'))).toBe('not a valid host name');
    expect(reasonOf(parseConnectTarget('a-.com:443'))).toBe('not a valid host name');
  });

  it('refuses a target without a port (CONNECT has no default)', () => {
    expect(reasonOf(parseConnectTarget('example.com'))).toBe('no port');
    expect(reasonOf(parseConnectTarget('[::1]'))).toBe('no port');
  });

  it.each([
    ['0', 'port out of range'],
    ['65536', 'port out of range'],
    ['99999', 'port out of range'],
    ['', 'port is not a number'],
    ['https', 'port is not a number'],
    ['+443', 'port is not a number'],
    ['-1', 'port is not a number'],
    ['443a', 'port is not a number'],
    ['0x1bb', 'port is not a number'],
    ['123456', 'port is not a number'],
  ])('refuses port %j', (port, reason) => {
    expect(reasonOf(parseConnectTarget(`a.com:${port}`))).toBe(reason);
  });

  it('refuses two colons without brackets (an unbracketed IPv6 literal or a second port)', () => {
    expect(reasonOf(parseConnectTarget('::1:443'))).toMatch(/more than one ":"/);
    expect(reasonOf(parseConnectTarget('a.com:443:80'))).toMatch(/more than one ":"/);
  });

  it.each(['1.2', '127.1', '1.2.3', '0177.0.0.1', '0x7f000001', '0X7F000001', '10.0x7f', '0x7f.1', '0X7F.0.0.1', '0x8.8.8.8', 'example.123'])('refuses numeric host %j that is not a dotted IPv4 address', (host) => {
    // resolvers (inet_aton) read a name ending in a number as an IPv4 address ("0x7f.1" is 127.0.0.1),
    // so these are IP literals in disguise that would dodge the literal-only allow-list rule
    expect(reasonOf(parseConnectTarget(`${host}:443`))).toBe('numeric host that is not a dotted IPv4 address');
  });

  it('still accepts names that merely contain digits (control)', () => {
    expect(parseConnectTarget('1password.com:443')).toMatchObject({ ok: true, value: { host: '1password.com', ip: 0 } });
    expect(parseConnectTarget('x0x7f.com:443')).toMatchObject({ ok: true, value: { ip: 0 } });
  });
});

describe('IPv6 literals', () => {
  it('refuses a zone id (the "%" is refused in an authority)', () => {
    expect(reasonOf(parseConnectTarget('[fe80::1%eth0]:443'))).toMatch(/^forbidden character "%"/);
  });

  it('refuses a zone id in a bare host too', () => {
    expect(reasonOf(parseHost('[fe80::1%eth0]'))).toBe('not an IPv6 address');
    expect(parseHost('[fe80::1]')).toEqual({ ok: true, value: { host: 'fe80::1', ip: 6 } });
  });

  it('refuses something in brackets that is not IPv6', () => {
    expect(reasonOf(parseConnectTarget('[example.com]:443'))).toBe('not an IPv6 address');
    expect(reasonOf(parseConnectTarget('[127.0.0.1]:443'))).toBe('not an IPv6 address');
  });

  it('refuses an unterminated literal and junk after the bracket', () => {
    expect(reasonOf(parseConnectTarget('[::1:443'))).toBe('unterminated IPv6 literal');
    expect(reasonOf(parseConnectTarget('[::1]x:443'))).toBe('junk after IPv6 literal');
  });
});

describe('parseAuthority default port', () => {
  it('applies the default only when no port is written', () => {
    expect(parseAuthority('a.com', 80)).toEqual({ ok: true, value: { host: 'a.com', port: 80, ip: 0 } });
    expect(parseAuthority('a.com:8080', 80)).toMatchObject({ ok: true, value: { port: 8080 } });
    expect(reasonOf(parseAuthority('a.com:', 80))).toBe('port is not a number');
  });
});

describe('parseAbsoluteUrl', () => {
  it('takes host, default port 80 and the path', () => {
    expect(parseAbsoluteUrl('http://Example.com/a/b?x=1')).toEqual({ ok: true, value: { target: { host: 'example.com', port: 80, ip: 0 }, path: '/a/b?x=1' } });
  });

  it('keeps an explicit port', () => {
    expect(parseAbsoluteUrl('http://example.com:8080/x')).toMatchObject({ ok: true, value: { target: { port: 8080 }, path: '/x' } });
  });

  it('uses "/" when there is no path', () => {
    expect(parseAbsoluteUrl('http://example.com')).toMatchObject({ ok: true, value: { path: '/' } });
  });

  it('turns a bare query into "/?q"', () => {
    expect(parseAbsoluteUrl('http://example.com?q=1')).toMatchObject({ ok: true, value: { path: '/?q=1' } });
  });

  it('accepts an IPv6 literal host', () => {
    expect(parseAbsoluteUrl('http://[2606:4700::1111]/')).toMatchObject({ ok: true, value: { target: { host: '2606:4700::1111', port: 80, ip: 6 } } });
  });

  it('refuses https:// (that must go through CONNECT)', () => {
    expect(reasonOf(parseAbsoluteUrl('https://example.com/'))).toBe('only http:// URLs can be fetched without CONNECT');
  });

  it('refuses other schemes', () => {
    expect(reasonOf(parseAbsoluteUrl('ftp://example.com/'))).toBe('only http:// URLs can be fetched without CONNECT');
    expect(reasonOf(parseAbsoluteUrl('file:///etc/passwd'))).toBe('only http:// URLs can be fetched without CONNECT');
  });

  it('refuses origin-form with a reason that says to talk to the proxy, not through it', () => {
    expect(reasonOf(parseAbsoluteUrl('/path'))).toBe('not an absolute-form URL (talk to the proxy, not through it)');
  });

  it('applies the authority rules to the host', () => {
    expect(reasonOf(parseAbsoluteUrl('http://user@example.com/'))).toMatch(/^forbidden character "@"/);
    expect(reasonOf(parseAbsoluteUrl('http://%65xample.com/'))).toMatch(/^forbidden character "%"/);
    expect(reasonOf(parseAbsoluteUrl('http://example.com:0/'))).toBe('port out of range');
    expect(reasonOf(parseAbsoluteUrl('http:///x'))).toBe('empty host');
  });

  it('refuses a space or a control character in the path', () => {
    expect(reasonOf(parseAbsoluteUrl('http://example.com/a b'))).toBe('control character or space in the path');
    expect(reasonOf(parseAbsoluteUrl('http://example.com/a\r\nX-Injected: 1'))).toBe('control character or space in the path');
  });

  it('refuses a fragment rather than guessing what it means', () => {
    expect(parseAbsoluteUrl('http://example.com/a#frag').ok).toBe(false);
  });
});

describe('parseConnectTarget: ports are taken as written', () => {
  it.each(['a.com:0443', 'a.com:00443', 'a.com:080'])('refuses leading zeros in %s', (target) => {
    expect(parseConnectTarget(target)).toEqual({ ok: false, reason: 'port with leading zeros' });
  });
  it('reports the normalised length of an over-long name', () => {
    const name = `${'a.'.repeat(127)}ab.`;
    expect(parseConnectTarget(`${name}:443`)).toEqual({ ok: false, reason: `host name length 256 (1-253)` });
  });
});
