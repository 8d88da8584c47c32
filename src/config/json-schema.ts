// JSON Schemas of shim's config files, generated from the zod schemas (the single source of truth), for
// editors: completion, hover text and early errors through a "$schema" key. shim itself never reads
// them; its own validation is stricter (line breaks, normalised paths, port ranges, refused network
// modes… are refinements a JSON Schema cannot express) and always has the last word.
import { z } from 'zod';
import { SettingsSchema, TOOL_NAME_RE, ToolLayerSchema, type Settings, type ToolLayer } from './schema.js';

type JsonSchema = Record<string, unknown>;

/** Hover text per tool field (README.md's table, shortened); the type makes a new field without one a compile error. */
export const TOOL_FIELD_DESCRIPTIONS: Record<keyof ToolLayer, string> = {
  tool: 'mise tool spec: "npm:eslint", "npm:eslint@9.12.0", "npm:@scope/pkg", "pipx:ruff", "cargo:ripgrep"',
  command: 'command run in the container (default: the tool name)',
  mounts:
    'mounts [{src, dst, opts, allow_sensitive}] (see README.md for what src may be); dst absolute (omitted: the same path as on the host); opts "ro", "rw", and with podman "z"/"Z". Protected sources are refused unless allow_sensitive gives a reason',
  env: 'variables set in the container (strings, numbers, booleans)',
  env_passthrough: 'names of host variables copied in when set (names only, no wildcards)',
  workdir: 'working directory in the container (default: the current directory at its path in the container)',
  network: '"none" (loopback only, the default) or "bridge" (full outbound network)',
  allowed_hosts: 'the only hosts the tool may reach, through shim\'s egress proxy (the container itself has no network): "host", "*.domain" (subdomains only), optionally ":port" (else 443 via CONNECT, 80 for plain HTTP); not with "network": "bridge"',
  isolated: 'no effect, kept for older configs: every tool has its own download cache volume (shim-cache-<tool>); no cache is shared between tools',
  ports: 'published ports ("8080", "8080:80", "127.0.0.1:8080:80", "/udp"), bound to 127.0.0.1 unless an address is given; needs "network": "bridge"',
  podman_args: 'extra runtime arguments, one argv entry each; only flags shim knows are accepted, flags that undo the sandbox are refused',
  min_release_age: 'releases younger than this are not picked when the spec is resolved: "0" (off), "3d", "12h", or a date (default: settings, else "3d")',
  secrets: 'names allowed to carry secrets: a secret-looking name in env or env_passthrough is refused unless listed here',
  credentials:
    'variables the tool sees only as a per-run placeholder: {"NAME": {"from": "env:NAME" | "file:/path" (first line) | "cmd:gh auth token" (run on the host without a shell, 10 s timeout), "hosts": [...], "headers": ["x-api-key"]}}; the egress proxy decrypts TLS to those hosts only (each also in allowed_hosts), puts the real value into their Authorization header and the named headers (default x-api-key) only, and removes it from their responses',
  git_writable: "let the tool write the project's .git (by default it is mounted read-only over a writable project)",
  unsafe_podman_args: 'pass podman_args unchecked, with a warning on every run (default: false)',
  profile: '"safe", "default" or "dev": the limits and how strict the config must be (default: settings, else "default")',
  limits: 'memory, cpus, pids, timeout, output; each overrides the profile\'s value, "0"/0 turns one off',
  limits_best_effort: 'run even where the host cannot enforce memory/CPU/process limits, with a warning (default: settings, else false)',
  warm: 'keep one container running per policy and run each call in it with exec (faster on docker); each call still starts with no leftover processes and empty tmpfs dirs; not with allowed_hosts (default: settings, else false)',
  warm_idle: 'how long a warm container waits for the next call before it stops by itself, at least "10s" (default: settings, else "10m")',
  snapshot: 'snapshot the read-write host directories the tool mounts before each run (git-ignored files left out); `shim snapshot restore <run id>` undoes a run (default: false)',
  session: 'on a terminal, the tool\'s link starts a session named <tool>-<project dir> (detach with Ctrl-], `shim attach` from any terminal), or reattaches to the one running for this project (default: false)',
  worktree: 'every session of the tool (its link sessions too) works on a copy of the project of its own, on git branch shim/NAME: shim diff NAME, shim apply [--branch] NAME, shim discard NAME (default: false)',
  restart: '"on-failure" (after a status other than 0) or "always": a session\'s tool is run again after it exits, with the same copy and plan; "no" (default)',
  restart_delay: 'wait before the first restart, doubled after each one up to restart_max_delay (default "1s")',
  restart_max_delay: 'the longest wait between restarts (default "1m")',
  packages: 'npm packages installed beside the tool in the install phase, e.g. ["@eslint/js@9", "globals"]: shared configs, plugins, a language server\'s typescript; found by the tool and its config files from any directory',
  install_scripts: 'packages whose install scripts (postinstall…) run, in the install container only (registry-only network, no project, no secrets); everything else installs with scripts off',
  install_hosts: 'hosts this tool\'s install may reach besides its registry (a postinstall that downloads), same forms as allowed_hosts',
};

