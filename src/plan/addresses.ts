// Addresses the egress proxy never dials for a host name, whatever DNS says: the host itself, private
// networks, cloud metadata, multicast and the IPv6 forms that embed any of those. This is what stops
// an allowed name (or a rebinding one) from pointing the proxy at the user's own machine or LAN.
import { isIPv4, isIPv6 } from 'node:net';

type V4Range = [base: number, bits: number, reason: string];

const v4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

const V4_FORBIDDEN: V4Range[] = [
  [v4(0, 0, 0, 0), 8, 'unspecified ("this network")'],
  [v4(10, 0, 0, 0), 8, 'private (RFC 1918)'],
  [v4(100, 64, 0, 0), 10, 'carrier-grade NAT (RFC 6598)'],
  [v4(127, 0, 0, 0), 8, 'loopback'],
  [v4(169, 254, 0, 0), 16, 'link-local (cloud metadata lives here)'],
  [v4(172, 16, 0, 0), 12, 'private (RFC 1918)'],
  [v4(192, 0, 0, 0), 24, 'IETF protocol assignments'],
  [v4(192, 168, 0, 0), 16, 'private (RFC 1918)'],
  [v4(198, 18, 0, 0), 15, 'benchmarking network'],
  [v4(224, 0, 0, 0), 4, 'multicast'],
  [v4(240, 0, 0, 0), 4, 'reserved or broadcast'],
];

function parseV4(address: string): number {
  const [a, b, c, d] = address.split('.').map(Number) as [number, number, number, number];
  return v4(a, b, c, d);
}

function v4Reason(value: number): string | undefined {
  for (const [base, bits, reason] of V4_FORBIDDEN) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if (((value & mask) >>> 0) === base) return reason;
  }
  return undefined;
}

/** Expands an IPv6 address (already validated by isIPv6) into 8 16-bit groups. */
function parseV6(address: string): number[] {
  let text = address.toLowerCase();
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const value = parseV4(text.slice(lastColon + 1));
    tail = [value >>> 16, value & 0xffff];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const groups = rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups;
}

const embeddedV4 = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function v6Reason(g: number[]): string | undefined {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) reach the IPv4 address they embed
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) {
    const inner = v4Reason(embeddedV4(g[6]!, g[7]!));
    return inner ? `IPv4-${g[5] ? 'mapped' : 'compatible'} ${inner}` : undefined;
  }
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) also embed an IPv4 address
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    const inner = v4Reason(embeddedV4(g[6]!, g[7]!));
    return inner ? `NAT64 ${inner}` : undefined;
  }
  if (g[0] === 0x2002) {
    const inner = v4Reason(embeddedV4(g[1]!, g[2]!));
    return inner ? `6to4 ${inner}` : undefined;
  }
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'unique local (ULA)';
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'site-local';
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (first === 0x2001 && g[1] === 0) return 'Teredo (hides an IPv4 address)';
  if (first === 0x100 && g.slice(1, 4).every((x) => x === 0)) return 'discard prefix';
  return undefined;
}

/** Why the proxy must not dial this address, or undefined when it may. */
export function forbiddenAddressReason(address: string): string | undefined {
  if (isIPv4(address)) return v4Reason(parseV4(address));
  if (isIPv6(address)) return v6Reason(parseV6(address));
  return 'not an IP address';
}
