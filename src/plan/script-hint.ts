// Whether a failed run may have failed for an install script shim did not run (pure). Most packages work
// without their scripts (esbuild finds its binary without its postinstall), so the hint follows only a
// failure that looks like it: the tool could not start (126, 127), or its own error output names one of
// those packages or a missing native binary or install step. A signal (Ctrl-C, SIGTERM), a timeout or an
// ordinary test or lint failure (exit 1 with nothing of the kind said) gets no hint.

export interface RunFailure {
  status: number;
  /** The end of the tool's stderr, when shim saw it (not on a terminal). */
  stderrTail?: string;
}

/** Words of a failure caused by a missing install step. */
const MISSING_STEP = /\b(postinstall|install scripts?|native binary|binary (?:is )?(?:not|missing)|ERR_DLOPEN_FAILED|could not locate the bindings file)\b/i;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The skipped packages the hint should name for this failure; none when it should say nothing. */
export function scriptHintFor(failure: RunFailure, skipped: readonly string[]): string[] {
  const { status, stderrTail } = failure;
  if (!skipped.length || status === 0 || status === 124 || status > 128) return [];
  if (status === 126 || status === 127) return [...skipped];
  if (stderrTail === undefined) return [];
  // a package named as a word of its own (a path such as node_modules/esbuild/… counts, @scope/esbuild not)
  const named = skipped.filter((p) => new RegExp(`(?<![\\w@.-]|@[\\w.-]*/)${escapeRe(p)}(?![\\w-])`).test(stderrTail));
  if (named.length) return named;
  return MISSING_STEP.test(stderrTail) ? [...skipped] : [];
}
