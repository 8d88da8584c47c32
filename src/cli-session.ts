// The session subcommands `attach`, `logs` and `shell` (commander glue only; the work is in
// commands/session.ts). `run --name/-d`, `ps` and `stop` are in cli.ts with the commands they extend.
import type { Command } from 'commander';
import type { App } from './app/with-config-files.js';
import { attachCommand, logsCommand, shellCommand } from './commands/session.js';
import { restartCommand } from './commands/session-restart.js';

export function addSessionCommands(program: Command, app: App, setStatus: (code: number) => void): void {
  program
    .command('attach')
    .description('attach this terminal to a running session (its recent output first; without a name, the only one running); the detach key (Ctrl-]) leaves it running')
    .argument('[name]', 'session name (shim ps)')
    .action(async (name: string | undefined) => setStatus(await attachCommand(app, name)));
  program
    .command('logs')
    .description("print a session's output (kept on disk, bounded, after it ended too)")
    .argument('<name>', 'session name')
    .option('-f, --follow', 'keep printing what it writes until it ends')
    .option('-n, --lines <n>', 'only the last n lines')
    .option('--json', 'machine-readable output: {name, output, exit}')
    .option('--raw', 'the bytes the tool wrote, terminal escapes included (by default a pipe or file gets text)')
    .action(async (name: string, opts: { follow?: boolean; lines?: string; json?: boolean; raw?: boolean }) => setStatus(await logsCommand(app, name, opts)));
  program
    .command('shell')
    .description("run a shell (or the command after --) inside a running session's sandbox: same mounts, env, network, limits")
    .argument('<name>', 'session name')
    .argument('[command...]', 'command instead of a shell (after --)')
    .action(async (name: string, command: string[]) => setStatus(await shellCommand(app, name, command)));
  program
    .command('restart')
    .description("end a running session's tool and run it again at once (same container flags, mounts and copy)")
    .argument('<name>', 'session name')
    .option('--json', 'machine-readable output: {name, restarts}')
    .action(async (name: string, opts: { json?: boolean }) => setStatus(await restartCommand(app, name, opts)));
}
