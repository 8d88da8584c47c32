// appendAudit: one JSON line per run, size cap with rotation, concurrent appenders, and never a throw.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_MAX_BYTES, appendAudit, auditLogPath, rotatedAuditLogPath } from '../../src/audit/log.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { makeAuditRecord } from './audit-fixtures.js';
import { tempDir } from './tmp.js';

const root = tempDir('shim-audit-log-');
let counter = 0;
/** A fresh state dir (not created yet: appendAudit must create it). */
const stateDir = () => path.join(root, `s${++counter}`, 'shim');

const record = makeAuditRecord;

const lineBytes = (r: AuditRecord) => Buffer.byteLength(`${JSON.stringify(r)}\n`);
const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const tools = (file: string) => lines(file).map((l) => (JSON.parse(l) as AuditRecord).tool);
const noWarn = () => {
  throw new Error('warn must not be called');
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('appendAudit', () => {
  it('creates the state dir and appends one JSON line per record, in order', () => {
    const dir = stateDir();
    appendAudit(dir, record({ tool: 'eslint' }), noWarn);
    appendAudit(dir, record({ tool: 'prettier', env: ['A', 'B'], signal: 'SIGTERM', exitCode: 143 }), noWarn);
    const file = auditLogPath(dir);
    expect(file).toBe(path.join(dir, 'audit.jsonl'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const parsed = lines(file).map((l) => JSON.parse(l) as AuditRecord);
    expect(parsed).toEqual([record({ tool: 'eslint' }), record({ tool: 'prettier', env: ['A', 'B'], signal: 'SIGTERM', exitCode: 143 })]);
  });

  it('creates the log readable by its owner only', () => {
    const dir = stateDir();
    appendAudit(dir, record(), noWarn);
    expect(fs.statSync(auditLogPath(dir)).mode & 0o777).toBe(0o600);
  });

  it('writes each line with a single appendFileSync of the whole line (concurrent appenders cannot interleave)', () => {
    const dir = stateDir();
    const spy = vi.spyOn(fs, 'appendFileSync');
    const r = record({ cwd: '/x'.repeat(5000) });
    appendAudit(dir, r, noWarn);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(String(spy.mock.calls[0]![1])).toBe(`${JSON.stringify(r)}\n`);
  });

  it('rotates audit.jsonl to audit.1.jsonl before a line would take it past maxBytes', () => {
    const dir = stateDir();
    const size = lineBytes(record({ tool: 't1' }));
    const opts = { maxBytes: size * 2 + size / 2 };
    for (const t of ['t1', 't2', 't3']) appendAudit(dir, record({ tool: t }), noWarn, opts);
    expect(tools(rotatedAuditLogPath(dir, 1))).toEqual(['t1', 't2']);
    expect(tools(auditLogPath(dir))).toEqual(['t3']);
  });

  it('does not rotate when the line fits exactly at the cap', () => {
    const dir = stateDir();
    const size = lineBytes(record({ tool: 't1' }));
    for (const t of ['t1', 't2']) appendAudit(dir, record({ tool: t }), noWarn, { maxBytes: size * 2 });
    expect(tools(auditLogPath(dir))).toEqual(['t1', 't2']);
    expect(fs.existsSync(rotatedAuditLogPath(dir, 1))).toBe(false);
  });

  it('keeps at most `keep` rotated files, newest in audit.1.jsonl, dropping the oldest', () => {
    const dir = stateDir();
    const opts = { maxBytes: 1, keep: 2 };
    for (const t of ['t1', 't2', 't3', 't4', 't5']) appendAudit(dir, record({ tool: t }), noWarn, opts);
    expect(tools(auditLogPath(dir))).toEqual(['t5']);
    expect(tools(rotatedAuditLogPath(dir, 1))).toEqual(['t4']);
    expect(tools(rotatedAuditLogPath(dir, 2))).toEqual(['t3']);
    expect(fs.readdirSync(dir).sort()).toEqual(['audit.1.jsonl', 'audit.2.jsonl', 'audit.jsonl']);
  });

  it('keeps 3 rotated files by default', () => {
    const dir = stateDir();
    for (let i = 1; i <= 6; i++) appendAudit(dir, record({ tool: `t${i}` }), noWarn, { maxBytes: 1 });
    expect(fs.readdirSync(dir).sort()).toEqual(['audit.1.jsonl', 'audit.2.jsonl', 'audit.3.jsonl', 'audit.jsonl']);
    expect(tools(rotatedAuditLogPath(dir, 3))).toEqual(['t3']);
  });

  it('keep 0 starts over without keeping the old file', () => {
    const dir = stateDir();
    for (const t of ['t1', 't2', 't3']) appendAudit(dir, record({ tool: t }), noWarn, { maxBytes: 1, keep: 0 });
    expect(fs.readdirSync(dir)).toEqual(['audit.jsonl']);
    expect(tools(auditLogPath(dir))).toEqual(['t3']);
  });

  it('never splits or drops a line larger than the cap: it goes whole into a fresh file', () => {
    const dir = stateDir();
    const big = record({ tool: 'big', cwd: `/${'d'.repeat(500)}` });
    const opts = { maxBytes: 100 };
    appendAudit(dir, big, noWarn, opts);
    expect(tools(auditLogPath(dir))).toEqual(['big']);
    appendAudit(dir, record({ tool: 'next' }), noWarn, opts);
    expect(tools(rotatedAuditLogPath(dir, 1))).toEqual(['big']);
    expect(tools(auditLogPath(dir))).toEqual(['next']);
  });

  it('caps the file at 5 MiB by default', () => {
    const dir = stateDir();
    fs.mkdirSync(dir, { recursive: true });
    const r = record({ tool: 'after' });
    // old content exactly one byte short of leaving room for the new line
    const filler = `${'x'.repeat(AUDIT_MAX_BYTES - lineBytes(r))}\n`;
    fs.writeFileSync(auditLogPath(dir), filler);
    appendAudit(dir, r, noWarn);
    expect(AUDIT_MAX_BYTES).toBe(5 * 1024 * 1024);
    expect(fs.statSync(rotatedAuditLogPath(dir, 1)).size).toBe(filler.length);
    expect(tools(auditLogPath(dir))).toEqual(['after']);
  });

  it('ignores nonsensical options and falls back to the defaults', () => {
    const dir = stateDir();
    for (const t of ['t1', 't2']) appendAudit(dir, record({ tool: t }), noWarn, { maxBytes: -5, keep: Number.NaN });
    expect(tools(auditLogPath(dir))).toEqual(['t1', 't2']);
  });
});

describe('appendAudit never throws', () => {
  it('warns once when the state dir is a regular file', () => {
    const parent = path.join(root, `f${++counter}`);
    fs.mkdirSync(parent);
    const dir = path.join(parent, 'shim');
    fs.writeFileSync(dir, 'not a dir');
    const warn = vi.fn();
    expect(() => appendAudit(dir, record(), warn)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/could not write the audit log .*the run itself is not affected/);
    expect(fs.readFileSync(dir, 'utf8')).toBe('not a dir');
  });

  it('warns once when audit.jsonl is a directory', () => {
    const dir = stateDir();
    fs.mkdirSync(auditLogPath(dir), { recursive: true });
    const warn = vi.fn();
    expect(() => appendAudit(dir, record(), warn)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('a full disk (ENOSPC) gives exactly one warning naming the cause', () => {
    const dir = stateDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync('/dev/full', auditLogPath(dir));
    const warn = vi.fn();
    expect(() => appendAudit(dir, record(), warn)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain('ENOSPC');
  });

  it('when rotation fails it still appends the line intact and warns once', () => {
    const dir = stateDir();
    const opts = { maxBytes: 1 };
    appendAudit(dir, record({ tool: 't1' }), noWarn, opts);
    // the oldest slot (keep 3) is a non-empty directory: dropping it fails
    fs.mkdirSync(path.join(rotatedAuditLogPath(dir, 3), 'x'), { recursive: true });
    const warn = vi.fn();
    expect(() => appendAudit(dir, record({ tool: 't2' }), warn, opts)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/could not rotate the audit log/);
    expect(tools(auditLogPath(dir))).toEqual(['t1', 't2']);
  });

  it('a record that cannot be serialised only warns', () => {
    const dir = stateDir();
    const warn = vi.fn();
    const bad = record() as AuditRecord & { self?: unknown };
    bad.self = bad;
    expect(() => appendAudit(dir, bad, warn)).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(fs.existsSync(auditLogPath(dir))).toBe(false);
  });
});

describe('concurrent appenders (separate processes)', () => {
  const WORKERS = 4;
  const PER_WORKER = 150;

  /** Bundles src/audit/log.ts and a small driver into one .mjs that appends PER_WORKER records. */
  function buildDriver(): string {
    const dir = path.join(root, `driver${++counter}`);
    fs.mkdirSync(dir);
    const entry = path.join(dir, 'driver.ts');
    fs.writeFileSync(
      entry,
      `import { appendAudit } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/audit/log.ts'))};
const [stateDir, worker, count, maxBytes] = process.argv.slice(2);
const base = JSON.parse(process.env.RECORD);
for (let i = 0; i < Number(count); i++) {
  appendAudit(stateDir, { ...base, tool: 'w' + worker, exitCode: i }, (m) => { console.error(m); process.exitCode = 1; }, { maxBytes: Number(maxBytes), keep: 100 });
}
`,
    );
    const out = path.join(dir, 'driver.mjs');
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent' });
    return out;
  }

  function runWorkers(driver: string, dir: string, maxBytes: number): Promise<number[]> {
    // a long cwd makes each line several KiB, so a torn or interleaved write would show
    const env = { ...process.env, RECORD: JSON.stringify(record({ cwd: `/${'p'.repeat(6000)}` })) };
    return Promise.all(
      Array.from(
        { length: WORKERS },
        (_, w) =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(process.execPath, [driver, dir, String(w), String(PER_WORKER), String(maxBytes)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
            child.on('error', reject);
            child.on('exit', (code) => resolve(code ?? -1));
          }),
      ),
    );
  }

  function allLines(dir: string): string[] {
    return fs
      .readdirSync(dir)
      .filter((n) => /^audit(\.\d+)?\.jsonl$/.test(n))
      .flatMap((n) => fs.readFileSync(path.join(dir, n), 'utf8').split('\n'))
      .filter((l) => l !== '');
  }

  it('without rotation every record arrives as one intact line', async () => {
    const dir = stateDir();
    const codes = await runWorkers(buildDriver(), dir, AUDIT_MAX_BYTES * 100);
    expect(codes).toEqual(Array(WORKERS).fill(0));
    const parsed = allLines(dir).map((l) => JSON.parse(l) as AuditRecord);
    expect(parsed).toHaveLength(WORKERS * PER_WORKER);
    for (let w = 0; w < WORKERS; w++) {
      // each worker's own records stay in the order it wrote them
      expect(parsed.filter((r) => r.tool === `w${w}`).map((r) => r.exitCode)).toEqual(Array.from({ length: PER_WORKER }, (_, i) => i));
    }
  });

  it('while rotating concurrently, every line in every file is still intact', async () => {
    const dir = stateDir();
    const codes = await runWorkers(buildDriver(), dir, 64 * 1024);
    expect(codes).toEqual(Array(WORKERS).fill(0));
    const all = allLines(dir);
    expect(all.length).toBeGreaterThan(0);
    expect(all.length).toBeLessThanOrEqual(WORKERS * PER_WORKER);
    for (const line of all) expect(() => JSON.parse(line)).not.toThrow();
    expect(fs.readdirSync(dir).length).toBeGreaterThan(1);
  });
});
