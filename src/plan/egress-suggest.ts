// `shim suggest`: from a tool's refusals in the audit log, the smallest allow-list change that would
// have let them through. One allowed_hosts entry per refused host and port: the bare host for 443,
// "host:port" for any other port. Port 80 too: the audit log does not say whether a refused request
// was plain HTTP (which a bare entry allows on 80) or a CONNECT to port 80 (which it does not), and
// "host:80" allows both. Never a wildcard: an exact host is always the smaller change. Never a host
// that is not the public internet (loopback, private networks, cloud metadata: host-scope.ts): a tool
// asking for those is probing. Allowed requests that could not reach their host (the name does not
// resolve, nothing answers) are listed apart: they are not an allow-list problem, and adding nothing
// fixes them.
import type { AuditEgress, AuditRecord } from '../audit/record.js';
import { allowedHostIssue } from '../config/schema.js';
import { compileAllowList, findAllowing } from './allow-list.js';
import { nonPublicReason } from './host-scope.js';

/** Why a refused request is listed. */
export type RefusalStatus = 'suggested' | 'allowed-now' | 'cannot-allow' | 'not-public';

/** One refused host and port of the tool, summed over the runs read. */
export interface Refusal {
  /** The allowed_hosts entry that allows it ("host" for 443, else "host:port"). */
  entry: string;
  host: string;
  port: number;
  /** Refused requests in all. */
  requests: number;
  /** Runs that had at least one. */
  runs: number;
  /** Start time (ISO) of the last run that was refused it. */
  lastRefused: string;
  status: RefusalStatus;
  /** For "cannot-allow": what the allowed_hosts validator says; for "allowed-now": the entry that allows it;
   *  for "not-public": what the host is (loopback, private, cloud metadata…). */
  reason?: string;
}

/** An allowed host and port that could not be reached, summed over the runs read. */
export interface Unreachable {
  host: string;
  port: number;
  requests: number;
  runs: number;
  /** Start time (ISO) of the last run that failed to reach it. */
  lastFailed: string;
  /** "resolve", "connect", "timeout", "tls" or "upstream" (absent in older records). */
  failure?: string;
  /** The proxy's reason, from the last run that gave one. */
  reason?: string;
}

export interface EgressSuggestion {
  tool: string;
  /** Every refusal, the most recent first. */
  refusals: Refusal[];
  /** The entries to add, in the order of `refusals`. */
  add: string[];
  /** Allowed, yet not reached: the most recent first. Never a reason to add anything. */
  unreachable: Unreachable[];
}

/** The allowed_hosts entry that allows `host` on `port`: "host" for 443, "host:port" otherwise. */
export function entryFor(host: string, port: number): string {
  return port === 443 ? host : `${host}:${port}`;
}

/** The entry of `list` that allows a CONNECT to host:port (a bare entry: port 443 only), if any: the
 *  proxy's own matching. */
export function allowingEntry(list: readonly string[], host: string, port: number): string | undefined {
  return findAllowing(compileAllowList(list), { host, port, ip: ipVersion(host) }, 'connect')?.raw;
}

/** The audit log holds hosts as the proxy parsed them: an IP literal is all digits and dots (4) or holds
 *  a colon (6); the proxy lets only the very same literal allow it, never a wildcard. */
function ipVersion(host: string): 0 | 4 | 6 {
  return host.includes(':') ? 6 : /^[\d.]+$/.test(host) ? 4 : 0;
}

/** True when `candidate` allows nothing that `list` does not already allow. */
export function entryCovered(list: readonly string[], candidate: string): boolean {
  if (list.includes(candidate)) return true;
  const [c] = compileAllowList([candidate]);
  return compileAllowList(list).some((e) => {
    if (e.port !== c!.port) return false;
    // a wildcard candidate is covered only by a wildcard whose names include all of its names; a name,
    // by any entry that allows it
    if (c!.wildcard) return e.wildcard && (c!.host === e.host || c!.host.endsWith(`.${e.host}`));
    return findAllowing([e], { host: c!.host, port: e.port ?? 443, ip: ipVersion(c!.host) }, 'connect') !== undefined;
  });
}

/** Sums the refusals of `tool` in `records` (any order) against its current allow-list. */
export function buildEgressSuggestion(tool: string, records: readonly AuditRecord[], allowedHosts: readonly string[]): EgressSuggestion {
  const byKey = new Map<string, Refusal>();
  const failed = new Map<string, Unreachable>();
  for (const record of records) {
    if (record.tool !== tool) continue;
    const seenThisRun = new Set<string>();
    for (const e of record.egress) {
      if (e.action === 'fail') {
        noteUnreachable(failed, e, record.time, seenThisRun);
        continue;
      }
      if (e.action !== 'deny') continue;
      const key = `${e.host}\0${e.port}`;
      let r = byKey.get(key);
      if (!r) {
        r = { ...classify(e.host, e.port, allowedHosts), host: e.host, port: e.port, requests: 0, runs: 0, lastRefused: record.time };
        byKey.set(key, r);
      }
      r.requests += e.requests ?? 1;
      if (!seenThisRun.has(key)) r.runs++;
      seenThisRun.add(key);
      if (Date.parse(record.time) > Date.parse(r.lastRefused)) r.lastRefused = record.time;
    }
  }
  const refusals = [...byKey.values()].sort((a, b) => Date.parse(b.lastRefused) - Date.parse(a.lastRefused) || b.requests - a.requests || a.entry.localeCompare(b.entry));
  const add = [...new Set(refusals.filter((r) => r.status === 'suggested').map((r) => r.entry))];
  const unreachable = [...failed.values()].sort((a, b) => Date.parse(b.lastFailed) - Date.parse(a.lastFailed) || b.requests - a.requests);
  return { tool, refusals, add, unreachable };
}

function noteUnreachable(failed: Map<string, Unreachable>, e: AuditEgress, time: string, seenThisRun: Set<string>): void {
  const key = `fail\0${e.host}\0${e.port}`;
  const u = failed.get(key) ?? { host: e.host, port: e.port, requests: 0, runs: 0, lastFailed: time };
  u.requests += e.requests ?? 1;
  if (!seenThisRun.has(key)) u.runs++;
  seenThisRun.add(key);
  if (Date.parse(time) >= Date.parse(u.lastFailed)) {
    u.lastFailed = time;
    if (e.failure) u.failure = e.failure;
    if (e.reason) u.reason = e.reason;
  }
  failed.set(key, u);
}

function classify(host: string, port: number, allowedHosts: readonly string[]): Pick<Refusal, 'entry' | 'status' | 'reason'> {
  // port 0: the proxy could not parse the request at all (host is a sanitised excerpt)
  if (port < 1 || port > 65535) return { entry: host, status: 'cannot-allow', reason: 'the request could not be parsed (no host and port to allow)' };
  const entry = entryFor(host, port);
  const scope = nonPublicReason(host);
  if (scope) return { entry, status: 'not-public', reason: scope };
  const issue = allowedHostIssue(entry);
  if (issue) return { entry, status: 'cannot-allow', reason: `not a valid allowed_hosts entry: ${issue}` };
  const allowing = allowingEntry(allowedHosts, host, port);
  return allowing ? { entry, status: 'allowed-now', reason: allowing } : { entry, status: 'suggested' };
}
