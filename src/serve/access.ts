// Who may use `shim serve`, decided from a request's headers alone (pure: the token, the served
// addresses and the port are handed in). A local web page is reachable by every site the user visits:
// the Host check stops DNS rebinding (a foreign name resolving to 127.0.0.1), the Origin check stops
// cross-site WebSockets and form posts riding on the cookie, and the token stops everyone else.
import { timingSafeEqual } from 'node:crypto';

/** The name of the cookie holding the token (HttpOnly, SameSite=Strict). */
export const TOKEN_COOKIE = 'shim_token';

export interface AccessPolicy {
  token: string;
  /** Host header values accepted (host:port, lower case). */
  hosts: ReadonlySet<string>;
  /** Origin header values accepted: the page's own origins (http://host:port). */
  origins: ReadonlySet<string>;
}

/** The addresses a browser may name the server by: loopback names (served on loopback), the --host
 *  given, and, on a wildcard address, every address of the machine's interfaces. */
export function servedNames(bindHost: string, interfaceAddresses: readonly string[]): string[] {
  const wildcard = bindHost === '0.0.0.0' || bindHost === '::';
  const names = new Set<string>(['127.0.0.1', 'localhost']);
  if (bindHost === '::1' || wildcard) names.add('[::1]');
  if (!wildcard) names.add(bindHost.includes(':') ? `[${bindHost}]` : bindHost.toLowerCase());
  else for (const a of interfaceAddresses) names.add(a.includes(':') ? `[${a}]` : a);
  return [...names];
}

export function buildAccessPolicy(token: string, names: readonly string[], port: number): AccessPolicy {
  const hosts = new Set<string>();
  for (const n of names) {
    hosts.add(`${n}:${port}`);
    // a browser leaves out the default port
    if (port === 80) hosts.add(n);
  }
  return { token, hosts, origins: new Set([...hosts].map((h) => `http://${h}`)) };
}

/** True when the Host header names the server itself. */
export function hostAllowed(policy: AccessPolicy, host: string | undefined): boolean {
  return host !== undefined && policy.hosts.has(host.toLowerCase());
}

/** The token a request carries: `Authorization: Bearer …` first, else the cookie. */
export function requestToken(headers: { authorization?: string | undefined; cookie?: string | undefined }): { token?: string; bearer: boolean } {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(auth.trim());
    return m ? { token: m[1]!, bearer: true } : { bearer: true };
  }
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return { token: v.join('='), bearer: false };
  }
  return { bearer: false };
}

/** Compares in constant time (the token's length is no secret). */
export function tokenMatches(policy: AccessPolicy, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(policy.token);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a WebSocket or a state-changing request may go on: its Origin is the page's own. A request
 *  without an Origin is a script's, not a browser's (browsers send one on these): it may go on only
 *  with the token in its Authorization header, since a cookie would come with any request. */
export function originAllowed(policy: AccessPolicy, origin: string | undefined, bearer: boolean): boolean {
  if (origin === undefined) return bearer;
  return policy.origins.has(origin.toLowerCase());
}

/** What a request is refused for, or undefined when it may go on. `login` routes need no token. */
export function refusal(
  policy: AccessPolicy,
  req: { host?: string | undefined; origin?: string | undefined; authorization?: string | undefined; cookie?: string | undefined; method: string; websocket: boolean; login: boolean },
): { status: 401 | 403; why: string } | undefined {
  if (!hostAllowed(policy, req.host)) return { status: 403, why: 'this server does not answer to that Host' };
  const { token, bearer } = requestToken(req);
  const changes = req.websocket || !['GET', 'HEAD'].includes(req.method);
  if (changes && !originAllowed(policy, req.origin, bearer)) return { status: 403, why: 'cross-origin request refused' };
  if (req.login) return undefined;
  if (!tokenMatches(policy, token)) return { status: 401, why: 'the token is missing or wrong: open the link shim serve printed' };
  return undefined;
}
