// The container's environment: exactly shim's own variables, the configured passthrough names that
// are set on the host, and the configured values. Nothing else of the host enters.
import type { ResolvedTool } from '../config/merge.js';
import type { Env } from '../host.js';

/** Where the CA bundle is mounted inside every container, and the variables that point tools at it. */
export const CA_BUNDLE_DST = '/etc/shim/ca-bundle.crt';
export const CA_BUNDLE_VARS = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'];

/** The image's PATH, after the tool's own bin directories. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const CONTAINER_HOME = '/home/shim';

/** Secret-looking variable names, with the pattern shown to the user. One table for both uses: values
 *  of these names are never printed (SHIM_DEBUG, --dry-run), and a tool gets one only when the name is
 *  listed in its `secrets` (env-policy.ts). `AUTH` skips `AUTHOR` (GIT_AUTHOR_NAME is not a secret) but not `AUTHORI…`. */
export const SECRET_NAME_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/TOKEN/i, '*TOKEN*'],
  [/SECRET/i, '*SECRET*'],
  [/PASSW/i, '*PASSWORD*/*PASSWD*'],
  [/PASSPHRASE/i, '*PASSPHRASE*'],
  [/_PWD$/i, '*_PWD'],
  [/CREDENTIAL/i, '*CREDENTIAL*'],
  [/PRIVATE/i, '*PRIVATE*'],
  [/API_?KEY/i, '*API_KEY*'],
  [/_KEYS?$/i, '*_KEY'],
  [/^AWS_/i, 'AWS_*'],
  [/^AZURE_/i, 'AZURE_*'],
  [/AUTH(?!OR(?!I))/i, '*AUTH*'],
  [/COOKIE/i, '*COOKIE*'],
  [/_PAT$/i, '*_PAT'],
];

/** The pattern a secret-looking name matches (e.g. "*TOKEN*"), else undefined. */
export function secretPattern(name: string): string | undefined {
  return SECRET_NAME_PATTERNS.find(([re]) => re.test(name))?.[1];
}

/** True when a variable's value must be redacted in anything shim prints. */
export function isSecretName(name: string): boolean {
  return secretPattern(name) !== undefined;
}

/** Returns the variables shim sets itself (HOME, PATH, CA bundle). */
export function baseEnv(binPaths: readonly string[], caBundle: boolean): Record<string, string> {
  const env: Record<string, string> = {
    HOME: CONTAINER_HOME,
    PATH: [...binPaths, IMAGE_PATH].join(':'),
  };
  if (caBundle) for (const name of CA_BUNDLE_VARS) env[name] = CA_BUNDLE_DST;
  return env;
}

/** Run-phase overrides of the image's cache locations: the install volume is read-only at run time and
 *  the download caches are install-only, so anything a tool caches goes to its tmpfs HOME. */
export const RUN_CACHE_ENV: Readonly<Record<string, string>> = {
  NPM_CONFIG_CACHE: `${CONTAINER_HOME}/.npm`,
  MISE_CACHE_DIR: `${CONTAINER_HOME}/.cache/mise`,
};

/** Merges base, passthrough (only names set on the host) and configured env; later wins. Also
 *  returns the names whose values came from the host, which are always redacted. */
export function buildToolEnv(
  tool: ResolvedTool,
  hostEnv: Env,
  base: Record<string, string>,
): { env: Record<string, string>; fromHost: string[] } {
  const env = { ...base };
  const fromHost: string[] = [];
  for (const name of tool.env_passthrough) {
    const value = hostEnv[name];
    if (value === undefined) continue;
    env[name] = value;
    fromHost.push(name);
  }
  Object.assign(env, tool.env);
  return { env, fromHost: fromHost.filter((n) => !(n in tool.env)) };
}

/** Returns `--env NAME=value` pairs (always with a value: a bare NAME would copy the runtime's own env). */
export function buildEnvArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
}
