// `shim log` in-process: createApp with a HostEnv built here and a reporter writing into a buffer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app/with-config-files.js';
import { appendAudit, auditLogPath } from '../../src/audit/log.js';
import type { AuditRecord } from '../../src/audit/record.js';
import { makeAuditRecord } from './audit-fixtures.js';
import { formatDuration, formatRuns, formatTime, logCommand } from '../../src/commands/log.js';
import { UsageError } from '../../src/errors.js';
import { createReporter } from '../../src/report.js';
import { makeHost } from './fixtures.js';

const REPO = path.resolve(import.meta.dirname, '../..');

interface Harness {
  app: App;
  out: () => string;
  err: () => string;
  stateDir: string;
  write(...records: AuditRecord[]): void;
}

function harness(): Harness {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-log-cmd-')));
  onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
  const host = makeHost(
    { cwd: root, home: root, arch: process.arch, shimEntry: path.join(REPO, 'bin', 'shim.js'), packageRoot: REPO, node: { path: process.execPath, version: process.versions.node } },
    // an empty PATH: nothing here may ever reach a runtime
    { PATH: path.join(root, 'nothing'), XDG_CONFIG_HOME: path.join(root, 'config'), XDG_STATE_HOME: path.join(root, 'state'), XDG_CACHE_HOME: path.join(root, 'cache') },
  );
  let out = '';
  let err = '';
  const app = createApp(host, createReporter((t) => (err += t), 0), (t) => (out += t));
  const stateDir = path.join(root, 'state', 'shim');
  const write = (...records: AuditRecord[]) => {
    for (const r of records)
      appendAudit(stateDir, r, (m) => {
        throw new Error(m);
      });
  };
  return { app, out: () => out, err: () => err, stateDir, write };
}

const record = (overrides: Partial<AuditRecord> = {}): AuditRecord =>
  makeAuditRecord({ cwd: '/home/u/proj', mounts: [{ src: '/home/u/proj', dst: '/workspace', mode: 'rw' }], ...overrides });

