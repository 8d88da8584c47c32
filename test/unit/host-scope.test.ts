// Which hosts are not the public internet (never suggested; allowed only with --force), v4 and v6,
// names and entries with ports or wildcards; each table has public controls.
import { describe, expect, it } from 'vitest';
import { entryHost, nonPublicReason } from '../../src/plan/host-scope.js';

describe('nonPublicReason', () => {
  it.each([
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.169.254:80', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['127.0.0.1:6379', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1:8080', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]:8080', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::5', 'unique local'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:a00:1', 'IPv4-mapped private'],
    ['localhost', 'loopback'],
    ['localhost:3000', 'loopback'],
    ['api.localhost', 'loopback'],
    ['*.localhost', 'loopback'],
    ['metadata.google.internal', 'cloud metadata'],
    ['metadata', 'cloud metadata'],
    ['db.internal', '.internal'],
    ['*.internal', '.internal'],
    ['printer.local', 'mDNS'],
    ['nas.home.arpa', 'home-network'],
    ['127.1', 'IPv4 address in disguise'],
    ['0x7f000001', 'IPv4 address in disguise'],
    ['2130706433:80', 'IPv4 address in disguise'],
    ['redis', 'single-label'],
  ])('%s is not public (%s)', (host, what) => expect(nonPublicReason(host)).toContain(what));

  it.each(['registry.npmjs.org', 'api.anthropic.com:443', '*.example.com', 'registry.example.com:8443', '93.184.215.14', '1.1.1.1:53', '2606:4700:4700::1111', 'localhost.example.com', 'internal.example.com'])(
    '%s is public (control)',
    (host) => expect(nonPublicReason(host)).toBeUndefined(),
  );
});

describe('entryHost', () => {
  it.each([
    ['example.com:8443', 'example.com'],
    ['*.Example.COM', 'example.com'],
    ['[::1]:443', '::1'],
    ['fe80::1', 'fe80::1'],
    ['10.0.0.1:22', '10.0.0.1'],
  ])('%s → %s', (entry, host) => expect(entryHost(entry)).toBe(host));
});
