// The completion model shared by the per-shell generators: shim's subcommands, their flags and what
// their positional arguments are. Tool and session names are not here: the scripts ask
// `shim completion --tools` and `shim completion --sessions` each time.

/** The shells `shim completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One of COMPLETION_SHELLS. */
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What a subcommand's positional arguments are ('tool-hosts': a tool name, then free host names;
 *  'session': one session name, then nothing of shim's; 'session-tool': one session or tool name;
 *  'sessions-tools': any number of session or tool names). */
export type Positional = 'none' | 'tool' | 'tools' | 'tool-hosts' | 'session' | 'session-tool' | 'sessions-tools' | 'shell' | 'command';

/** One flag of shim's, as completion offers it. */
export interface FlagSpec {
  name: string;
  /** Its one-letter form ('-d'), when it has one. */
  short?: string;
  description: string;
  /** The flag takes a value: a tool name, a directory, or free text (nothing to complete). */
  value?: 'tool' | 'dir' | 'text';
}

/** One subcommand of shim's, as completion offers it. */
export interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
  positional: Positional;
}

const JSON_FLAG: FlagSpec = { name: '--json', description: 'machine-readable output' };

/** shim's own flags valid anywhere among shim's arguments (never after `run <tool>`). */
export const GLOBAL_FLAGS: FlagSpec[] = [{ name: '--no-color', description: 'no colour on stderr' }];
/** Flags valid only before the subcommand. */
export const TOP_FLAGS: FlagSpec[] = [
  { name: '--version', description: 'print the version' },
  { name: '--help', description: 'show help' },
];
const HELP_FLAG: FlagSpec = { name: '--help', description: 'show help for the command' };