/** `time` this many ms before now, as the writer would record it. */
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('logCommand', () => {
  it('uses app.paths.stateDir (XDG_STATE_HOME/shim)', () => {
    const h = harness();
    expect(h.app.paths.stateDir).toBe(h.stateDir);
  });

  it('prints one aligned line per run, oldest first, and returns 0', () => {
    const h = harness();
    h.write(
      record({ time: '2026-11-23T17:00:00.123Z' }),
      record({ time: '2026-11-23T17:05:00.000Z', tool: 'prettier', version: '3.3.3', exitCode: 1, durationMs: 65_000, network: 'bridge', cwd: '/home/u/other' }),
    );
    expect(logCommand(h.app, {})).toBe(0);
    expect(h.out()).toBe(
      '2026-11-23T17:00:00Z  eslint 9.12.0   exit 0   1.2s  none    /home/u/proj\n' + //
        '2026-11-23T17:05:00Z  prettier 3.3.3  exit 1  1m05s  bridge  /home/u/other\n',
    );
    expect(h.err()).toBe('');
  });

  it('shows the signal and the limits hit when present', () => {
    const h = harness();
    h.write(record(), record({ exitCode: 143, signal: 'SIGTERM', limitsHit: ['timeout', 'output'], durationMs: 300_000 }));
    logCommand(h.app, {});
    const [first, second] = h.out().split('\n');
    expect(second).toBe('2026-11-23T17:00:00Z  eslint 9.12.0  exit 143 (SIGTERM)  5m00s  none  limits: timeout,output  /home/u/proj');
    // the columns line up: cwd starts at the same offset on both lines
    expect(first!.indexOf('/home/u/proj')).toBe(second!.indexOf('/home/u/proj'));
    expect(first).not.toContain('limits');
  });

  it('--json prints a JSON array of the records with AuditRecord keys', () => {
    const h = harness();
    const records = [record(), record({ tool: 'prettier', egress: [{ host: 'registry.npmjs.org', port: 443, action: 'deny', bytesUp: 0, bytesDown: 0 }] })];
    h.write(...records);
    expect(logCommand(h.app, { json: true })).toBe(0);
    const parsed = JSON.parse(h.out()) as AuditRecord[];
    expect(parsed).toEqual(records);
    expect(Object.keys(parsed[0]!)).toEqual(Object.keys(record()));
    expect(h.err()).toBe('');
  });

  it('--tool keeps only that tool', () => {
    const h = harness();
    h.write(record({ tool: 'eslint' }), record({ tool: 'prettier', version: '3.3.3' }), record({ tool: 'eslint', exitCode: 2 }));
    logCommand(h.app, { tool: 'eslint', json: true });
    expect((JSON.parse(h.out()) as AuditRecord[]).map((r) => [r.tool, r.exitCode])).toEqual([
      ['eslint', 0],
      ['eslint', 2],
    ]);
  });

  it('--since keeps runs that started within the duration', () => {
    const h = harness();
    h.write(record({ tool: 'old', time: ago(3 * 3_600_000) }), record({ tool: 'recent', time: ago(10 * 60_000) }));
    logCommand(h.app, { since: '1h' });
    expect(h.out()).toContain(' recent 9.12.0 ');
    expect(h.out()).not.toContain(' old ');
    expect(h.out().split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('--since takes an ISO date', () => {
    const h = harness();
    h.write(record({ tool: 'before', time: '2026-11-22T23:59:59.000Z' }), record({ tool: 'after', time: '2026-11-23T00:00:00.000Z' }));
    logCommand(h.app, { since: '2026-11-23', json: true });
    expect((JSON.parse(h.out()) as AuditRecord[]).map((r) => r.tool)).toEqual(['after']);
  });

  it('an invalid --since is a UsageError (exit 2) with a hint, and prints nothing', () => {
    const h = harness();
    h.write(record());
    expect(() => logCommand(h.app, { since: 'last tuesday' })).toThrow(UsageError);
    try {
      logCommand(h.app, { since: '5 parsecs' });
    } catch (e) {
      expect(e).toMatchObject({ exitCode: 2, hint: expect.stringContaining('1h') });
    }
    expect(h.out()).toBe('');
  });

  it('an empty or absent log prints nothing on stdout and an info line naming the file', () => {
    const h = harness();
    expect(logCommand(h.app, {})).toBe(0);
    expect(h.out()).toBe('');
    expect(h.err()).toBe(`shim: no runs recorded yet in ${auditLogPath(h.stateDir)}\n`);
  });

  it('an empty log with --json prints an empty array (always valid JSON)', () => {
    const h = harness();
    expect(logCommand(h.app, { json: true })).toBe(0);
    expect(JSON.parse(h.out())).toEqual([]);
    expect(h.err()).toContain('no runs recorded yet');
  });

  it('when filters match nothing it says so and how many runs the log holds', () => {
    const h = harness();
    h.write(record(), record());
    expect(logCommand(h.app, { tool: 'prettier', since: '2026-01-01' })).toBe(0);
    expect(h.out()).toBe('');
    expect(h.err()).toBe('shim: no runs match --tool prettier --since 2026-01-01 (2 in the log)\n');
  });

  it('skips malformed lines with one warning and still lists the good ones', () => {
    const h = harness();
    h.write(record({ tool: 'good' }));
    fs.appendFileSync(auditLogPath(h.stateDir), '{"torn": \nnot json\n');
    expect(logCommand(h.app, {})).toBe(0);
    expect(h.out()).toContain(' good 9.12.0 ');
    expect(h.err()).toBe(`shim: warning: skipped 2 malformed lines in the audit log (${auditLogPath(h.stateDir)})\n`);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [999.4, '999ms'],
    [999.6, '1.0s'],
    [1234, '1.2s'],
    [59_900, '59.9s'],
    [59_960, '1m00s'],
    [125_000, '2m05s'],
    [3_599_000, '59m59s'],
    [3_600_000, '1h00m'],
    [3_720_000, '1h02m'],
    [-1, '?'],
  ])('duration %d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('times are shown in UTC to the second', () => {
    expect(formatTime('2026-11-23T17:00:00.999Z')).toBe('2026-11-23T17:00:00Z');
    expect(formatTime('2026-11-23T19:00:00+02:00')).toBe('2026-11-23T17:00:00Z');
  });

  it('right-aligns durations', () => {
    const text = formatRuns([record({ durationMs: 500 }), record({ durationMs: 125_000 })]);
    expect(text.split('\n')[0]).toContain('exit 0  500ms  none');
    expect(text.split('\n')[1]).toContain('exit 0  2m05s  none');
  });

  it('sums the egress requests of an allow-list run by outcome (entries without a count are one request)', () => {
    const egress = [
      { host: 'registry.npmjs.org', port: 443, action: 'allow' as const, requests: 3, bytesUp: 10, bytesDown: 20 },
      { host: 'example.com', port: 443, action: 'deny' as const, requests: 1, bytesUp: 0, bytesDown: 0 },
      { host: 'evil.test', port: 80, action: 'deny' as const, bytesUp: 0, bytesDown: 0 },
    ];
    const text = formatRuns([record({ network: 'allowlist', egress }), record({ network: 'none' })]);
    expect(text.split('\n')[0]).toContain('allowlist (3 allowed, 2 denied)');
    expect(text.split('\n')[1]).toMatch(/ none +\/home\/u\/proj$/);
  });
});
