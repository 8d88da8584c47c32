// What a project's .shim.json did to the config, and how that is told to the user: the fields it
// was not allowed to widen, whether it is trusted, refused or changed since it was trusted.
import type { Settings, ToolLayer } from './schema.js';

/** One field of one tool that gives more than the layers below it did. */
export interface Widening {
  tool: string;
  field: keyof ToolLayer;
  /** What it asks for and what you had, e.g. `"bridge" (full outbound network; yours: "none")`. */
  detail: string;
}

export interface ProjectState {
  /** The .shim.json (its directory's real path joined with the name). */
  file: string;
  /** The project root: the directory holding the file. */
  root: string;
  /** trusted: applied whole; untrusted: never trusted, narrowing only; changed: trusted once, changed
   *  since, narrowing only; refused: not read (owner, mode, symlink); invalid: failed validation. */
  status: 'trusted' | 'untrusted' | 'changed' | 'refused' | 'invalid';
  /** sha256 of the bytes read (not for refused files). */
  sha256?: string;
  /** Why the file was refused (status "refused"). */
  refusal?: string;
  /** Widening fields dropped from the layer (untrusted or changed). */
  ignored: Widening[];
  /** changed: what the file now asks for beyond the version you trusted. */
  sinceTrusted: Widening[];
  /** changed: when the previous version was trusted. */
  trustedAt?: string;
}

export interface ProjectContext {
  cwd: string;
  home: string;
  uid: number;
  stateDir: string;
  settings: Settings;
  configDir: string;
  /** For min_release_age dates (tests). */
  now?: number;
}

/** One line per widening, as warned about and as listed by `shim trust`. */
export function formatWidening(w: Widening): string {
  return `${w.tool}.${w.field}: ${w.detail}`;
}

/** The warnings a project layer produces on every command that loads the config. */
export function projectWarnings(state: ProjectState): string[] {
  const allow = `run \`shim trust\` in ${state.root} to allow`;
  switch (state.status) {
    case 'refused':
      return [`ignoring ${state.file}: it ${state.refusal}`];
    case 'untrusted':
      return state.ignored.map((w) => `${state.file}: ignored ${formatWidening(w)}; ${allow}`);
    case 'changed': {
      const head = `${state.file} changed since you trusted it (${state.trustedAt}); only its narrowing settings apply until you trust it again`;
      const diff = state.sinceTrusted.length
        ? `${head}; widened since then:\n${state.sinceTrusted.map((w) => `  ${formatWidening(w)}`).join('\n')}`
        : `${head}; it widens nothing compared with the version you trusted`;
      return [diff, ...state.ignored.map((w) => `${state.file}: ignored ${formatWidening(w)}; ${allow}`)];
    }
    default:
      return [];
  }
}
