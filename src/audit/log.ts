// Appends audit records to $XDG_STATE_HOME/shim/audit.jsonl. Writing must never make a run fail.
import fs from 'node:fs';
import path from 'node:path';
import type { AuditRecord } from './record.js';

export function auditLogPath(stateDir: string): string {
  return path.join(stateDir, 'audit.jsonl');
}

/** Appends one record; on any error calls `warn` once and returns (the run's outcome is unaffected). */
export function appendAudit(stateDir: string, record: AuditRecord, warn: (message: string) => void): void {
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.appendFileSync(auditLogPath(stateDir), `${JSON.stringify(record)}\n`);
  } catch (e) {
    warn(`could not write the audit log (${(e as Error).message}); the run itself is not affected`);
  }
}
