// Brokered credentials (pure): a variable of `credentials` reaches the tool only as a placeholder unique
// to the run; the egress proxy, which alone holds the real value, terminates TLS for the bound hosts with
// a per-run CA and replaces the placeholder in their request headers. Decided here: the placeholders,
// the checks (every bound host is in allowed_hosts, the proxy runs, no name is also set another way),
// and the CA files and variables the container gets. The values are read by the executor
// (runtime/credentials.ts), never by a planner.
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import { ConfigError } from '../errors.js';
import { CA_BUNDLE_VARS } from './env.js';
import { PROXY_MOUNT_DST, type CredentialBinding } from './egress.js';
import type { NetworkMode } from './network.js';

export type { CredentialBinding };
/** The run's CA (and the host ca_bundle, if any): added to Node's own store. */
export const CREDENTIAL_CA_FILE = 'ca.pem';
/** Node's root store + the host ca_bundle + the run's CA: for clients whose variable replaces their store. */
export const CREDENTIAL_BUNDLE_FILE = 'ca-bundle.pem';
export const PLACEHOLDER_PREFIX = 'shim-cred-';

/** The placeholder of one variable in one run (the run id is random, see app.newRunId). */
export function credentialPlaceholder(runId: string, name: string): string {
  return `${PLACEHOLDER_PREFIX}${runId}-${name.toLowerCase().replace(/_/g, '-')}`;
}

/** Where a credential goes when its config names no header: most API-key services read x-api-key. */
export const DEFAULT_CREDENTIAL_HEADERS = ['x-api-key'];

/** The request headers where the proxy replaces a credential's placeholder: Authorization and
 *  Proxy-Authorization always, then the ones the credential names (else x-api-key). Never any other
 *  header: a server that echoes one (Origin into CORS headers, anything into an error page) would
 *  hand the real value back to the tool. */
export function credentialHeaders(named: readonly string[] | undefined): string[] {
  return [...new Set(['authorization', 'proxy-authorization', ...(named ?? DEFAULT_CREDENTIAL_HEADERS).map((h) => h.toLowerCase())])];
}

/** The optional credentials a run leaves out because their source is missing, with that source. */
export function unsetCredentials(tool: Pick<ResolvedTool, 'credentials'>, absent: ReadonlySet<string>): { name: string; from: string }[] {
  return Object.entries(tool.credentials).filter(([name, c]) => c.optional && absent.has(name)).map(([name, c]) => ({ name, from: describeSource(c.from) }));
}

/** The bindings of a run, checked; none when the tool has no credentials. An optional credential named in
 *  `missing` (its source is absent on the host) is left out: the tool does not get the variable at all. */
export function planCredentials(
  tool: Pick<ResolvedTool, 'name' | 'credentials' | 'allowed_hosts' | 'env' | 'env_passthrough'>,
  mode: NetworkMode,
  runId: string,
  missing: ReadonlySet<string> = new Set(),
): CredentialBinding[] {
  const entries = Object.entries(tool.credentials);
  if (!entries.length) return [];
  if (mode !== 'allowlist') {
    throw new ConfigError(
      `${tool.name}: credentials ${entries.map(([k]) => k).join(', ')} are brokered by the egress proxy, which runs only with allowed_hosts (this run's network is "${mode}")`,
      mode === 'bridge' ? 'unset SHIM_ALLOW_NETWORK, or remove "network": "bridge" and list the hosts in allowed_hosts' : 'list the bound hosts in allowed_hosts',
    );
  }
  // every credential is checked, a missing optional one too: its mistake must not wait until it is set
  const checked = entries.map(([name, c]) => {
    const unlisted = c.hosts.find((h) => !tool.allowed_hosts.includes(h));
    if (unlisted) {
      throw new ConfigError(
        `${tool.name}: credentials.${name} is bound to ${unlisted}, which is not in allowed_hosts`,
        `add ${JSON.stringify(unlisted)} to allowed_hosts of ${tool.name}, or remove it from credentials.${name}.hosts`,
      );
    }
    if (name in tool.env || tool.env_passthrough.includes(name)) {
      throw new ConfigError(
        `${tool.name}: ${name} is both a credential and set by ${name in tool.env ? 'env' : 'env_passthrough'} (the tool would get the real value)`,
        `remove ${name} from ${name in tool.env ? 'env' : 'env_passthrough'} of ${tool.name}: the credential gives the tool a placeholder`,
      );
    }
    return { name, from: c.from, hosts: [...c.hosts], placeholder: credentialPlaceholder(runId, name), headers: credentialHeaders(c.headers), optional: Boolean(c.optional) };
  });
  return checked.filter((b) => !(b.optional && missing.has(b.name))).map(({ optional: _optional, ...b }) => b);
}

/** The file a `file:` source names (its first line is the value): absolute, or `~/…` under `home`. */
export function credentialFilePath(from: string, home: string): string {
  const raw = from.slice('file:'.length);
  return raw.startsWith('~/') ? path.posix.join(home, raw.slice(2)) : raw;
}

/** The tool's environment with each placeholder and the CA variables pointing at the run's CA files
 *  (in the proxy's socket directory, mounted read-only). Unchanged without bindings. */
export function withCredentialEnv(env: Readonly<Record<string, string>>, bindings: readonly CredentialBinding[]): Record<string, string> {
  if (!bindings.length) return { ...env };
  const out: Record<string, string> = { ...env };
  for (const b of bindings) out[b.name] = b.placeholder;
  // NODE_EXTRA_CA_CERTS adds to Node's store; the others replace their client's store, so they get the whole bundle
  for (const name of CA_BUNDLE_VARS) out[name] = path.posix.join(PROXY_MOUNT_DST, name === 'NODE_EXTRA_CA_CERTS' ? CREDENTIAL_CA_FILE : CREDENTIAL_BUNDLE_FILE);
  return out;
}

/** A credential's source as shim shows it: a cmd: source's command line is not shown. */
export function describeSource(from: string): string {
  return from.replace(/^(cmd:).*$/s, '$1…');
}

/** Whether a credential's source is there, as the facts found it: `env:` set and not empty, `file:`
 *  readable. A `cmd:` source counts as there (it is run when the run starts, and its failure is an
 *  error even for an optional credential: a broken token helper is not an absent credential). */
export interface CredentialSourceFacts {
  envSet: (name: string) => boolean;
  fileReadable: (from: string) => boolean;
}

/** Names of the tool's credentials, optional or not, whose source is missing. */
export function findAbsentCredentials(tool: Pick<ResolvedTool, 'credentials'>, facts: CredentialSourceFacts): string[] {
  return Object.entries(tool.credentials)
    .filter(([, c]) => (c.from.startsWith('env:') ? !facts.envSet(c.from.slice(4)) : c.from.startsWith('file:') ? !facts.fileReadable(c.from) : false))
    .map(([name]) => name);
}
