// The `shim` command line (commander). Tool links never come here: main.ts dispatches them first, so
// through a link shim takes no options at all.
import { Command, CommanderError, Option } from 'commander';
import type { App } from './app/with-config-files.js';
import { listTools } from './commands/list.js';
import { linkDown, linkUp } from './commands/links.js';
import { installTools, prune, rebuild } from './commands/maintenance.js';
import { runTool } from './commands/run.js';
import { explainCommand } from './commands/explain.js';
import { doctorCommand } from './commands/doctor.js';
import { logCommand } from './commands/log.js';
import { initCommand } from './commands/init.js';
import { schemaCommand } from './commands/schema.js';
import { completionCommand } from './commands/completion.js';
import { trustCommand } from './commands/trust.js';
import { psAllCommand, stopAllCommand } from './commands/session-ps.js';
import { pauseCommand } from './commands/pause.js';
import { runSession } from './commands/session.js';
import { checkSessionName } from './commands/session-start.js';
import { addSessionCommands } from './cli-session.js';
import { UsageError } from './errors.js';
import { addSnapshotCommand } from './cli-snapshot.js';
import { addEgressCommands } from './cli-egress.js';
import { addWorktreeCommands } from './cli-worktree.js';

const HELP_EXAMPLES = `Examples:
  shim up                       link every configured tool into ~/.local/bin (or $SHIM_BIN_DIR)
  eslint .                      then run a tool through its link, sandboxed
  shim run prettier --check .   or explicitly; every argument after the tool name is the tool's
  shim run --dry-run eslint .   print the exact runtime command without running it
  shim explain eslint           what eslint may do, where each setting comes from
  shim list                     configured tools, their network mode and installed version
  shim doctor [tool]            check that this machine (or one tool) sandboxes tools as it should
  shim log --since 1h           what ran lately (the audit log)
`;

const HELP_AFTER = `
Configuration:
  $XDG_CONFIG_HOME/shim/config.json, then config.d/*.json in lexical order (JSON with comments).
  Later files override earlier ones field by field; env merges by key; arrays replace.
  settings.json in the same directory holds global settings (runtime, ca_bundle, base_image, image).

Environment:
  SHIM_RUNTIME         podman or docker (default: podman when found, else docker)
  SHIM_IMAGE           run tools in this image instead of shim's own (never built by shim)
  SHIM_BASE_IMAGE      base image for shim's own image (default debian:bookworm-slim)
  SHIM_CA_BUNDLE       host CA bundle mounted read-only into every container
  SHIM_DEBUG           print the exact runtime command (secret values redacted)
  SHIM_ALLOW_NETWORK   give a tool with network "none" full network for this run (warns)
  SHIM_EXTRA_PORTS     extra port mappings, comma-separated (published on 127.0.0.1)
  SHIM_BIN_DIR         where "up" puts links (default ~/.local/bin)

Exit status:
  the tool's own status; 128+N when it died of signal N; 2 usage error;
  125 shim or the runtime failed; 126 cannot invoke; 127 tool or runtime not found.
`;

