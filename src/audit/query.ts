// Reads the audit log back for `shim log`: the rotated files oldest first, then audit.jsonl, filtered
// by tool and start time. Lines that are not a complete record (a torn write, hand edits) are skipped
// and counted, never fatal.
import fs from 'node:fs';
import { UsageError } from '../errors.js';
import { auditLogPath, rotatedAuditLogPath } from './log.js';
import type { AuditEgress, AuditMount, AuditRecord } from './record.js';

export interface AuditFilter {
  /** Only runs of this tool (its configured name). */
  tool?: string;
  /** Only runs that started at or after this time. */
  since?: Date;
}

export interface AuditReadResult {
  /** Matching records, oldest file first and in file order within a file. */
  records: AuditRecord[];
  /** Records in the log before filtering. */
  total: number;
  /** Lines skipped because they are not a valid record (blank lines are not counted). */
  malformed: number;
  /** Log files that exist but could not be read, with the reason. */
  unreadable: { file: string; reason: string }[];
}

/** Existing log files, oldest first: audit.<n>.jsonl with the highest n first, then audit.jsonl. */
export function auditLogFiles(stateDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(stateDir);
  } catch {
    return [];
  }
  const rotated = names
    .map((name) => /^audit\.([1-9]\d*)\.jsonl$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a)
    .map((n) => rotatedAuditLogPath(stateDir, n));
  return names.includes('audit.jsonl') ? [...rotated, auditLogPath(stateDir)] : rotated;
}

/** Reads every log file and returns the records that pass `filter`. Never throws for file content. */
export function readAudit(stateDir: string, filter: AuditFilter = {}): AuditReadResult {
  const result: AuditReadResult = { records: [], total: 0, malformed: 0, unreadable: [] };
  const sinceMs = filter.since?.getTime();
  for (const file of auditLogFiles(stateDir)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT') result.unreadable.push({ file, reason: err.message });
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const record = parseAuditLine(line);
      if (!record) {
        result.malformed++;
        continue;
      }
      result.total++;
      if (filter.tool !== undefined && record.tool !== filter.tool) continue;
      if (sinceMs !== undefined && Date.parse(record.time) < sinceMs) continue;
      result.records.push(record);
    }
  }
  return result;
}

