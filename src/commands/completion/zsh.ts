// The zsh completion script: one _arguments spec per subcommand, generated from the shared model
// (spec.ts).
import { COMPLETION_COMMANDS, COMPLETION_SHELLS, GLOBAL_FLAGS, commandFlags, type CommandSpec, type FlagSpec } from './spec.js';

/** A single-quoted zsh word. */
const zq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A description safe inside an _arguments `[…]` or after a _describe `name:` (no brackets, no colons). */
const zdesc = (s: string) => s.replace(/[[\]:]/g, ' ');

/** A flag's _arguments specs: one, or two for a flag with a short form (each excluding the other). */
function zshFlag(f: FlagSpec): string[] {
  const action = f.value === 'tool' ? ':tool:_shim_tools' : f.value === 'dir' ? ':directory:_directories' : f.value === 'text' ? ':value: ' : '';
  const spec = (name: string, exclude: string) => zq(`${exclude}${name}[${zdesc(f.description)}]${action}`);
  return f.short ? [spec(f.short, `(${f.short} ${f.name})`), spec(f.name, `(${f.short} ${f.name})`)] : [spec(f.name, '')];
}

/** The _arguments specs of a subcommand's positional arguments. */
function zshPositional(c: CommandSpec): string[] {
  if (c.name === 'run') return [zq('1:tool:_shim_tools'), zq('*::tool arguments:_files')];
  switch (c.positional) {
    case 'tool':
      return [zq('1:tool:_shim_tools')];
    case 'tool-hosts':
      return [zq('1:tool:_shim_tools'), zq('*:host (allowed_hosts entry): ')];
    case 'tools':
      return [zq('*:tool:_shim_tools')];
    case 'session':
      return c.name === 'shell' ? [zq('1:session:_shim_sessions'), zq('*::command (after --): ')] : [zq('1:session:_shim_sessions')];
    case 'session-tool':
      return [zq('1:session or tool:_shim_sessions_tools')];
    case 'sessions-tools':
      return [zq('*:session or tool:_shim_sessions_tools')];
    case 'shell':
      return [zq(`1:shell:(${COMPLETION_SHELLS.join(' ')})`)];
    case 'command':
      return [zq('1:command:_shim_commands')];
    case 'none':
      return [];
  }
}

/** The zsh completion script for shim (#compdef: loadable from $fpath or by source). */
export function buildZshScript(): string {
  const described = COMPLETION_COMMANDS.map((c) => `    ${zq(`${c.name}:${zdesc(c.description)}`)}`).join('\n');
  const cases = COMPLETION_COMMANDS.map((c) => {
    const flags = commandFlags(c).flatMap(zshFlag);
    const pos = zshPositional(c);
    // -A '-*': no options of shim's after the first positional word (the tool's own, for run)
    const head = c.name === 'run' ? `_arguments -s -A '-*'` : '_arguments -s';
    return `    (${c.name})\n      ${[head, ...flags, ...pos].join(' \\\n        ')}\n      ;;`;
  }).join('\n');
  return `#compdef shim
# zsh completion for shim. Load it with:  source <(shim completion zsh)  (after compinit),
# or save it as _shim in a directory on $fpath.
# Tool names come from \`shim completion --tools\` each time, so new tools complete at once;
# session names likewise from \`shim completion --sessions\`.

_shim_tools() {
  local -a tools
  tools=(\${(f)"$(command shim completion --tools 2>/dev/null)"})
  _describe -t tools 'tool' tools
}

_shim_sessions() {
  local -a sessions
  sessions=(\${(f)"$(command shim completion --sessions 2>/dev/null)"})
  _describe -t sessions 'session' sessions
}

_shim_sessions_tools() {
  local -a names
  names=(\${(f)"$(command shim completion --tools --sessions 2>/dev/null)"})
  _describe -t names 'session or tool' names
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
    ${GLOBAL_FLAGS.flatMap(zshFlag).join(' \\\n    ')} \\
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
