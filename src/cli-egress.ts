// The `shim suggest` and `shim allow` commands, egress that teaches (commander glue only; the work is
// in commands/egress-suggest.ts and commands/egress-allow.ts).
import type { Command } from 'commander';
import type { App } from './app/with-config-files.js';
import { allowCommand } from './commands/egress-allow.js';
import { SUGGEST_DEFAULT_SINCE, suggestCommand } from './commands/egress-suggest.js';

type Json = { json?: boolean };

/** Adds `suggest` and `allow` to the program. */
export function addEgressCommands(program: Command, app: App, setStatus: (code: number) => void): void {
  program
    .command('suggest')
    .description("the hosts a tool was refused lately (audit log), how often and when, and the allow-list change that would have let them through (the drop-in shim allow writes)")
    .argument('<tool>', 'tool name')
    .option('--since <when>', `only refusals since a duration ago (30m, 1h, 2d) or an ISO date (default: ${SUGGEST_DEFAULT_SINCE})`)
    .option('--json', 'machine-readable output')
    .action((tool: string, opts: { since?: string } & Json) => setStatus(suggestCommand(app, tool, opts)));
  program
    .command('allow')
    .description("add hosts to a tool's allowed_hosts through config.d/50-allow-<tool>.json (never your own files) and print its diff; without hosts, fold an edit of your own list into it")
    .argument('<tool>', 'tool name')
    .argument('[hosts...]', 'allowed_hosts entries: host, *.domain, either with :port')
    .option('--force', 'also list hosts that are not the internet (loopback, private networks, cloud metadata), with a warning')
    .option('--json', 'machine-readable output')
    .action(async (tool: string, hosts: string[], opts: Json & { force?: boolean }) => setStatus(await allowCommand(app, tool, hosts, opts)));
}
