// Splits a mise tool spec ("npm:@scope/pkg@1.2.3", "node@22", "cargo:ripgrep") into name and version.

export interface ToolSpec {
  /** The spec without its version, e.g. "npm:@scope/pkg". */
  name: string;
  version?: string;
}

/** Returns the name and optional version of a mise tool spec. */
export function splitToolSpec(spec: string): ToolSpec {
  // a backend prefix ("npm:") comes before any "@"; a colon after an "@" belongs to the version
  const firstAt = spec.indexOf('@');
  const firstColon = spec.indexOf(':');
  const colon = firstAt !== -1 && firstColon > firstAt ? -1 : firstColon;
  const rest = colon === -1 ? spec : spec.slice(colon + 1);
  const at = rest.lastIndexOf('@');
  // an "@" at the start of the package part is an npm scope, not a version separator
  if (at <= 0) return { name: spec };
  const cut = spec.length - rest.length + at;
  return { name: spec.slice(0, cut), version: spec.slice(cut + 1) || undefined } as ToolSpec;
}
