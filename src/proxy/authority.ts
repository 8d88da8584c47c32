// Strict parsing of what a client asks the egress proxy for: the authority of a CONNECT request or the
// absolute-form URL of a plain HTTP request. Anything unusual is refused rather than normalised, since
// the result is matched against the allow-list and then dialled.
import net from 'node:net';

export interface Target {
  /** Lower-case host name without a trailing dot, or an IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** Set when the host is an IP literal (4 or 6), which only an exact allow-list entry may allow. */
  ip: 0 | 4 | 6;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const MAX_NAME = 253;
const LABEL_RE = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Checks and normalises a host (lower case, one trailing dot removed). */
export function parseHost(raw: string): Parsed<{ host: string; ip: 0 | 4 | 6 }> {
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const inner = raw.slice(1, -1);
    return net.isIPv6(inner) && !inner.includes('%') ? { ok: true, value: { host: inner.toLowerCase(), ip: 6 } } : fail('not an IPv6 address');
  }
  if (raw.length === 0) return fail('empty host');
  let host = raw.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > MAX_NAME) return fail(`host name length ${host.length} (1-${MAX_NAME})`);
  if (net.isIPv4(host)) return { ok: true, value: { host, ip: 4 } };
  if (!host.split('.').every((label) => LABEL_RE.test(label))) return fail('not a valid host name');
  // a name ending in a number ("1.2", "0x7f.1", "127.1") is IPv4 in disguise for inet_aton-style
  // resolvers (and URL parsers); no real top-level domain is numeric
  if (/^(0x[0-9a-f]*|[0-9]+)$/.test(host.split('.').pop()!)) return fail('numeric host that is not a dotted IPv4 address');
  return { ok: true, value: { host, ip: 0 } };
}

function parsePort(raw: string): Parsed<number> {
  if (!/^[0-9]{1,5}$/.test(raw)) return fail('port is not a number');
  // "0443" is refused rather than normalised
  if (raw.length > 1 && raw.startsWith('0')) return fail('port with leading zeros');
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? { ok: true, value: port } : fail('port out of range');
}

// bytes never allowed in an authority: controls (NUL, CR, LF…), space, percent-encoding, userinfo,
// backslash and anything non-ASCII
const FORBIDDEN_RE = /[\x00-\x20\x7f-\uffff%@\\/?#]/;

/** Splits `host:port` or `[v6]:port`; `defaultPort` applies when no port is written. */
export function parseAuthority(authority: string, defaultPort: number | undefined): Parsed<Target> {
  if (authority.length > MAX_NAME + 8) return fail('authority too long');
  const bad = FORBIDDEN_RE.exec(authority);
  if (bad) return fail(`forbidden character ${JSON.stringify(bad[0])}`);
  let hostPart = authority;
  let portPart: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return fail('unterminated IPv6 literal');
    hostPart = authority.slice(0, end + 1);
    const rest = authority.slice(end + 1);
    if (rest) {
      if (!rest.startsWith(':')) return fail('junk after IPv6 literal');
      portPart = rest.slice(1);
    }
  } else {
    const colon = authority.indexOf(':');
    if (colon >= 0) {
      if (authority.indexOf(':', colon + 1) >= 0) return fail('more than one ":" (IPv6 literals need brackets)');
      hostPart = authority.slice(0, colon);
      portPart = authority.slice(colon + 1);
    }
  }
  const host = parseHost(hostPart);
  if (!host.ok) return host;
  if (portPart === undefined) {
    return defaultPort === undefined ? fail('no port') : { ok: true, value: { ...host.value, port: defaultPort } };
  }
  const port = parsePort(portPart);
  return port.ok ? { ok: true, value: { ...host.value, port: port.value } } : port;
}

/** The target of CONNECT: `host:port`, port required. */
export function parseConnectTarget(target: string): Parsed<Target> {
  return parseAuthority(target, undefined);
}

/** The target of a plain HTTP request in absolute form (`http://host[:port]/path`): only http. */
export function parseAbsoluteUrl(url: string): Parsed<{ target: Target; path: string }> {
  const m = /^http:\/\/([^/?#]*)([/?][^#]*)?$/i.exec(url);
  if (!m) return fail(url.startsWith('/') ? 'not an absolute-form URL (talk to the proxy, not through it)' : 'only http:// URLs can be fetched without CONNECT');
  const target = parseAuthority(m[1]!, 80);
  if (!target.ok) return target;
  const rawPath = m[2] ?? '/';
  if (/[\x00-\x20\x7f]/.test(rawPath)) return fail('control character or space in the path');
  return { ok: true, value: { target: target.value, path: rawPath.startsWith('?') ? `/${rawPath}` : rawPath } };
}
