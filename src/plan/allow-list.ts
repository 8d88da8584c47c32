// The allow-list of one run, exactly as configured (nothing is merged in): `host`, `*.suffix`, each with
// an optional `:port`. Checked before any DNS lookup, so a denied name never reaches a resolver. Pure:
// the proxy matches requests with it, and `shim suggest`/`shim allow` reason with the very same rules.
import type { Target } from '../proxy/authority.js';

export interface AllowEntry {
  /** As written in the config, for messages. */
  raw: string;
  /** The host, or the suffix (without "*.") of a wildcard. */
  host: string;
  wildcard: boolean;
  /** Only this port when set; otherwise 443 through CONNECT and 80 for plain HTTP. */
  port?: number;
}

/** Parses config entries (already validated by the config schema). */
export function compileAllowList(entries: readonly string[]): AllowEntry[] {
  return entries.map((raw) => {
    const colon = raw.lastIndexOf(':');
    const hostPart = colon >= 0 ? raw.slice(0, colon) : raw;
    const port = colon >= 0 ? Number(raw.slice(colon + 1)) : undefined;
    const wildcard = hostPart.startsWith('*.');
    return { raw, host: wildcard ? hostPart.slice(2) : hostPart, wildcard, ...(port ? { port } : {}) };
  });
}

export type Method = 'connect' | 'http';

const DEFAULT_PORT: Record<Method, number> = { connect: 443, http: 80 };

function hostMatches(entry: AllowEntry, target: Target): boolean {
  // an IP literal is allowed only by the very same literal, never by a wildcard
  if (target.ip) return !entry.wildcard && entry.host === target.host;
  // a wildcard covers names below the suffix on a label boundary, not the suffix itself
  return entry.wildcard ? target.host.endsWith(`.${entry.host}`) : entry.host === target.host;
}

/** The entry that allows this request, if any. */
export function findAllowing(list: readonly AllowEntry[], target: Target, method: Method): AllowEntry | undefined {
  return list.find((e) => hostMatches(e, target) && (e.port ?? DEFAULT_PORT[method]) === target.port);
}
