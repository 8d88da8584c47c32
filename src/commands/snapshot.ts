// `shim snapshot create|list|diff|restore|delete|prune`: content-addressed snapshots of a project
// directory (src/snapshot/), and the automatic one taken before a run of a tool with "snapshot": true.
import fs from 'node:fs';
import path from 'node:path';
import { settingsOrThrow } from '../app/app.js';
import type { App } from '../app/with-config-files.js';
import { parseSince, readAudit } from '../audit/query.js';
import { SnapshotError, UsageError } from '../errors.js';
import { findProjectRoot } from '../facts/project-root.js';
import { diffManifests, formatMode, planPrune, resolveRetention, snapshotRoots, summarize } from '../plan/snapshot.js';
import { captureFiles, createSnapshot, type CreateOptions } from '../snapshot/create.js';
import { restoreSnapshot } from '../snapshot/restore.js';
import { deleteSnapshots, isSnapshotId, loadManifest, loadSummaries, snapshotStoreDir } from '../snapshot/store.js';

const json = (app: App, value: unknown) => app.stdout(`${JSON.stringify(value, null, 2)}\n`);

function createOptions(app: App): CreateOptions {
  return {
    store: snapshotStoreDir(app.host.env, app.host.home),
    env: app.host.env,
    // progress only where someone watches: a terminal on stderr
    ...(app.host.stderrIsTTY ? { progress: (line: string) => app.reporter.info(line) } : {}),
  };
}

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

export async function snapshotCreateCommand(app: App, dir: string | undefined, options: { name?: string; json?: boolean }): Promise<number> {
  const root = dir !== undefined ? path.resolve(app.host.cwd, dir) : findProjectRoot(app.host.cwd, app.host.home, undefined, app.host.projectCeiling).path;
  const { manifest, addedBytes } = await createSnapshot(root, { ...createOptions(app), ...(options.name ? { name: options.name } : {}) });
  const summary = summarize(manifest);
  if (options.json) json(app, { ...summary, addedBytes });
  else {
    app.stdout(`${manifest.id}\n`);
    app.reporter.info(`snapshot of ${manifest.root}: ${summary.files} files, ${mib(summary.bytes)}, ${mib(addedBytes)} new in the store${manifest.listing === 'walk' ? ' (not a git work tree: no ignore rules applied)' : ''}`);
  }
  return 0;
}

export function snapshotListCommand(app: App, options: { json?: boolean }): number {
  const list = loadSummaries(snapshotStoreDir(app.host.env, app.host.home));
  if (options.json) json(app, list);
  else if (!list.length) app.reporter.info('no snapshots yet (shim snapshot create)');
  else for (const s of list) app.stdout(`${s.id}  ${s.createdAt.replace(/\.\d+Z$/, 'Z')}  ${String(s.files).padStart(6)} files  ${mib(s.bytes).padStart(10)}  ${s.root}${s.name ? `  ${s.name}` : ''}\n`);
  return 0;
}

export function snapshotDiffCommand(app: App, id: string, options: { json?: boolean }): number {
  const m = loadManifest(snapshotStoreDir(app.host.env, app.host.home), id);
  const diff = diffManifests(m.files, captureFiles(m.root, app.host.env, m.files, m.listing).files);
  if (options.json) {
    json(app, { id: m.id, root: m.root, ...diff });
    return 0;
  }
  const lines = [
    ...diff.added.map((p) => `added    ${p}`),
    ...diff.changed.map((p) => `changed  ${p}`),
    ...diff.deleted.map((p) => `deleted  ${p}`),
    ...diff.modeChanged.map((c) => `mode     ${c.path} (${c.from} -> ${c.to})`),
  ];
  if (lines.length) app.stdout(`${lines.join('\n')}\n`);
  else app.reporter.info(`${m.root} is as in snapshot ${m.id}`);
  return 0;
}

