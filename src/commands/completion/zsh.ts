// The zsh completion script: one _arguments spec per subcommand, generated from the shared model
// (spec.ts).
import { COMPLETION_COMMANDS, COMPLETION_SHELLS, GLOBAL_FLAGS, commandFlags, type FlagSpec } from './spec.js';

/** A single-quoted zsh word. */
const zq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A description safe inside an _arguments `[…]` or after a _describe `name:` (no brackets, no colons). */
const zdesc = (s: string) => s.replace(/[[\]:]/g, ' ');

function zshFlag(f: FlagSpec): string {
  const action = f.value === 'tool' ? ':tool:_shim_tools' : f.value === 'dir' ? ':directory:_directories' : f.value === 'text' ? ':value: ' : '';
  return zq(`${f.name}[${zdesc(f.description)}]${action}`);
}

/** The zsh completion script for shim (#compdef: loadable from $fpath or by source). */
export function buildZshScript(): string {
  const described = COMPLETION_COMMANDS.map((c) => `    ${zq(`${c.name}:${zdesc(c.description)}`)}`).join('\n');
  const cases = COMPLETION_COMMANDS.map((c) => {
    const flags = commandFlags(c).map(zshFlag);
    const pos =
      c.name === 'run'
        ? [zq('1:tool:_shim_tools'), zq('*::tool arguments:_files')]
        : c.positional === 'tool'
          ? [zq('1:tool:_shim_tools')]
          : c.positional === 'tool-hosts'
            ? [zq('1:tool:_shim_tools'), zq('*:host (allowed_hosts entry): ')]
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
