// `shim completion bash|zsh|fish`: prints a completion script for that shell. Subcommands and flags
// are baked into the script; tool names are not: the script runs `shim completion --tools` (one name
// per line, no JSON to parse in the shell) each time it needs them, so a newly configured tool
// completes without regenerating the script. After `run <tool>` every word is the tool's own, so the
// script offers nothing of shim's there and falls back to file names.
import type { App } from '../app.js';
import { listToolNames } from '../config/merge.js';
import { TOOL_NAME_RE } from '../config/schema.js';
import { UsageError } from '../errors.js';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** What a subcommand's positional arguments are. */
type Positional = 'none' | 'tool' | 'tools' | 'shell' | 'command';

interface FlagSpec {
  name: string;
  description: string;
  /** The flag takes a value: a tool name, a directory, or free text (nothing to complete). */
  value?: 'tool' | 'dir' | 'text';
}

interface CommandSpec {
  name: string;
  description: string;
  flags: FlagSpec[];
  positional: Positional;
}

const JSON_FLAG: FlagSpec = { name: '--json', description: 'machine-readable output' };

/** shim's own flags valid anywhere among shim's arguments (never after `run <tool>`). */
export const GLOBAL_FLAGS: FlagSpec[] = [{ name: '--no-color', description: 'no colour on stderr' }];
const TOP_FLAGS: FlagSpec[] = [
  { name: '--version', description: 'print the version' },
  { name: '--help', description: 'show help' },
];
const HELP_FLAG: FlagSpec = { name: '--help', description: 'show help for the command' };

/** Every subcommand with its flags, in the order shells show them. Keep in step with src/cli.ts. */
export const COMPLETION_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    description: 'run a configured tool',
    flags: [{ name: '--dry-run', description: 'print the runtime command, run nothing' }, { ...JSON_FLAG, description: 'print it as JSON (with --dry-run)' }],
    positional: 'tool',
  },
  { name: 'list', description: 'list configured tools', flags: [JSON_FLAG], positional: 'none' },
  { name: 'up', description: 'link every tool into the bin dir', flags: [], positional: 'none' },
  { name: 'down', description: 'remove the links pointing at shim', flags: [], positional: 'none' },
  { name: 'ps', description: 'list the warm containers that are up', flags: [JSON_FLAG], positional: 'none' },
  { name: 'stop', description: 'stop warm containers (all, or of the named tools)', flags: [], positional: 'tools' },
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
  { name: 'doctor', description: 'check this machine', flags: [JSON_FLAG], positional: 'none' },
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
function commandFlags(c: CommandSpec): FlagSpec[] {
  // `run` has no help option of its own: `shim run eslint --help` is eslint's help
  return [...c.flags, ...GLOBAL_FLAGS, ...(c.name === 'run' || c.name === 'help' ? [] : [HELP_FLAG])];
}

/** Configured tool names usable for completion; never throws and never writes to stderr. */
export function completionToolNames(app: App): string[] {
  try {
    const config = app.config();
    const broken = new Set(config.problems.flatMap((p) => p.tools));
    return listToolNames(config.layers).filter((n) => !broken.has(n) && TOOL_NAME_RE.test(n));
  } catch {
    return [];
  }
}

