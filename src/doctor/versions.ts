// Version texts of the OCI runtime and the runc advisories they are compared against (pure).

/** A parsed x.y.z version, optionally a release candidate. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Release candidate number: 1.4.0-rc.2 → 2 (a release candidate sorts before its release). */
  rc?: number;
}

/** Finds the first x.y.z (optionally -rc.N / -rcN) in a version text; undefined when there is none. */
export function parseVersion(text: string | undefined): Version | undefined {
  if (!text) return undefined;
  const m = /(\d+)\.(\d+)\.(\d+)(?:-rc\.?(\d+))?/.exec(text);
  if (!m) return undefined;
  const v: Version = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
  if (m[4] !== undefined) v.rc = Number(m[4]);
  return v;
}

/** The version as x.y.z (or x.y.z-rc.N). */
export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.rc !== undefined ? `-rc.${v.rc}` : ''}`;
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d) return d;
  if (a.rc === b.rc) return 0;
  if (a.rc === undefined) return 1;
  if (b.rc === undefined) return -1;
  return a.rc - b.rc;
}

/** One runc advisory: its CVEs and the first fixed version of each release line. */
export interface RuncAdvisory {
  cves: string[];
  /** First fixed version of each release line (major.minor); a line below every listed one has no fix. */
  fixedIn: string[];
}

/** The runc container-escape advisories doctor knows about. */
export const RUNC_ADVISORIES: readonly RuncAdvisory[] = [
  { cves: ['CVE-2024-21626'], fixedIn: ['1.1.12'] },
  { cves: ['CVE-2025-31133', 'CVE-2025-52565', 'CVE-2025-52881'], fixedIn: ['1.2.8', '1.3.3', '1.4.0-rc.2'] },
];

/** True when `v` is affected: below the fix of its own line, or on a line older than every fixed one.
 *  Lines newer than every fixed one are not affected. */
export function isAffected(v: Version, fixedIn: readonly string[]): boolean {
  const fixes = fixedIn.map((f) => parseVersion(f)!).sort(compareVersions);
  const sameLine = fixes.find((f) => f.major === v.major && f.minor === v.minor);
  if (sameLine) return compareVersions(v, sameLine) < 0;
  const lowest = fixes[0]!;
  return compareVersions(v, { major: lowest.major, minor: lowest.minor, patch: 0, rc: 0 }) < 0;
}

/** The CVEs a runc version is affected by (empty when none). */
export function runcCves(v: Version): string[] {
  return RUNC_ADVISORIES.filter((a) => isAffected(v, a.fixedIn)).flatMap((a) => a.cves);
}

/** The CVE ids a package changelog names (upper-cased, unique, sorted). */
export function changelogCves(text: string): string[] {
  return [...new Set([...text.matchAll(/\bCVE-(\d{4})-(\d{4,})\b/gi)].map((m) => `CVE-${m[1]}-${m[2]}`))].sort();
}

/** The upstream part of a runtime's version text: "runc version 1.1.5+ds1\ncommit: …" → "1.1.5+ds1". */
export function upstreamVersionText(text: string): string {
  const first = text.trim().split('\n')[0] ?? '';
  return first.replace(/^\s*[a-z][a-z0-9-]* version\s+/i, '').trim().split(/\s+/)[0]?.replace(/^v/, '') ?? '';
}

/** True when a version text looks like a distribution's build (Debian's +ds/+dfsg repacks, deb/ubuntu
 *  revisions, Fedora/RHEL release tags): such a package may carry fixes under an older version. */
export function looksLikeDistributionBuild(text: string): boolean {
  return /\+(ds|dfsg)\d*|[~+.-](deb|ubuntu)\d|\.(el|fc|amzn)\d|\.module[+_]/i.test(text);
}
