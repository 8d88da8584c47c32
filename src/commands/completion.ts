// `shim completion bash|zsh|fish`: prints a completion script for that shell. Subcommands and flags
// are baked into the script; tool names are not: the script runs `shim completion --tools` (one name
// per line, no JSON to parse in the shell) each time it needs them, so a newly configured tool
// completes without regenerating the script. Session names likewise come from the hidden
// `shim completion --sessions` (every session with a record; no socket is asked). After `run <tool>`
// every word is the tool's own, so the script offers nothing of shim's there and falls back to file names.
import type { App } from '../app/with-config-files.js';
import { listToolNames } from '../config/merge.js';
import { TOOL_NAME_RE } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { sessionNames } from '../session/store.js';
import { buildBashScript } from './completion/bash.js';
import { buildFishScript } from './completion/fish.js';
import { COMPLETION_SHELLS, type CompletionShell } from './completion/spec.js';
import { buildZshScript } from './completion/zsh.js';

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

/** Names of the sessions that have a record (running or ended); never throws. */
export function completionSessionNames(app: App): string[] {
  try {
    return sessionNames(app.paths.stateDir);
  } catch {
    return [];
  }
}

/** `shim completion <shell>` prints the script; `shim completion --tools` prints one tool name per
 *  line, `--sessions` one session name per line (both: tools first). */
export function completionCommand(app: App, shell: string | undefined, opts: { tools?: boolean; sessions?: boolean } = {}): number {
  if (opts.tools || opts.sessions) {
    const names = [...new Set([...(opts.tools ? completionToolNames(app) : []), ...(opts.sessions ? completionSessionNames(app) : [])])];
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

/** The completion script for one shell. */
export function completionScript(shell: CompletionShell): string {
  switch (shell) {
    case 'bash':
      return buildBashScript();
    case 'zsh':
      return buildZshScript();
    case 'fish':
      return buildFishScript();
  }
}