/** `shim completion <shell>` prints the script; `shim completion --tools` prints one tool name per line. */
export function completionCommand(app: App, shell: string | undefined, opts: { tools?: boolean } = {}): number {
  if (opts.tools) {
    const names = completionToolNames(app);
    if (names.length) app.stdout(`${names.join('\n')}\n`);
    return 0;
  }
  if (shell === undefined || !(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
    const what = shell === undefined ? 'no shell given' : `unknown shell "${shell}"`;
    throw new UsageError(`completion: ${what}; choose one of ${COMPLETION_SHELLS.join(', ')}`, 'e.g. source <(shim completion bash) in ~/.bashrc');
  }
  app.stdout(completionScript(shell as CompletionShell));
  return 0;
}

export function completionScript(shell: CompletionShell): string {
  switch (shell) {
    case 'bash':
      return bashScript();
    case 'zsh':
      return zshScript();
    case 'fish':
      return fishScript();
  }
}

const words = (flags: readonly FlagSpec[]) => flags.map((f) => f.name).join(' ');

// ---------------------------------------------------------------------------------------------- bash

function bashScript(): string {
  const names = COMPLETION_COMMANDS.map((c) => c.name).join(' ');
  const flagCases = COMPLETION_COMMANDS.map((c) => `    ${c.name}) flags="${words(commandFlags(c))}" ;;`).join('\n');
  const posCases = COMPLETION_COMMANDS.filter((c) => c.positional !== 'none')
    .map((c) => `    ${c.name}) kind=${c.positional} ;;`)
    .join('\n');
  const valueFlags = COMPLETION_COMMANDS.flatMap((c) => c.flags.filter((f) => f.value).map((f) => ({ cmd: c.name, ...f })));
  const valueCases = valueFlags.map((f) => `    ${f.cmd}:${f.name}) echo ${f.value} ;;`).join('\n');
  return `# bash completion for shim. Load it with:  source <(shim completion bash)
# (e.g. in ~/.bashrc), or save it as ~/.local/share/bash-completion/completions/shim
# Tool names come from \`shim completion --tools\` each time, so new tools complete at once.

_shim_tools() {
  command shim completion --tools 2>/dev/null
}

# Prints what the value of option $2 of subcommand $1 is (tool, dir, text); fails for a plain flag.
_shim_value_kind() {
  case "$1:$2" in
${valueCases}
    *) return 1 ;;
  esac
}

_shim_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev=""
  (( COMP_CWORD > 0 )) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()

  # the subcommand: the first word after shim that is not an option
  local i=1 cmd="" w
  while (( i < COMP_CWORD )); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --) break ;;
      -*) ;;
      *) cmd="$w"; break ;;
    esac
    (( i++ ))
  done
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "${words([...GLOBAL_FLAGS, ...TOP_FLAGS])}" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${names}" -- "$cur"))
    fi
    return 0
  fi

  # --opt=value: bash splits it into "--opt" "=" "value"
  local opt=""
  if [[ "$prev" == "=" ]] && (( COMP_CWORD > 1 )); then
    opt="\${COMP_WORDS[COMP_CWORD-2]}"
  elif [[ "$cur" == "=" ]]; then
    opt="$prev"; cur=""
  elif [[ "$prev" == -* ]]; then
    opt="$prev"
  fi
  local kind
  if [[ -n "$opt" ]] && kind=$(_shim_value_kind "$cmd" "$opt"); then
    case "$kind" in
      tool) COMPREPLY=($(compgen -W "$(_shim_tools)" -- "$cur")) ;;
      dir) local IFS=$'\\n'; COMPREPLY=($(compgen -d -- "$cur")) ;;
    esac
    return 0
  fi

  # positional words already typed after the subcommand (values of options skipped)
  local count=0 j=$(( i + 1 ))
  while (( j < COMP_CWORD )); do
    w="\${COMP_WORDS[j]}"
    case "$w" in
      =) ;;
      -*)
        # an option's value is not positional (nor the "=" of --opt=value)
        if _shim_value_kind "$cmd" "$w" >/dev/null; then
          (( j++ ))
          [[ "\${COMP_WORDS[j]}" == "=" ]] && (( j++ ))
        fi
        ;;
      *) (( count++ )) ;;
    esac
    (( j++ ))
  done

  if [[ "$cmd" == run ]] && (( count > 0 )); then
    # after \`run <tool>\` every word is the tool's: nothing of shim's, file names instead
    type compopt >/dev/null 2>&1 && compopt -o default 2>/dev/null
    return 0
  fi

  local flags="" kind=none
  case "$cmd" in
${flagCases}
  esac
  case "$cmd" in
${posCases}
  esac

  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return 0
  fi
  case "$kind" in
    tool) (( count == 0 )) && COMPREPLY=($(compgen -W "$(_shim_tools)" -- "$cur")) ;;
    tools) COMPREPLY=($(compgen -W "$(_shim_tools)" -- "$cur")) ;;
    shell) (( count == 0 )) && COMPREPLY=($(compgen -W "${COMPLETION_SHELLS.join(' ')}" -- "$cur")) ;;
    command) (( count == 0 )) && COMPREPLY=($(compgen -W "${names}" -- "$cur")) ;;
  esac
  return 0
}

complete -F _shim_complete shim
`;
}

// ----------------------------------------------------------------------------------------------- zsh

/** A single-quoted zsh word. */
const zq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A description safe inside an _arguments `[…]` or after a _describe `name:` (no brackets, no colons). */
const zdesc = (s: string) => s.replace(/[[\]:]/g, ' ');

function zshFlag(f: FlagSpec): string {
  const action = f.value === 'tool' ? ':tool:_shim_tools' : f.value === 'dir' ? ':directory:_directories' : f.value === 'text' ? ':value: ' : '';
  return zq(`${f.name}[${zdesc(f.description)}]${action}`);
}

function zshScript(): string {
  const described = COMPLETION_COMMANDS.map((c) => `    ${zq(`${c.name}:${zdesc(c.description)}`)}`).join('\n');
  const cases = COMPLETION_COMMANDS.map((c) => {
    const flags = commandFlags(c).map(zshFlag);
    const pos =
      c.name === 'run'
        ? [zq('1:tool:_shim_tools'), zq('*::tool arguments:_files')]
        : c.positional === 'tool'
          ? [zq('1:tool:_shim_tools')]
          : c.positional === 'tools'
            ? [zq('*:tool:_shim_tools')]
            : c.positional === 'shell'
              ? [zq(`1:shell:(${COMPLETION_SHELLS.join(' ')})`)]
              : c.positional === 'command'
                ? [zq('1:command:_shim_commands')]
                : [];
    // -A '-*': no options of shim's after the first positional word (the tool's own, for run)
    const head = c.name === 'run' ? `_arguments -s -A '-*'` : '_arguments -s';
    return `    (${c.name})\n      ${[head, ...flags, ...pos].join(' \\\n        ')}\n      ;;`;
  }).join('\n');
  return `#compdef shim
# zsh completion for shim. Load it with:  source <(shim completion zsh)  (after compinit),
# or save it as _shim in a directory on $fpath.
# Tool names come from \`shim completion --tools\` each time, so new tools complete at once.

_shim_tools() {
  local -a tools
  tools=(\${(f)"$(command shim completion --tools 2>/dev/null)"})
  _describe -t tools 'tool' tools
}

_shim_commands() {
  local -a commands
  commands=(
${described}
  )
  _describe -t commands 'shim command' commands
}

_shim() {
  local curcontext="$curcontext" state line ret=1
  typeset -A opt_args
  _arguments -C \\
    ${GLOBAL_FLAGS.map(zshFlag).join(' \\\n    ')} \\
    '(- *)--version[print the version]' \\
    '(- *)--help[show help]' \\
    '1: :_shim_commands' \\
    '*:: :->args' && ret=0
  case $state in
    (args)
      curcontext="\${curcontext%:*:*}:shim-$words[1]:"
      case $words[1] in
${cases}
      esac
      ;;
  esac
  return ret
}

if [[ "$funcstack[1]" == _shim ]]; then
  _shim "$@"
else
  compdef _shim shim
fi
`;
}

// ---------------------------------------------------------------------------------------------- fish

const fq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishScript(): string {
  const lines: string[] = [];
  for (const c of COMPLETION_COMMANDS) {
    lines.push(`complete -c shim -n __shim_needs_command -f -a ${c.name} -d ${fq(c.description)}`);
  }
  for (const f of [...GLOBAL_FLAGS, ...TOP_FLAGS]) {
    lines.push(`complete -c shim -n __shim_needs_command -f -l ${f.name.slice(2)} -d ${fq(f.description)}`);
  }
  for (const c of COMPLETION_COMMANDS) {
    // `run` takes its flags only before the tool name
    const cond = c.name === 'run' ? '__shim_run_needs_tool' : `'__shim_using ${c.name}'`;
    for (const f of commandFlags(c)) {
      const value = f.value === 'tool' ? ` -x -a '(__shim_tools)'` : f.value === 'dir' ? ` -x -a '(__fish_complete_directories)'` : f.value === 'text' ? ' -x' : '';
      lines.push(`complete -c shim -n ${cond} -f -l ${f.name.slice(2)}${value} -d ${fq(f.description)}`);
    }
    if (c.positional === 'tool') {
      const once = c.name === 'run' ? '__shim_run_needs_tool' : `'__shim_using ${c.name}; and __shim_no_positional'`;
      lines.push(`complete -c shim -n ${once} -f -a '(__shim_tools)'`);
    } else if (c.positional === 'tools') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}' -f -a '(__shim_tools)'`);
    } else if (c.positional === 'shell') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}; and __shim_no_positional' -f -a '${COMPLETION_SHELLS.join(' ')}'`);
    } else if (c.positional === 'command') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}; and __shim_no_positional' -f -a '${COMPLETION_COMMANDS.map((x) => x.name).join(' ')}'`);
    }
  }
  return `# fish completion for shim. Load it with:  shim completion fish | source
# or save it as ~/.config/fish/completions/shim.fish
# Tool names come from \`shim completion --tools\` each time, so new tools complete at once.

function __shim_tools
    command shim completion --tools 2>/dev/null
end

# The words after shim that are not options (the subcommand first).
function __shim_positionals
    set -l words (commandline -opc)
    set -e words[1]
    for w in $words
        switch $w
            case '-*'
            case '*'
                echo $w
        end
    end
end

function __shim_needs_command
    set -l p (__shim_positionals)
    test (count $p) -eq 0
end

function __shim_using
    set -l p (__shim_positionals)
    test (count $p) -ge 1; and test "$p[1]" = $argv[1]
end

# True when only the subcommand has been typed (no positional word after it).
function __shim_no_positional
    set -l p (__shim_positionals)
    test (count $p) -eq 1
end

function __shim_run_needs_tool
    set -l p (__shim_positionals)
    test (count $p) -eq 1; and test "$p[1]" = run
end

# True after \`run <tool>\`: every word is the tool's, so shim offers nothing and files complete.
function __shim_run_has_tool
    set -l p (__shim_positionals)
    test (count $p) -ge 2; and test "$p[1]" = run
end

complete -c shim -e
complete -c shim -n 'not __shim_run_has_tool' -f
${lines.join('\n')}
`;
}
