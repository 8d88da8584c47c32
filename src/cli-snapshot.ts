// The `shim snapshot …` subcommands (commander glue only; the work is in commands/snapshot.ts).
import type { Command } from 'commander';
import type { App } from './app/with-config-files.js';
import {
  snapshotCreateCommand,
  snapshotDeleteCommand,
  snapshotDiffCommand,
  snapshotListCommand,
  snapshotPruneCommand,
  snapshotRestoreCommand,
} from './commands/snapshot.js';

type Json = { json?: boolean };

/** Adds `snapshot` and its subcommands to the program. */
export function addSnapshotCommand(program: Command, app: App, setStatus: (code: number) => void): void {
  const snap = program.command('snapshot').description('content-addressed snapshots of a project directory: create, list, diff, restore, delete, prune');
  snap
    .command('create')
    .description('snapshot DIR (default: the project root); prints the new id')
    .argument('[dir]', 'directory (default: the project root, as runs resolve it)')
    .option('--name <name>', 'a name to tell it by')
    .option('--json', 'machine-readable output')
    .action(async (dir: string | undefined, opts: { name?: string } & Json) => setStatus(await snapshotCreateCommand(app, dir, opts)));
  snap
    .command('list')
    .description('list snapshots, oldest first')
    .option('--json', 'machine-readable output')
    .action((opts: Json) => setStatus(snapshotListCommand(app, opts)));
  snap
    .command('diff')
    .description('what changed in its directory since the snapshot: added, changed, deleted, mode changes')
    .argument('<id>', 'snapshot id')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: Json) => setStatus(snapshotDiffCommand(app, id, opts)));
  snap
    .command('restore')
    .description('return the directory to the snapshot (a run id restores the snapshots taken before that run); snapshots the current state first')
    .argument('<id>', 'snapshot id or run id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: Json) => setStatus(await snapshotRestoreCommand(app, id, opts)));
  snap
    .command('delete')
    .description('delete snapshots (content no other snapshot holds is freed)')
    .argument('<ids...>', 'snapshot ids')
    .option('--json', 'machine-readable output')
    .action((ids: string[], opts: Json) => setStatus(snapshotDeleteCommand(app, ids, opts)));
  snap
    .command('prune')
    .description('delete all but the newest N snapshots of each directory, and/or those older than D')
    .option('--keep <n>', 'snapshots kept per directory')
    .option('--older-than <when>', 'a duration (7d, 12h) or an ISO date')
    .option('--json', 'machine-readable output')
    .action((opts: { keep?: string; olderThan?: string } & Json) => setStatus(snapshotPruneCommand(app, opts)));
}
