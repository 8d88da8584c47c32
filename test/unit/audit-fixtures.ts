// A complete audit record for tests, with the fields a test cares about overridden.
import type { AuditRecord } from '../../src/audit/record.js';

export function makeAuditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    time: '2026-11-23T17:00:00.000Z',
    tool: 'eslint',
    spec: 'npm:eslint@9.12.0',
    version: '9.12.0',
    runtime: 'podman',
    via: 'cli',
    policyHash: 'a'.repeat(64),
    cwd: '/home/user/project',
    mounts: [{ src: '/home/user/project', dst: '/workspace', mode: 'rw' }],
    env: ['NODE_ENV'],
    network: 'none',
    egress: [],
    exitCode: 0,
    signal: null,
    durationMs: 1234,
    limitsHit: [],
    ...overrides,
  };
}