/** Parses one line; undefined unless it is a complete AuditRecord. Keys come back in AuditRecord order. */
export function parseAuditLine(line: string): AuditRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  const ok =
    isString(v.time) &&
    !Number.isNaN(Date.parse(v.time)) &&
    isString(v.tool) &&
    isString(v.spec) &&
    isString(v.version) &&
    (v.runtime === 'podman' || v.runtime === 'docker') &&
    (v.via === 'cli' || v.via === 'link' || v.via === 'mcp' || v.via === 'web') &&
    isString(v.policyHash) &&
    isString(v.cwd) &&
    Array.isArray(v.mounts) &&
    v.mounts.every(isMount) &&
    Array.isArray(v.env) &&
    v.env.every(isString) &&
    (v.network === 'none' || v.network === 'bridge' || v.network === 'allowlist') &&
    Array.isArray(v.egress) &&
    v.egress.every(isEgress) &&
    isNumber(v.exitCode) &&
    (v.signal === null || isString(v.signal)) &&
    isNumber(v.durationMs) &&
    Array.isArray(v.limitsHit) &&
    v.limitsHit.every(isString);
  if (!ok) return undefined;
  const r = v as unknown as AuditRecord;
  return {
    time: r.time,
    tool: r.tool,
    spec: r.spec,
    version: r.version,
    runtime: r.runtime,
    via: r.via,
    policyHash: r.policyHash,
    cwd: r.cwd,
    mounts: r.mounts.map((m) => ({ src: m.src, dst: m.dst, mode: m.mode })),
    env: r.env,
    network: r.network,
    egress: r.egress.map(parseEgress),
    exitCode: r.exitCode,
    signal: r.signal,
    durationMs: r.durationMs,
    limitsHit: r.limitsHit,
    ...(isObject(r.warm) && isString(r.warm.container) && typeof r.warm.started === 'boolean' ? { warm: { container: r.warm.container, started: r.warm.started } } : {}),
    ...(isString(r.runId) ? { runId: r.runId } : {}),
    ...(Array.isArray(r.snapshots) && r.snapshots.every(isString) ? { snapshots: r.snapshots } : {}),
    ...(Array.isArray(r.warnings) && r.warnings.every(isString) ? { warnings: r.warnings } : {}),
    ...(isObject(r.session) && isString(r.session.name) && isString(r.session.event) ? { session: { name: r.session.name, event: r.session.event } } : {}),
    ...(isObject(r.action) && isString(r.action.name) && isString(r.action.target) && typeof r.action.ok === 'boolean'
      ? { action: { name: r.action.name, target: r.action.target, ok: r.action.ok, ...(isString(r.action.error) ? { error: r.action.error } : {}) } }
      : {}),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isString(v: unknown): v is string {
  return typeof v === 'string';
}
function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isMount(v: unknown): v is AuditMount {
  return isObject(v) && isString(v.src) && isString(v.dst) && (v.mode === 'ro' || v.mode === 'rw');
}
function isEgress(v: unknown): v is AuditEgress {
  return isObject(v) && isString(v.host) && isNumber(v.port) && (v.action === 'allow' || v.action === 'deny' || v.action === 'fail') && isNumber(v.bytesUp) && isNumber(v.bytesDown);
}
/** One egress entry with its optional fields kept only when well-formed. */
function parseEgress(e: AuditEgress): AuditEgress {
  return {
    host: e.host,
    port: e.port,
    action: e.action,
    ...(isNumber(e.requests) ? { requests: e.requests } : {}),
    bytesUp: e.bytesUp,
    bytesDown: e.bytesDown,
    ...(Array.isArray(e.credentials) && e.credentials.every(isString) ? { credentials: e.credentials } : {}),
    ...(isString(e.reason) ? { reason: e.reason } : {}),
    ...(isString(e.failure) ? { failure: e.failure } : {}),
    ...(isNumber(e.redactions) ? { redactions: e.redactions } : {}),
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SINCE_HINT = 'use a duration such as 30s, 15m, 1h, 2d or 1w, or an ISO date/time such as 2026-11-23 or 2026-11-23T17:00:00Z';

/**
 * Parses `--since`: a duration before `now` (30s, 15m, 1h, 2d, 1w) or an ISO 8601 date or date-time
 * (a date alone is midnight UTC; a date-time without an offset is local time, as in JavaScript).
 * Throws a UsageError for anything else.
 */
export function parseSince(text: string, now: Date = new Date()): Date {
  const value = text.trim();
  const duration = /^(\d+)\s*([smhdw])$/i.exec(value);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2]!.toLowerCase()]!;
    const at = new Date(now.getTime() - ms);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--since ${text}: the duration is too long`, SINCE_HINT);
    return at;
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value);
  if (iso) {
    const [, y, mo, d, h, mi, s] = iso;
    const at = new Date(Date.parse(value.replace(' ', 'T')));
    // Date.parse rolls some impossible dates over (2026-02-30 → March 2); insist on the calendar date
    // and clock time as written (checked on a date built from the same fields in UTC).
    const fields = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)));
    const valid =
      !Number.isNaN(at.getTime()) &&
      fields.getUTCFullYear() === Number(y) &&
      fields.getUTCMonth() === Number(mo) - 1 &&
      fields.getUTCDate() === Number(d) &&
      fields.getUTCHours() === Number(h ?? 0) &&
      fields.getUTCMinutes() === Number(mi ?? 0) &&
      fields.getUTCSeconds() === Number(s ?? 0);
    if (valid) return at;
    throw new UsageError(`--since ${text}: not a valid date or time`, SINCE_HINT);
  }
  throw new UsageError(`--since ${text}: not a duration or an ISO date`, SINCE_HINT);
}
