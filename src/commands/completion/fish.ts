// The fish completion script: one `complete` line per subcommand, flag and positional kind, with
// conditions written as fish functions, generated from the shared model (spec.ts).
import { COMPLETION_COMMANDS, COMPLETION_SHELLS, GLOBAL_FLAGS, TOP_FLAGS, commandFlags } from './spec.js';

/** A single-quoted fish word. */
const fq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The fish completion script for shim. */
export function buildFishScript(): string {
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
      const short = f.short ? ` -s ${f.short.slice(1)}` : '';
      lines.push(`complete -c shim -n ${cond} -f${short} -l ${f.name.slice(2)}${value} -d ${fq(f.description)}`);
    }
    if (c.positional === 'tool' || c.positional === 'tool-hosts') {
      const once = c.name === 'run' ? '__shim_run_needs_tool' : `'__shim_using ${c.name}; and __shim_no_positional'`;
      lines.push(`complete -c shim -n ${once} -f -a '(__shim_tools)'`);
    } else if (c.positional === 'tools') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}' -f -a '(__shim_tools)'`);
    } else if (c.positional === 'session') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}; and __shim_no_positional' -f -a '(__shim_sessions)'`);
    } else if (c.positional === 'session-tool') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}; and __shim_no_positional' -f -a '(__shim_sessions_tools)'`);
    } else if (c.positional === 'sessions-tools') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}' -f -a '(__shim_sessions_tools)'`);
    } else if (c.positional === 'shell') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}; and __shim_no_positional' -f -a '${COMPLETION_SHELLS.join(' ')}'`);
    } else if (c.positional === 'command') {
      lines.push(`complete -c shim -n '__shim_using ${c.name}; and __shim_no_positional' -f -a '${COMPLETION_COMMANDS.map((x) => x.name).join(' ')}'`);
    }
  }
  // `subcommand option` pairs whose option takes the next word as its value
  const valued = COMPLETION_COMMANDS.flatMap((c) => c.flags.filter((f) => f.value).flatMap((f) => [f.short, f.name].filter(Boolean).map((n) => fq(`${c.name} ${n}`))));
  return `# fish completion for shim. Load it with:  shim completion fish | source
# or save it as ~/.config/fish/completions/shim.fish
# Tool names come from \`shim completion --tools\` each time, so new tools complete at once;
# session names likewise from \`shim completion --sessions\`.

function __shim_tools
    command shim completion --tools 2>/dev/null
end

function __shim_sessions
    command shim completion --sessions 2>/dev/null
end

function __shim_sessions_tools
    command shim completion --tools --sessions 2>/dev/null
end

# True when option $argv[2] of subcommand $argv[1] takes the next word as its value.
function __shim_takes_value
    switch "$argv[1] $argv[2]"
        case ${valued.join(' ')}
            return 0
    end
    return 1
end

# The words after shim that are neither options nor their values (the subcommand first).
function __shim_positionals
    set -l words (commandline -opc)
    set -e words[1]
    set -l p
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case '-*'
                # shim's options only: after \`run <tool>\` every word is the tool's
                if test (count $p) -eq 1; or test "$p[1]" != run
                    if test (count $p) -ge 1; and __shim_takes_value $p[1] $w
                        set skip 1
                    end
                end
            case '*'
                set -a p $w
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