/** The snapshots a restore argument stands for: a snapshot id, or a run id from the audit log. */
function restoreTargets(app: App, arg: string): string[] {
  if (isSnapshotId(arg)) return [arg];
  const runs = readAudit(app.paths.stateDir).records.filter((r) => r.runId === arg);
  // a session's records each name the snapshots taken before it, and its end the ones kept (a failed
  // start's is dropped): the end decides once there is one
  const last = [...runs].reverse().find((r) => r.session?.event === 'end') ?? runs.at(-1);
  const ids = [...new Set(last?.snapshots ?? [])];
  if (ids.length) return ids;
  throw new SnapshotError(
    runs.length ? `run ${arg} has no snapshot (its tool does not have "snapshot": true, or it failed to start and its snapshot was dropped)` : `${JSON.stringify(arg)} is neither a snapshot id nor a run id in the audit log`,
    'see `shim snapshot list` and `shim log --json` (runId, snapshots)',
    2,
  );
}

export async function snapshotRestoreCommand(app: App, arg: string, options: { json?: boolean }): Promise<number> {
  const store = snapshotStoreDir(app.host.env, app.host.home);
  const results = [];
  for (const id of restoreTargets(app, arg)) {
    const target = loadManifest(store, id);
    const { before, plan, removedGits } = await restoreSnapshot(target, createOptions(app));
    results.push({ id, root: target.root, before, removed: plan.remove, written: plan.write.map((w) => w.path), chmod: plan.chmod.map((c) => ({ path: c.path, mode: formatMode(c.mode) })), removedGits });
    if (!options.json) {
      app.reporter.info(`restored ${target.root} to snapshot ${id}: ${plan.write.length} written, ${plan.remove.length} removed, ${plan.chmod.length} modes set`);
      if (removedGits.length) app.reporter.warn(`removed ${removedGits.map((g) => path.join(target.root, g)).join(', ')}: a git repository the snapshot did not have (made since; its config or hooks could run commands on the host)`);
      app.reporter.info(`the state before is snapshot ${before} (shim snapshot restore ${before} undoes this)`);
    }
  }
  if (options.json) json(app, results);
  return 0;
}

export function snapshotDeleteCommand(app: App, ids: readonly string[], options: { json?: boolean }): number {
  const store = snapshotStoreDir(app.host.env, app.host.home);
  for (const id of ids) loadManifest(store, id);
  const freed = deleteSnapshots(store, ids);
  if (options.json) json(app, { deleted: ids, freedBytes: freed });
  else app.reporter.info(`deleted ${ids.join(', ')} (${mib(freed)} freed)`);
  return 0;
}

export function snapshotPruneCommand(app: App, options: { keep?: string; olderThan?: string; json?: boolean }): number {
  if (options.keep === undefined && options.olderThan === undefined) throw new UsageError('prune needs --keep N or --older-than D (or both)', 'shim snapshot prune --keep 10 --older-than 7d');
  if (options.keep !== undefined && !/^\d+$/.test(options.keep)) throw new UsageError(`--keep ${options.keep}: not a whole number`, 'shim snapshot prune --keep 10');
  const now = new Date();
  const olderThanMs = options.olderThan !== undefined ? now.getTime() - parseSince(options.olderThan, now).getTime() : undefined;
  const store = snapshotStoreDir(app.host.env, app.host.home);
  const ids = planPrune(loadSummaries(store), { ...(options.keep !== undefined ? { keep: Number(options.keep) } : {}), ...(olderThanMs !== undefined ? { olderThanMs } : {}), now: now.getTime() });
  const freed = deleteSnapshots(store, ids);
  if (options.json) json(app, { deleted: ids, freedBytes: freed });
  else app.reporter.info(ids.length ? `pruned ${ids.length} snapshot${ids.length === 1 ? '' : 's'} (${mib(freed)} freed)` : 'nothing to prune');
  return 0;
}

/** Before a run of a tool with "snapshot": true: snapshots each read-write directory it mounts and
 *  returns the ids (refusing the run when one cannot be taken: the safety net must be there). An
 *  unchanged tree reuses its previous snapshot; the settings' retention is applied as each is taken. */
export async function snapshotBeforeRun(app: App, tool: string, runId: string, mounts: readonly { src: string; mode: 'ro' | 'rw' }[]): Promise<string[]> {
  const ids: string[] = [];
  const retention = resolveRetention(settingsOrThrow(app).snapshot_retention);
  for (const root of snapshotRoots(mounts)) {
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) continue;
    const { manifest } = await createSnapshot(root, { ...createOptions(app), name: `before ${tool} run ${runId}`, runId, tool, automatic: { retention } });
    ids.push(manifest.id);
  }
  return ids;
}
