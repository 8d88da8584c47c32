// The hosts an install container may reach: the install phase runs behind the same egress proxy as an
// allow-list run, never with open network. Each mise backend needs its registry; settings.json
// "install_hosts", when set, is the whole list instead (a mirror, or a backend shim has no entry for).
import { ConfigError } from '../errors.js';
import { splitToolSpec } from './tool-spec.js';

/** Registries per mise backend. Only npm is exercised by shim's tests; the others are untested. */
export const BACKEND_HOSTS: Readonly<Record<string, readonly string[]>> = {
  npm: ['registry.npmjs.org'],
  pipx: ['pypi.org', 'files.pythonhosted.org'],
  cargo: ['index.crates.io', 'static.crates.io'],
};

/** The backend of a mise spec: "npm" for "npm:eslint", "core" for "node@22". */
export function backendOf(spec: string): string {
  const { name } = splitToolSpec(spec);
  const colon = name.indexOf(':');
  return colon > 0 ? name.slice(0, colon) : 'core';
}

/** The hosts an install may reach: settings.json "install_hosts" (else the backend's registry), plus the
 *  tool's own "install_hosts". */
export function installHosts(tool: string, spec: string, configured: readonly string[] | undefined, extra: readonly string[] = []): string[] {
  if (configured) return [...new Set([...configured, ...extra])];
  if (extra.length && !BACKEND_HOSTS[backendOf(spec)]) return [...extra];
  const backend = backendOf(spec);
  const hosts = BACKEND_HOSTS[backend];
  if (!hosts) {
    throw new ConfigError(
      `${tool}: shim does not know which hosts the install of a "${backend}" tool (${spec}) needs, and installs never get open network`,
      `list them in settings.json, e.g. "install_hosts": ["registry.npmjs.org", "github.com"]`,
    );
  }
  return [...new Set([...hosts, ...extra])];
}
