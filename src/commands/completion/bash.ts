// The bash completion script: a case per subcommand for its flags, positional kind and value-taking
// options, generated from the shared model (spec.ts).
import { COMPLETION_COMMANDS, COMPLETION_SHELLS, GLOBAL_FLAGS, TOP_FLAGS, commandFlags, flagWords } from './spec.js';

/** The bash completion script for shim. */
export function buildBashScript(): string {
  const names = COMPLETION_COMMANDS.map((c) => c.name).join(' ');
  const flagCases = COMPLETION_COMMANDS.map((c) => `    ${c.name}) flags="${flagWords(commandFlags(c))}" ;;`).join('\n');
  const posCases = COMPLETION_COMMANDS.filter((c) => c.positional !== 'none')
    .map((c) => `    ${c.name}) kind=${c.positional} ;;`)
    .join('\n');
  const valueFlags = COMPLETION_COMMANDS.flatMap((c) => c.flags.filter((f) => f.value).map((f) => ({ cmd: c.name, ...f })));
  const valueCases = valueFlags.map((f) => `    ${f.short ? `${f.cmd}:${f.short}|` : ''}${f.cmd}:${f.name}) echo ${f.value} ;;`).join('\n');
  return `# bash completion for shim. Load it with:  source <(shim completion bash)
# (e.g. in ~/.bashrc), or save it as ~/.local/share/bash-completion/completions/shim
# Tool names come from \`shim completion --tools\` each time, so new tools complete at once;
# session names likewise from \`shim completion --sessions\`.

_shim_tools() {
  command shim completion --tools 2>/dev/null
}

_shim_sessions() {
  command shim completion --sessions 2>/dev/null
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
      COMPREPLY=($(compgen -W "${flagWords([...GLOBAL_FLAGS, ...TOP_FLAGS])}" -- "$cur"))
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
    tool|tool-hosts) (( count == 0 )) && COMPREPLY=($(compgen -W "$(_shim_tools)" -- "$cur")) ;;
    tools) COMPREPLY=($(compgen -W "$(_shim_tools)" -- "$cur")) ;;
    session) (( count == 0 )) && COMPREPLY=($(compgen -W "$(_shim_sessions)" -- "$cur")) ;;
    session-tool) (( count == 0 )) && COMPREPLY=($(compgen -W "$(command shim completion --tools --sessions 2>/dev/null)" -- "$cur")) ;;
    sessions-tools) COMPREPLY=($(compgen -W "$(command shim completion --tools --sessions 2>/dev/null)" -- "$cur")) ;;
    shell) (( count == 0 )) && COMPREPLY=($(compgen -W "${COMPLETION_SHELLS.join(' ')}" -- "$cur")) ;;
    command) (( count == 0 )) && COMPREPLY=($(compgen -W "${names}" -- "$cur")) ;;
  esac
  return 0
}

complete -F _shim_complete shim
`;
}
