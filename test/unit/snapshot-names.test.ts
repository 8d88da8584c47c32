// The manifest spelling of file names, and the retention of automatic snapshots (pure parts).
import { describe, expect, it } from 'vitest';
import { decodeName, encodeName, fromLegacyName } from '../../src/plan/snapshot-names.js';
import { isSafeSnapshotPath, planRetention, resolveRetention, type SnapshotSummary } from '../../src/plan/snapshot.js';

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('manifest names', () => {
  const cases: [Buffer, string][] = [
    [b('plain/name.txt'), 'plain/name.txt'],
    [b('back\\slash'), 'back\\slash'],
    [b('caf\u00e9 \u{1f600}'), 'caf\u00e9 \u{1f600}'],
    [b('new\nline'), 'new%0Aline'],
    [b('100%'), '100%25'],
    [b('esc\x1b[0m'), 'esc%1B[0m'],
    [b('del\x7f'), 'del%7F'],
    [b('c1', [0xc2, 0x9b]), 'c1%C2%9B'],
    [b('bad', [0xff]), 'bad%FF'],
    [b('overlong', [0xc0, 0xaf]), 'overlong%C0%AF'],
    [b('surrogate', [0xed, 0xa0, 0x80]), 'surrogate%ED%A0%80'],
    [b('cut', [0xe2, 0x82]), 'cut%E2%82'],
  ];
  for (const [bytes, spelled] of cases) {
    it(`${JSON.stringify(spelled)} round-trips`, () => {
      expect(encodeName(bytes)).toBe(spelled);
      expect(decodeName(spelled)).toEqual(bytes);
    });
  }

  it('refuses spellings no name has (so one name has one key)', () => {
    for (const s of ['%41', '%2F', '%zz', '%4', 'a%0a', '\ud800']) expect(decodeName(s), s).toBeUndefined();
  });

  it('re-spells what older manifests held as plain UTF-8', () => {
    expect(fromLegacyName('100%')).toBe('100%25');
    expect(fromLegacyName('back\\slash')).toBe('back\\slash');
  });

  it('a safe path stays inside and avoids .git, however it is spelled', () => {
    for (const ok of ['a', 'back\\slash', 'new%0Aline', 'x/..y', 'bad%FF/f']) expect(isSafeSnapshotPath(ok), ok).toBe(true);
    for (const bad of ['', '/abs', '..', 'a/../b', 'a//b', 'a/', '.git/config', 'x/.git', '%2E%2E', 'a%2Fb', 'nul%00', 'x/./y']) expect(isSafeSnapshotPath(bad), bad).toBe(false);
  });
});

describe('retention of automatic snapshots', () => {
  const day = 86_400_000;
  const now = Date.parse('2026-12-07T12:00:00Z');
  const snap = (id: string, daysAgo: number, runId?: string, root = '/p'): SnapshotSummary => ({ id, root, createdAt: new Date(now - daysAgo * day).toISOString(), files: 1, bytes: 1, ...(runId ? { runId } : {}) });

  it('keeps the newest N and none older than the age; manual ones and the newest are never removed', () => {
    const list = [snap('old-auto', 9, 'r1'), snap('old-manual', 10), snap('a3', 3, 'r3'), snap('a2', 2, 'r2'), snap('a1', 1, 'r4'), snap('other-root', 30, 'r5', '/q')];
    expect(planRetention(list, '/p', { keep: 2, maxAgeMs: 7 * day }, now)).toEqual(['a3', 'old-auto']);
    expect(planRetention(list, '/p', { keep: 50, maxAgeMs: 0 }, now)).toEqual([]);
    // a reused snapshot older than the age, but the newest of its directory: kept
    expect(planRetention([snap('only', 30, 'r1')], '/p', { keep: 50, maxAgeMs: 7 * day }, now)).toEqual([]);
  });

  it('settings override the defaults (50 and 7 days; "0" is no age limit)', () => {
    expect(resolveRetention(undefined)).toEqual({ keep: 50, maxAgeMs: 7 * day });
    expect(resolveRetention({ keep: 5, max_age: '2w' })).toEqual({ keep: 5, maxAgeMs: 14 * day });
    expect(resolveRetention({ max_age: '0' })).toEqual({ keep: 50, maxAgeMs: 0 });
    expect(resolveRetention({ max_age: '12h' }).maxAgeMs).toBe(12 * 3600_000);
  });
});
