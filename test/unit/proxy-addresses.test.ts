// Whatever an allowed name resolves to, the proxy must not dial the user's machine, LAN or cloud
// metadata. Each range is pinned from both sides: its first and last address are refused, and the
// addresses just outside it are allowed, so a range that is too wide or too narrow both fail.
import { describe, it, expect } from 'vitest';
import { forbiddenAddressReason } from '../../src/plan/addresses.js';

describe('forbiddenAddressReason: IPv4 ranges and their boundaries', () => {
  it.each([
    // [first refused, last refused, allowed just below, allowed just above, reason]
    ['0.0.0.0', '0.255.255.255', undefined, '1.0.0.0', /unspecified/],
    ['10.0.0.0', '10.255.255.255', '9.255.255.255', '11.0.0.0', /private \(RFC 1918\)/],
    ['100.64.0.0', '100.127.255.255', '100.63.255.255', '100.128.0.0', /carrier-grade NAT/],
    ['127.0.0.0', '127.255.255.255', '126.255.255.255', '128.0.0.0', /loopback/],
    ['169.254.0.0', '169.254.255.255', '169.253.255.255', '169.255.0.0', /link-local/],
    ['172.16.0.0', '172.31.255.255', '172.15.255.255', '172.32.0.0', /private \(RFC 1918\)/],
    ['192.0.0.0', '192.0.0.255', '191.255.255.255', '192.0.1.0', /IETF protocol assignments/],
    ['192.168.0.0', '192.168.255.255', '192.167.255.255', '192.169.0.0', /private \(RFC 1918\)/],
    ['198.18.0.0', '198.19.255.255', '198.17.255.255', '198.20.0.0', /benchmarking/],
    ['224.0.0.0', '239.255.255.255', '223.255.255.255', undefined, /multicast/],
    ['240.0.0.0', '255.255.255.255', undefined, undefined, /reserved or broadcast/],
  ])('refuses %s - %s, allows %s and %s', (first, last, below, above, reason) => {
    expect(forbiddenAddressReason(first)).toMatch(reason);
    expect(forbiddenAddressReason(last)).toMatch(reason);
    if (below) expect(forbiddenAddressReason(below)).toBeUndefined();
    if (above) expect(forbiddenAddressReason(above)).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', /loopback/],
    ['10.0.0.5', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['169.254.169.254', /link-local \(cloud metadata/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /broadcast/],
  ])('refuses the familiar address %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toMatch(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '203.0.113.80', '203.0.113.7', '192.0.2.1', '198.51.100.1'])('allows public (or documentation) address %s', (address) => {
    // 203.0.113.0/24 must stay allowed: the build machine's npm registry resolves there
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });
});

describe('forbiddenAddressReason: IPv6', () => {
  it.each([
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['0:0:0:0:0:0:0:1', /loopback/],
    ['fc00::1', /unique local/],
    ['fd12::1', /unique local/],
    ['fdff:ffff::1', /unique local/],
    ['fe80::1', /link-local/],
    ['febf:ffff::1', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['FF05::2', /multicast/],
    ['2001::1', /Teredo/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['100::1', /discard/],
  ])('refuses %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toMatch(reason);
  });

  it.each([
    '2606:4700::1111',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    // just outside fc00::/7, fe80::/10 and fec0::/10
    'fbff:ffff::1',
    'fe00::1',
    // Teredo is 2001:0::/32 only
    '2001:1::1',
    '2001:db8::1',
    // the discard prefix is 100::/64 only
    '100:0:0:1::1',
  ])('allows %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });
});

describe('forbiddenAddressReason: IPv6 forms that embed a forbidden IPv4 address', () => {
  it.each([
    ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
    ['::ffff:7f00:1', /IPv4-mapped loopback/],
    ['::FFFF:7F00:0001', /IPv4-mapped loopback/],
    ['::ffff:10.0.0.1', /IPv4-mapped private/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped link-local/],
    ['0:0:0:0:0:ffff:192.168.0.1', /IPv4-mapped private/],
    ['::127.0.0.1', /IPv4-compatible loopback/],
    ['::a00:1', /IPv4-compatible private/],
    ['64:ff9b::a00:1', /NAT64 private/],
    ['64:ff9b::127.0.0.1', /NAT64 loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64 link-local/],
    ['2002:7f00:1::', /6to4 loopback/],
    ['2002:a9fe:a9fe::1', /6to4 link-local/],
    ['2002:c0a8:1::', /6to4 private/],
  ])('refuses %s', (address, reason) => {
    expect(forbiddenAddressReason(address)).toMatch(reason);
  });

  it.each([
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '::ffff:203.0.113.80',
    '64:ff9b::808:808',
    '64:ff9b::203.0.113.80',
    '2002:808:808::',
    '2002:cb00:7150::1',
  ])('allows %s (it embeds a public address)', (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });
});

describe('forbiddenAddressReason: not an address', () => {
  it.each(['example.com', '', '1.2.3', '127.1', '::ffff:1.2.3', 'localhost'])('refuses %j', (value) => {
    expect(forbiddenAddressReason(value)).toBe('not an IP address');
  });
});
