// Which variables a tool may be given (pure). Checked by buildRunPlan before any container starts:
//  - names are plain variable names (the schema checks this too; checked again here because a
//    ResolvedTool can be built by other code than the config loader);
//  - a secret-looking name (see SECRET_NAME_PATTERNS), configured in `env` or copied by
//    `env_passthrough`, must be listed in the tool's `secrets`: a secret reaches a tool only by a
//    second, explicit decision;
//  - names that point at the host's control sockets are never passed, even when listed in `secrets`;
//  - names shim sets itself (HOME, PATH, the CA and cache variables) cannot be configured.
// A name in `secrets` that the tool never passes is allowed silently: it grants nothing by itself.
import type { ResolvedTool } from '../config/merge.js';
import { ENV_NAME_RE } from '../config/names.js';
import { ConfigError } from '../errors.js';
import { CA_BUNDLE_VARS, RUN_CACHE_ENV, secretPattern } from './env.js';

/** Never passed to a tool, whatever the config says: each one hands over a host service. */
export const NEVER_PASSED: Readonly<Record<string, string>> = {
  SSH_AUTH_SOCK: 'it points at your ssh-agent: whoever can reach it can log in anywhere as you',
  DOCKER_HOST: 'it points at a container engine: whoever can reach it is root on that host',
  CONTAINER_HOST: 'it points at a podman service: whoever can reach it controls your containers',
  DBUS_SESSION_BUS_ADDRESS: 'it points at your desktop session bus (keyrings, notifications, process launching)',
  DBUS_SYSTEM_BUS_ADDRESS: 'it points at the system bus (system services, polkit)',
  XDG_RUNTIME_DIR: 'your runtime directory holds the sockets of your session (podman, dbus, ssh-agent, gpg-agent)',
  GPG_AGENT_INFO: 'it points at your gpg-agent, which signs and decrypts with your keys',
};

const CA_REASON = 'shim points it at the CA bundle it mounts; set "ca_bundle" in settings.json (or SHIM_CA_BUNDLE) instead';

/** Set by shim in every run container; configuring them would break what shim's isolation relies on. */
export const SHIM_OWNED: Readonly<Record<string, string>> = {
  HOME: 'HOME is shim\'s private tmpfs (/home/shim); another HOME could point the tool at a mount or the read-only install',
  PATH: 'PATH is the tool\'s own bin directories, then the image\'s; another PATH could run something else than the installed tool',
  ...Object.fromEntries(CA_BUNDLE_VARS.map((n) => [n, CA_REASON])),
  ...Object.fromEntries(Object.keys(RUN_CACHE_ENV).map((n) => [n, 'shim keeps caches in the tool\'s private tmpfs HOME (the install volume is read-only at run time)'])),
};

/** One refused variable: where it is configured and why. */
export interface EnvViolation {
  /** `<tool>.env.NAME` or `<tool>.env_passthrough[i]`. */
  path: string;
  name: string;
  message: string;
  fix: string;
}

function lookup(table: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(table).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : table[key];
}

function check(tool: ResolvedTool, name: string, path: string): EnvViolation | undefined {
  if (!ENV_NAME_RE.test(name)) {
    return { path, name, message: `${JSON.stringify(name)} is not a variable name (letters, digits, "_"; no wildcards)`, fix: 'use the exact variable name' };
  }
  const never = lookup(NEVER_PASSED, name);
  if (never) return { path, name, message: `${name} is never passed to a tool, even when listed in secrets: ${never}`, fix: `remove ${name}` };
  const owned = lookup(SHIM_OWNED, name);
  if (owned) return { path, name, message: `${name} is set by shim and cannot be configured: ${owned}`, fix: `remove ${name}` };
  const pattern = secretPattern(name);
  if (pattern && !tool.secrets.includes(name)) {
    return {
      path,
      name,
      message: `${name} looks like a secret (it matches ${pattern}) and is not listed in ${tool.name}.secrets`,
      fix: `add "${name}" to ${tool.name}.secrets if this tool should get it`,
    };
  }
  return undefined;
}

/** Every variable of the tool that shim refuses to pass (configured values first, then passthrough). */
export function envViolations(tool: ResolvedTool): EnvViolation[] {
  const out: EnvViolation[] = [];
  for (const name of Object.keys(tool.env)) {
    const v = check(tool, name, `${tool.name}.env.${name}`);
    if (v) out.push(v);
  }
  tool.env_passthrough.forEach((name, i) => {
    const v = check(tool, name, `${tool.name}.env_passthrough[${i}]`);
    if (v) out.push(v);
  });
  return out;
}

/** Throws a ConfigError naming every refused variable, with why and the fix. */
export function checkEnvPolicy(tool: ResolvedTool): void {
  const violations = envViolations(tool);
  if (!violations.length) return;
  const lines = violations.map((v) => `${v.path}: ${v.message}; ${v.fix}`);
  const hint = [...new Set(violations.map((v) => v.fix))].join('; ');
  if (lines.length === 1) throw new ConfigError(lines[0]!, hint);
  throw new ConfigError(`${tool.name}: ${lines.length} variables are refused:\n${lines.join('\n')}`, hint);
}
