// Builds the audit record of a finished run from its plan and outcome.
import type { App } from '../app/with-config-files.js';
import type { PreparedRun } from '../runtime/prepared-run.js';
import type { AuditEgress, AuditRecord } from './record.js';

export interface RunOutcome {
  startedAt: Date;
  exitCode: number;
  signal: string | null;
  durationMs: number;
  limitsHit: string[];
  /** What went through the egress proxy (allow-list mode). */
  egress?: AuditEgress[];
  /** What shim warned about, before and during the run. */
  warnings?: string[];
}

export function auditRecord(app: App, run: PreparedRun, outcome: RunOutcome, via: AuditRecord['via']): AuditRecord {
  return {
    time: outcome.startedAt.toISOString(),
    tool: run.tool.name,
    spec: run.tool.tool,
    version: run.version,
    runtime: run.ctx.runtime.name,
    via,
    policyHash: run.plan.policyHash,
    cwd: app.host.cwd,
    mounts: run.plan.policy.mounts,
    env: run.plan.policy.env,
    network: run.plan.policy.network,
    egress: outcome.egress ?? [],
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    durationMs: outcome.durationMs,
    limitsHit: outcome.limitsHit,
    ...(run.warm ? { warm: { container: run.warm.container, started: run.warm.started } } : {}),
    ...(run.runId ? { runId: run.runId } : {}),
    ...(run.snapshots?.length ? { snapshots: run.snapshots } : {}),
    ...(run.plan.project ? { projectRoot: run.plan.project.path } : {}),
    ...(outcome.warnings?.length ? { warnings: outcome.warnings } : {}),
  };
}