/** Hover text per settings.json key. */
export const SETTINGS_DESCRIPTIONS: Record<keyof Settings, string> = {
  $schema: 'JSON Schema of this file, for editors (shim ignores it)',
  runtime: '"podman" or "docker" (environment: SHIM_RUNTIME)',
  ca_bundle: 'host CA bundle (PEM) mounted read-only into every container, for networks that intercept TLS (environment: SHIM_CA_BUNDLE)',
  base_image: "base of shim's image (environment: SHIM_BASE_IMAGE)",
  image: "use this image instead of building shim's own; it must derive from shim's image (environment: SHIM_IMAGE)",
  min_release_age: 'default minimum release age for every tool: "0" (off), "3d", "12h", or a date',
  install_hosts: 'the hosts install containers may reach, replacing the built-in list (npm: registry.npmjs.org); same forms as allowed_hosts',
  profile: 'profile of tools that do not name one: "safe", "default" or "dev"',
  limits_best_effort: 'accept unenforceable limits for every tool',
  install_timeout: 'how long an install container may run before shim stops it: a duration such as "10m", or "0" for no limit (default: "10m")',
  warm: 'default of "warm" for every tool (tools with allowed_hosts run cold)',
  warm_idle: 'default of "warm_idle" for every tool',
  snapshot_retention: 'the automatic snapshots (taken before runs of tools with "snapshot": true) kept per directory, applied as each is taken: {"keep": 50, "max_age": "7d"} by default; "max_age": "0" keeps any age. Manual snapshots are never removed',
  detach_keys: 'the keys that detach a terminal from a session, in docker\'s notation: "ctrl-]" (default) or a sequence such as "ctrl-p,ctrl-q"',
};

// "input": what a user writes (env values may be numbers or booleans; optional fields stay optional).
function fromZod(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as JsonSchema;
  return rest;
}

function describeProperties(schema: JsonSchema, descriptions: Record<string, string>): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema>;
  for (const [key, description] of Object.entries(descriptions)) {
    if (properties[key]) properties[key] = { description, ...properties[key] };
  }
  return schema;
}

/** The schema of one tool entry. */
export function toolJsonSchema(): JsonSchema {
  return describeProperties(fromZod(ToolLayerSchema), TOOL_FIELD_DESCRIPTIONS);
}

/** config.json and config.d/*.json: an object keyed by tool name, plus an optional "$schema". */
export function configJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'shim tool configuration',
    description:
      'shim config.json or config.d/*.json: each key is a tool name (and the name of its link). Editor aid only: shim validates more strictly than this schema can.',
    type: 'object',
    properties: {
      $schema: { type: 'string', description: SETTINGS_DESCRIPTIONS.$schema },
    },
    patternProperties: {
      [TOOL_NAME_RE.source]: toolJsonSchema(),
    },
    additionalProperties: false,
  };
}

/** settings.json. */
export function settingsJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'shim settings',
    description: 'shim settings.json: what is not per tool. Editor aid only: shim validates more strictly than this schema can.',
    ...describeProperties(fromZod(SettingsSchema), SETTINGS_DESCRIPTIONS),
  };
}

/** The text of a shipped schema file (and of `shim schema`): two-space JSON with a final newline. */
export function schemaText(which: 'config' | 'settings'): string {
  return `${JSON.stringify(which === 'config' ? configJsonSchema() : settingsJsonSchema(), null, 2)}\n`;
}

/** The shipped files, relative to the package root. */
export const SCHEMA_FILES = { config: 'schema/config.schema.json', settings: 'schema/settings.schema.json' } as const;