/** Every subcommand with its flags, in the order shells show them. Keep in step with src/cli.ts. */
export const COMPLETION_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    description: 'run a configured tool',
    flags: [
      { name: '--dry-run', description: 'print the runtime command, run nothing' },
      { ...JSON_FLAG, description: 'print it as JSON (with --dry-run; the session with -d)' },
      { name: '--name', description: 'run as a session of this name', value: 'text' },
      { name: '--detach', short: '-d', description: 'with --name: start the session detached' },
      { name: '--worktree', description: 'with --name: work on a copy of the project, on branch shim/NAME' },
    ],
    positional: 'tool',
  },
  { name: 'list', description: 'list configured tools', flags: [JSON_FLAG], positional: 'none' },
  { name: 'up', description: 'link every tool into the bin dir', flags: [], positional: 'none' },
  { name: 'down', description: 'remove the links pointing at shim', flags: [], positional: 'none' },
  { name: 'ps', description: 'list the sessions and the warm containers (running or paused)', flags: [JSON_FLAG], positional: 'none' },
  { name: 'stop', description: 'stop sessions by name, or warm containers (all, or of the named tools)', flags: [], positional: 'sessions-tools' },
  { name: 'pause', description: 'freeze a session or warm container (session, container or tool name)', flags: [JSON_FLAG], positional: 'session-tool' },
  { name: 'resume', description: 'thaw a paused session or warm container', flags: [JSON_FLAG], positional: 'session-tool' },
  { name: 'attach', description: 'attach this terminal to a running session', flags: [], positional: 'session' },
  {
    name: 'logs',
    description: "print a session's output",
    flags: [
      { name: '--follow', short: '-f', description: 'keep printing what it writes until it ends' },
      { name: '--lines', short: '-n', description: 'only the last N lines', value: 'text' },
      { name: '--raw', description: 'keep terminal escapes (a pipe gets text by default)' },
      JSON_FLAG,
    ],
    positional: 'session',
  },
  { name: 'shell', description: "run a shell (or the command after --) in a session's sandbox", flags: [], positional: 'session' },
  { name: 'restart', description: "end a running session's tool and run it again", flags: [JSON_FLAG], positional: 'session' },
  {
    name: 'diff',
    description: 'what a worktree session changed since it started',
    flags: [{ name: '--stat', description: 'only the files and their line counts' }, JSON_FLAG],
    positional: 'session',
  },
  { name: 'apply', description: "put a worktree session's work into your tree (--branch: as branch shim/NAME)", flags: [{ name: '--branch', description: 'bring it in as branch shim/NAME' }, { name: '--tree', description: 'apply only this tree (the tree of shim diff NAME --json)', value: 'text' }, JSON_FLAG], positional: 'session' },
  { name: 'discard', description: 'stop a worktree session and delete its copy', flags: [JSON_FLAG], positional: 'session' },
  {
    name: 'snapshot',
    description: 'project snapshots: create, list, diff, restore, delete, prune',
    flags: [
      { name: '--name', description: 'create: a name for the snapshot', value: 'text' },
      { name: '--keep', description: 'prune: keep the newest N per directory', value: 'text' },
      { name: '--older-than', description: 'prune: remove those older than (7d, ISO date)', value: 'text' },
      JSON_FLAG,
    ],
    positional: 'none',
  },
  {
    name: 'install',
    description: 'install tools now',
    flags: [
      { name: '--force', description: 'reinstall the locked version' },
      { name: '--upgrade', description: 'resolve each spec again' },
    ],
    positional: 'tools',
  },
  { name: 'rebuild', description: "rebuild shim's image", flags: [], positional: 'none' },
  { name: 'prune', description: 'remove download cache volumes', flags: [{ name: '--all', description: 'also remove the tool volumes' }], positional: 'none' },
  { name: 'explain', description: 'show what a tool may do', flags: [JSON_FLAG], positional: 'tool' },
  {
    name: 'suggest',
    description: 'the hosts a tool was refused and the allow-list change',
    flags: [{ name: '--since', description: 'only refusals since (30m, 1h, 2d, ISO date; default 7d)', value: 'text' }, JSON_FLAG],
    positional: 'tool',
  },
  { name: 'allow', description: "add hosts to a tool's allow-list (a drop-in)", flags: [JSON_FLAG, { name: '--force', description: 'allow a loopback, private, link-local or metadata address (named in a warning)' }], positional: 'tool-hosts' },
  { name: 'doctor', description: 'check this machine (or one tool)', flags: [JSON_FLAG], positional: 'tool' },
  {
    name: 'log',
    description: 'show the audit log',
    flags: [
      { name: '--tool', description: 'only runs of this tool', value: 'tool' },
      { name: '--since', description: 'only runs since (30m, 1h, 2d, ISO date)', value: 'text' },
      JSON_FLAG,
    ],
    positional: 'none',
  },
  { name: 'mcp', description: 'serve the Model Context Protocol on stdio', flags: [{ name: '--root', description: 'allowed working directories', value: 'dir' }], positional: 'none' },
  {
    name: 'serve',
    description: 'serve the control room: a web page of the sessions',
    flags: [
      { name: '--port', description: 'port to listen on (0: any free one)', value: 'text' },
      { name: '--host', description: 'address to listen on instead of 127.0.0.1', value: 'text' },
      { name: '--open', description: 'open the page in the desktop browser' },
      { name: '--new-token', description: 'replace the kept token' },
    ],
    positional: 'none',
  },
  { name: 'init', description: 'write a starter config.json', flags: [], positional: 'none' },
  { name: 'schema', description: 'print the JSON Schema of the config files', flags: [{ name: '--settings', description: 'the schema of settings.json' }], positional: 'none' },
  { name: 'completion', description: 'print a shell completion script', flags: [], positional: 'shell' },
  {
    name: 'trust',
    description: "trust this project's .shim.json",
    flags: [
      { name: '--revoke', description: 'forget the trust' },
      { name: '--show', description: 'print the trust state, change nothing' },
    ],
    positional: 'none',
  },
  { name: 'help', description: 'show help for a command', flags: [], positional: 'command' },
];

/** Flags offered after a subcommand (before the tool name, for `run`). */
export function commandFlags(c: CommandSpec): FlagSpec[] {
  // `run` has no help option of its own: `shim run eslint --help` is eslint's help
  return [...c.flags, ...GLOBAL_FLAGS, ...(c.name === 'run' || c.name === 'help' ? [] : [HELP_FLAG])];
}

/** The flags' names (long and short), space-separated (a word list for compgen). */
export const flagWords = (flags: readonly FlagSpec[]) => flags.flatMap((f) => (f.short ? [f.short, f.name] : [f.name])).join(' ');
