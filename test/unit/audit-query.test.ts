// Reading the audit log back: file order across rotations, filters, malformed lines, --since parsing.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendAudit, auditLogPath, rotatedAuditLogPath } from '../../src/audit/log.js';
import { auditLogFiles, parseAuditLine, parseSince, readAudit } from '../../src/audit/query.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { makeAuditRecord } from './audit-fixtures.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

const root = tempDir('shim-audit-query-');
let counter = 0;
const stateDir = () => {
  const dir = path.join(root, `s${++counter}`, 'shim');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};

const record = makeAuditRecord;

const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? `${r}\n` : `${JSON.stringify(r)}\n`)).join('');
const noWarn = () => {
  throw new Error('warn must not be called');
};

describe('auditLogFiles and readAudit', () => {
  it('an absent state dir or log reads as empty', () => {
    expect(readAudit(path.join(root, 'nowhere'))).toEqual({ records: [], total: 0, malformed: 0, unreadable: [] });
    expect(readAudit(stateDir())).toEqual({ records: [], total: 0, malformed: 0, unreadable: [] });
  });

  it('reads rotated files oldest first (highest number first), then audit.jsonl', () => {
    const dir = stateDir();
    fs.writeFileSync(auditLogPath(dir), jsonl(record({ tool: 'newest' })));
    fs.writeFileSync(rotatedAuditLogPath(dir, 1), jsonl(record({ tool: 'r1a' }), record({ tool: 'r1b' })));
    fs.writeFileSync(rotatedAuditLogPath(dir, 2), jsonl(record({ tool: 'r2' })));
    fs.writeFileSync(rotatedAuditLogPath(dir, 10), jsonl(record({ tool: 'r10' })));
    fs.writeFileSync(path.join(dir, 'audit.x.jsonl'), jsonl(record({ tool: 'ignored' })));
    fs.writeFileSync(path.join(dir, 'audit.0.jsonl'), jsonl(record({ tool: 'ignored' })));
    expect(auditLogFiles(dir)).toEqual([rotatedAuditLogPath(dir, 10), rotatedAuditLogPath(dir, 2), rotatedAuditLogPath(dir, 1), auditLogPath(dir)]);
    expect(readAudit(dir).records.map((r) => r.tool)).toEqual(['r10', 'r2', 'r1a', 'r1b', 'newest']);
  });

  it('reads back what appendAudit wrote across rotations', () => {
    const dir = stateDir();
    for (const t of ['a', 'b', 'c', 'd']) appendAudit(dir, record({ tool: t }), noWarn, { maxBytes: 1 });
    expect(readAudit(dir).records.map((r) => r.tool)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('skips malformed lines silently and counts them; blank lines are not counted', () => {
    const dir = stateDir();
    const { exitCode: _dropped, ...missingExit } = record({ tool: 'missing' });
    fs.writeFileSync(
      auditLogPath(dir),
      jsonl(
        record({ tool: 'ok1' }),
        '{"time": "2026-11-23T17:00:00Z", "tool": "torn", "spe',
        'not json at all',
        '[1, 2, 3]',
        'null',
        missingExit,
        record({ tool: 'badtime', time: 'yesterday' }),
        record({ tool: 'badnet', network: 'host' as AuditRecord['network'] }),
        record({ tool: 'badmount', mounts: [{ src: '/a', dst: '/b', mode: 'rx' as 'ro' }] }),
        record({ tool: 'envvalues', env: [{ NAME: 'secret' }] as unknown as string[] }),
        '',
        '   ',
        record({ tool: 'ok2' }),
      ),
    );
    const result = readAudit(dir);
    expect(result.records.map((r) => r.tool)).toEqual(['ok1', 'ok2']);
    expect(result.malformed).toBe(9);
    expect(result.total).toBe(2);
  });

  it('a last line without its newline still counts when complete', () => {
    const dir = stateDir();
    fs.writeFileSync(auditLogPath(dir), jsonl(record({ tool: 'a' })) + JSON.stringify(record({ tool: 'b' })));
    expect(readAudit(dir).records.map((r) => r.tool)).toEqual(['a', 'b']);
  });

  it('filters by tool name exactly', () => {
    const dir = stateDir();
    fs.writeFileSync(auditLogPath(dir), jsonl(record({ tool: 'eslint' }), record({ tool: 'prettier' }), record({ tool: 'eslint', exitCode: 1 }), record({ tool: 'eslint-extra' })));
    const result = readAudit(dir, { tool: 'eslint' });
    expect(result.records.map((r) => [r.tool, r.exitCode])).toEqual([
      ['eslint', 0],
      ['eslint', 1],
    ]);
    expect(result.total).toBe(4);
  });

  it('filters by start time, inclusive, and combines with the tool filter', () => {
    const dir = stateDir();
    fs.writeFileSync(
      auditLogPath(dir),
      jsonl(
        record({ tool: 'eslint', time: '2026-11-23T16:59:59.999Z' }),
        record({ tool: 'eslint', time: '2026-11-23T17:00:00.000Z' }),
        record({ tool: 'prettier', time: '2026-11-23T18:00:00.000Z' }),
        record({ tool: 'eslint', time: '2026-11-23T19:00:00+01:00' }),
      ),
    );
    const since = new Date('2026-11-23T17:00:00Z');
    expect(readAudit(dir, { since }).records.map((r) => r.time)).toEqual(['2026-11-23T17:00:00.000Z', '2026-11-23T18:00:00.000Z', '2026-11-23T19:00:00+01:00']);
    expect(readAudit(dir, { since, tool: 'eslint' }).records.map((r) => r.time)).toEqual(['2026-11-23T17:00:00.000Z', '2026-11-23T19:00:00+01:00']);
    expect(readAudit(dir, { since: new Date('2026-11-23T18:00:01Z') }).records).toEqual([]);
  });

  it('reports a log file it cannot read and still reads the others', () => {
    const dir = stateDir();
    fs.writeFileSync(auditLogPath(dir), jsonl(record({ tool: 'ok' })));
    fs.mkdirSync(rotatedAuditLogPath(dir, 1));
    const result = readAudit(dir);
    expect(result.records.map((r) => r.tool)).toEqual(['ok']);
    expect(result.unreadable).toEqual([{ file: rotatedAuditLogPath(dir, 1), reason: expect.stringContaining('EISDIR') }]);
  });
});

describe('parseAuditLine', () => {
  it('returns the record with AuditRecord keys in a stable order, dropping unknown keys', () => {
    const r = record({ egress: [{ host: 'registry.npmjs.org', port: 443, action: 'allow', bytesUp: 1, bytesDown: 2 }] });
    const shuffled = Object.fromEntries(Object.entries({ extra: 1, ...r }).reverse());
    const parsed = parseAuditLine(JSON.stringify(shuffled));
    expect(parsed).toEqual(r);
    expect(Object.keys(parsed!)).toEqual(Object.keys(record()));
  });

  it('rejects a bad egress entry and a non-numeric exit code', () => {
    expect(parseAuditLine(JSON.stringify(record({ egress: [{ host: 'x', port: '443' }] as unknown as AuditRecord['egress'] })))).toBeUndefined();
    expect(parseAuditLine(JSON.stringify({ ...record(), exitCode: '0' }))).toBeUndefined();
    expect(parseAuditLine(JSON.stringify({ ...record(), signal: 15 }))).toBeUndefined();
  });

  it('reads back a "fail" entry with its reason and kind, and redactions; drops ill-typed optional fields (control: an unknown action is rejected)', () => {
    const fail = { host: 'api.example.com', port: 443, action: 'fail', requests: 2, bytesUp: 0, bytesDown: 0, reason: 'does not resolve', failure: 'resolve' };
    const allow = { host: 'api.example.com', port: 8443, action: 'allow', bytesUp: 5, bytesDown: 9, redactions: 3, reason: 7 };
    const parsed = parseAuditLine(JSON.stringify(record({ egress: [fail, allow] as AuditRecord['egress'] })));
    expect(parsed?.egress).toEqual([fail, { host: 'api.example.com', port: 8443, action: 'allow', bytesUp: 5, bytesDown: 9, redactions: 3 }]);
    expect(parseAuditLine(JSON.stringify(record({ egress: [{ ...fail, action: 'maybe' }] as unknown as AuditRecord['egress'] })))).toBeUndefined();
  });
});

describe('parseSince', () => {
  const now = new Date('2026-11-23T17:00:00.000Z');

  it.each([
    ['30s', '2026-11-23T16:59:30.000Z'],
    ['15m', '2026-11-23T16:45:00.000Z'],
    ['1h', '2026-11-23T16:00:00.000Z'],
    ['36h', '2026-11-22T05:00:00.000Z'],
    ['2d', '2026-11-21T17:00:00.000Z'],
    ['1w', '2026-11-16T17:00:00.000Z'],
    ['0s', '2026-11-23T17:00:00.000Z'],
    [' 1H ', '2026-11-23T16:00:00.000Z'],
    ['2026-11-20', '2026-11-20T00:00:00.000Z'],
    ['2026-11-20T08:30Z', '2026-11-20T08:30:00.000Z'],
    ['2026-11-20T08:30:15Z', '2026-11-20T08:30:15.000Z'],
    ['2026-11-20T08:30:15.250Z', '2026-11-20T08:30:15.250Z'],
    ['2026-11-20T08:30:00+02:00', '2026-11-20T06:30:00.000Z'],
    ['2026-11-20 08:30:00Z', '2026-11-20T08:30:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%j → %s', (input, expected) => {
    expect(parseSince(input, now).toISOString()).toBe(expected);
  });

  it('a date-time without an offset is local time', () => {
    expect(parseSince('2026-11-20T08:30', now).getTime()).toBe(new Date(2026, 10, 20, 8, 30).getTime());
  });

  it('defaults `now` to the current time', () => {
    const before = Date.now();
    const at = parseSince('1h').getTime();
    expect(at).toBeGreaterThanOrEqual(before - 3_600_000);
    expect(at).toBeLessThanOrEqual(Date.now() - 3_600_000);
  });

  it.each(['', 'h', '1', '1y', '1.5h', '-1h', '1 hour', 'yesterday', '2026-02-30', '2025-02-29', '2026-13-01', '2026-11-20T25:00Z', '2026-11-20T24:00', '2026-11-20T08:60Z', '2026/11/20', '20261120', '2026-11-20T08'])(
    '%j is a UsageError with a hint',
    (input) => {
      let error: unknown;
      try {
        parseSince(input, now);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).message).toContain('--since');
      expect((error as UsageError).hint).toMatch(/30s.*15m.*1h.*2d.*1w.*2026-11-23/);
    },
  );

  it('a duration too long for a date is a UsageError', () => {
    expect(() => parseSince('99999999999999w', now)).toThrow(UsageError);
  });
});
