// Appends audit records to $XDG_STATE_HOME/shim/audit.jsonl, one JSON line per run. The file is
// size-capped: before a line would push it past the cap it is renamed to audit.1.jsonl (audit.1 to
// audit.2, and so on; the oldest beyond `keep` is dropped). Writing must never make a run fail.
//
// Concurrent runs append to the same file. Each line goes out in a single appendFileSync (O_APPEND, one
// write), so lines never interleave; two runs rotating at once may rotate twice or put a line in the
// "wrong" generation, which only costs rotation precision.
import fs from 'node:fs';
import path from 'node:path';
import type { AuditRecord } from './record.js';

export const AUDIT_MAX_BYTES = 5 * 1024 * 1024;
export const AUDIT_KEEP = 3;

export interface AuditLogOptions {
  /** Size cap of audit.jsonl in bytes (default 5 MiB). */
  maxBytes?: number;
  /** Rotated files kept: audit.1.jsonl (newest) … audit.<keep>.jsonl (oldest); default 3, 0 keeps none. */
  keep?: number;
}

export function auditLogPath(stateDir: string): string {
  return path.join(stateDir, 'audit.jsonl');
}

/** The n-th rotated file (1 is the newest). */
export function rotatedAuditLogPath(stateDir: string, n: number): string {
  return path.join(stateDir, `audit.${n}.jsonl`);
}

/**
 * Appends one record, rotating first when the line would take the file past the cap. Never throws: on
 * any error it calls `warn` once and returns (the run's outcome is unaffected). A record is never split
 * or dropped for its size: a line larger than the cap starts a fresh file on its own.
 */
export function appendAudit(stateDir: string, record: AuditRecord, warn: (message: string) => void, options: AuditLogOptions = {}): void {
  try {
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    const maxBytes = positiveOr(options.maxBytes, AUDIT_MAX_BYTES);
    const keep = Math.floor(nonNegativeOr(options.keep, AUDIT_KEEP));
    fs.mkdirSync(stateDir, { recursive: true });
    const file = auditLogPath(stateDir);
    let rotationProblem: string | undefined;
    const size = fileSize(file);
    if (size > 0 && size + line.length > maxBytes) {
      try {
        rotate(stateDir, keep);
      } catch (e) {
        rotationProblem = (e as Error).message;
      }
    }
    fs.appendFileSync(file, line, { mode: 0o600 });
    if (rotationProblem) warn(`could not rotate the audit log (${rotationProblem}); it may grow past its size cap`);
  } catch (e) {
    warn(`could not write the audit log (${(e as Error).message}); the run itself is not affected`);
  }
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function nonNegativeOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

// Shifts audit.<n>.jsonl up by one, oldest first, then moves audit.jsonl to audit.1.jsonl. A file that
// vanished meanwhile (another run rotated first) is not an error.
function rotate(stateDir: string, keep: number): void {
  const current = auditLogPath(stateDir);
  if (keep === 0) {
    ignoreMissing(() => fs.unlinkSync(current));
    return;
  }
  ignoreMissing(() => fs.unlinkSync(rotatedAuditLogPath(stateDir, keep)));
  for (let n = keep - 1; n >= 1; n--) {
    const from = rotatedAuditLogPath(stateDir, n);
    ignoreMissing(() => fs.renameSync(from, rotatedAuditLogPath(stateDir, n + 1)));
  }
  ignoreMissing(() => fs.renameSync(current, rotatedAuditLogPath(stateDir, 1)));
}

function ignoreMissing(action: () => void): void {
  try {
    action();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
