// Quoting for the two places argv values are embedded in a string: --mount's CSV fields, and the
// paste-safe command line shown by SHIM_DEBUG and --dry-run.

/** Joins key=value fields for --mount, CSV-quoting any field with a comma or quote (podman and
 *  docker parse --mount as CSV), so a directory named "a,dst=/x" cannot inject a field. */
export function mountSpec(fields: readonly string[]): string {
  return fields.map((f) => (/[",\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}

/** Returns a shell command line that reproduces argv exactly when pasted. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