/** Builds the program; `setStatus` receives the exit status of the command that ran. */
export function createProgram(app: App, setStatus: (code: number) => void): Command {
  const program = new Command('shim');
  program
    .description('Run developer tools in podman or docker containers with exactly the access you declare.')
    .version(app.host.version, '-V, --version', 'print the version')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: app.stdout, writeErr: (t) => app.reporter.raw(t) })
    .addHelpText('before', HELP_EXAMPLES)
    .addHelpText('after', HELP_AFTER);

  program
    .command('run')
    .description('run a configured tool; every argument after the tool name is passed to it unchanged')
    .argument('<tool>', 'tool name')
    .argument('[args...]', 'arguments for the tool')
    .option('--dry-run', 'print the runtime command and exit without running anything')
    .option('--json', 'with --dry-run: print it as JSON; with -d: the session as JSON')
    .option('--name <name>', 'run as a session of this name: it outlives the terminal (detach with Ctrl-], shim attach NAME)')
    .option('-d, --detach', 'with --name: start the session without attaching; prints its name')
    .option('--worktree', 'with --name: the session works on a copy of the project of its own, on branch shim/NAME (shim diff, apply, discard)')
    .passThroughOptions()
    .allowUnknownOption()
    .helpOption(false)
    .action(async (tool: string, args: string[], opts: { dryRun?: boolean; json?: boolean; name?: string; detach?: boolean; worktree?: boolean }) => {
      if (opts.detach && !opts.name) throw new UsageError('-d starts a session, which needs a name', `shim run -d --name NAME ${tool}`);
      if (opts.worktree && !opts.name) throw new UsageError('--worktree starts a session on a copy of the project, which needs a name', `shim run --name NAME --worktree ${tool}`);
      if (opts.worktree && opts.dryRun) throw new UsageError('--worktree with --dry-run: the copy is made only when the session starts', `shim run --dry-run --name NAME ${tool} shows the rest of the command`);
      if (opts.name && !opts.dryRun) return setStatus(await runSession(app, tool, args, { name: opts.name, ...(opts.detach ? { detach: true } : {}), ...(opts.json ? { json: true } : {}), ...(opts.worktree ? { worktree: true } : {}) }));
      if (opts.name) checkSessionName(opts.name);
      setStatus(await runTool(app, tool, args, opts));
    });

  program
    .command('explain')
    .description('show what a tool may do: effective config with origins, enforced limits, the runtime command')
    .argument('<tool>', 'tool name')
    .option('--json', 'machine-readable output')
    .action((tool: string, opts: { json?: boolean }) => setStatus(explainCommand(app, tool, opts)));

  program
    .command('list')
    .description('list configured tools (tools of a broken file are left out and the file is named)')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => setStatus(listTools(app, opts)));
  program
    .command('up')
    .description('create a link named after each tool in the bin dir, pointing at shim')
    .action(() => setStatus(linkUp(app)));
  program
    .command('down')
    .description('remove every link in the bin dir that points at shim')
    .action(() => setStatus(linkDown(app)));
  program
    .command('ps')
    .description('list the sessions and the warm containers (running or paused)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => setStatus(await psAllCommand(app, opts)));
  program
    .command('stop')
    .description('stop sessions by name, or warm containers (all, or those of the named tools; a call running in one is killed)')
    .argument('[names...]', 'session or tool names')
    .action(async (tools: string[]) => setStatus(await stopAllCommand(app, tools)));
  for (const action of ['pause', 'resume'] as const) {
    program
      .command(action)
      .description(action === 'pause' ? 'freeze every process of a session or warm container (NAME: a session, container or tool name from `shim ps`)' : 'thaw a paused session or warm container')
      .argument('<name>', 'session, container or tool name')
      .option('--json', 'machine-readable output')
      .action(async (name: string, opts: { json?: boolean }) => setStatus(await pauseCommand(app, action, name, opts)));
  }
  addSessionCommands(program, app, setStatus);
  addSnapshotCommand(program, app, setStatus);
  addWorktreeCommands(program, app, setStatus);
  addEgressCommands(program, app, setStatus);
  program
    .command('install')
    .description('install tools into their volumes now (all tools when none is named)')
    .argument('[tools...]', 'tool names')
    .option('--force', 'reinstall the locked version even when installed')
    .option('--upgrade', 'resolve each spec again (a newer version may be picked) and print old → new')
    .action(async (tools: string[], opts: { force?: boolean; upgrade?: boolean }) => setStatus(await installTools(app, tools, opts)));
  program
    .command('rebuild')
    .description("rebuild shim's image from containerfiles/")
    .action(async () => setStatus(await rebuild(app)));
  program
    .command('prune')
    .description('remove the download cache volumes (installed tools keep working offline)')
    .option('--all', 'also remove the tool volumes (tools reinstall their locked versions on next use)')
    .action(async (opts: { all?: boolean }) => setStatus(await prune(app, Boolean(opts.all))));
  program
    .command('log')
    .description('show the audit log: one line per run (tool, version, exit, duration, network, cwd)')
    .option('--tool <tool>', 'only runs of this tool')
    .option('--since <when>', 'only runs since a duration ago (30m, 1h, 2d) or an ISO date')
    .option('--json', 'machine-readable output')
    .action((opts: { tool?: string; since?: string; json?: boolean }) => setStatus(logCommand(app, opts)));
  program
    .command('doctor [tool]')
    .description('check the runtime, image, links, PATH order, configs and known runtime CVEs, or one tool end to end; exit 1 on failure')
    .option('--json', 'machine-readable output')
    .action(async (tool: string | undefined, opts: { json?: boolean }) => setStatus(await doctorCommand(app, { ...opts, ...(tool ? { tool } : {}) })));
  program
    .command('init')
    .description('write a starter config (from config.sample.json) unless one exists')
    .action(async () => setStatus(await initCommand(app)));
  program
    .command('schema')
    .description('print the JSON Schema of the tool config (or of settings.json with --settings)')
    .option('--settings', 'the schema of settings.json')
    .action((opts: { settings?: boolean }) => setStatus(schemaCommand(app, opts)));
  program
    .command('completion')
    .description('print a completion script: shim completion bash|zsh|fish')
    .argument('[shell]', 'bash, zsh or fish')
    .option('--tools', 'list the configured tool names (used by the scripts)')
    .addOption(new Option('--sessions', 'list the session names (used by the scripts)').hideHelp())
    .action((shell: string | undefined, opts: { tools?: boolean; sessions?: boolean }) => setStatus(completionCommand(app, shell, opts)));
  program
    .command('trust')
    .description("trust this project's .shim.json (records its hash); --revoke forgets it, --show prints its state")
    .option('--revoke', 'forget the trust of this project file')
    .option('--show', 'show what the file would grant, change nothing')
    .action(async (opts: { revoke?: boolean; show?: boolean }) => setStatus(await trustCommand(app, opts)));
  program
    .command('mcp')
    .description('serve the Model Context Protocol on stdio (tools: list_tools, run_tool, execute_code, explain_tool, session_start/send/read/list/stop, session_diff)')
    .option('--root <dir>', 'runs may only use working directories inside this one', '.')
    .action(async (opts: { root: string }) => {
      // the SDK is loaded only for this command
      const { mcpCommand } = await import('./mcp/server.js');
      setStatus(await mcpCommand(app, { root: opts.root }));
    });
  program
    .command('serve')
    .description('serve the control room: a web page of the sessions (their terminals, changes, refusals, the audit log) on 127.0.0.1 behind a token')
    .option('--port <n>', 'port to listen on (0: any free one)')
    .option('--host <addr>', 'address to listen on instead of 127.0.0.1 (0.0.0.0: every address, for a phone; warns)')
    .option('--open', 'open the page in the desktop browser')
    .option('--new-token', 'replace the kept token (links with the old one stop working)')
    .action(async (opts: { port?: string; host?: string; open?: boolean; newToken?: boolean }) => {
      // the HTTP, WebSocket and QR code libraries are loaded only for this command
      const { serveCommand } = await import('./serve/command.js');
      setStatus(await serveCommand(app, opts));
    });
  return program;
}

/** True when the command line asks shim (not the tool) for JSON: `--json` before the tool name of
 *  `run`, anywhere for other commands. */
export function wantsJson(argv: readonly string[]): boolean {
  if (argv[0] !== 'run') return argv.includes('--json');
  for (const arg of argv.slice(1)) {
    if (arg === '--json') return true;
    if (!arg.startsWith('-')) return false;
  }
  return false;
}

/** Runs the CLI and returns the exit status; commander's own errors become 2 (0 for help/version). */
export async function runCli(app: App, argv: readonly string[]): Promise<number> {
  let status = 0;
  const program = createProgram(app, (code) => (status = code));
  if (!argv.length) {
    app.reporter.raw(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return e.exitCode === 0 ? 0 : 2;
  }
  return status;
}
