// Name rules shared by the schema and the run path. Kept apart from schema.ts so that a tool link,
// which must not load the schema validator on its fast path, can still check names.

/** Tool names: usable as a file name, a link name and (almost) a container name. */
export const TOOL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
/** Environment variable names shim accepts (no wildcards, no `=`, nothing podman would expand). */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
