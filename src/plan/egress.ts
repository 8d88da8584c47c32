// Allow-list mode: the container has no network at all (`--network none`, loopback only) and reaches the
// hosts of `allowed_hosts` only through shim's proxy. The proxy is a child process of shim on the host,
// listening on a Unix socket in a private directory that is bind-mounted into the container, where a
// forwarder (containerfiles/with-proxy.sh) exposes it on 127.0.0.1:3128. There is no route, no resolver
// and no other way out, identically on rootless podman, rootful podman and docker.
import { socketBase } from './socket-base.js';
import path from 'node:path';
import type { HostEnv } from '../host.js';

/** Where the proxy's socket directory is mounted in the container (the forwarder expects it there). */
export const PROXY_MOUNT_DST = '/run/shim';
/** The in-container forwarder that starts before the tool. */
export const PROXY_FORWARDER = '/usr/local/libexec/shim/with-proxy';
export const PROXY_URL = 'http://127.0.0.1:3128';

/** One brokered variable of one run (plan/credentials.ts). */
export interface CredentialBinding {
  name: string;
  /** `env:NAME`, `file:PATH` or `cmd:…` (read on the host by the executor, never by the proxy). */
  from: string;
  /** As written in the config (allowed_hosts forms). */
  hosts: string[];
  /** What the tool sees instead of the value: unique per run and variable, useless elsewhere. */
  placeholder: string;
  /** Request headers (lower case) where the proxy replaces the placeholder, Authorization included. */
  headers: string[];
}

export interface ProxyPlan {
  /** Host directory for the socket, created 0700 by the executor before the container starts. */
  socketDir: string;
  socketPath: string;
  /** The proxy process (argv[0] is the Node binary). */
  argv: string[];
  /** Its whole environment: nothing of the user's. */
  env: Record<string, string>;
  /** Exactly the configured list: nothing is merged in. */
  allowedHosts: string[];
  /** Brokered credentials: the executor reads their values and hands them to the proxy on its stdin. */
  credentials: CredentialBinding[];
  /** The host CA bundle (settings ca_bundle / SHIM_CA_BUNDLE): trusted upstream and kept in the container's bundle. */
  caBundle?: string;
}

/** The config the proxy process reads from its last argument. */
export interface ProxyConfig {
  socket: string;
  tool: string;
  allow: string[];
  /** Brokered variables without their values (which come on stdin, see proxy/main.ts). */
  credentials: { name: string; hosts: string[]; placeholder: string; headers: string[] }[];
}

function majorMinor(nodeVersion: string): [number, number] {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  return [major, minor];
}

/** Node's permission model (no file reads beyond shim's own code, no child processes, no workers)
 *  confines the proxy, whose parser faces the tool's requests. The flag lost "experimental" in 22.13/23.5. */
export function permissionFlag(nodeVersion: string): string {
  const [major, minor] = majorMinor(nodeVersion);
  return major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13) ? '--permission' : '--experimental-permission';
}

/** A private directory per run: under XDG_RUNTIME_DIR when it is set (a per-user tmpfs), else /tmp. */
export function proxySocketDir(host: Pick<HostEnv, 'env' | 'uid'>, runId: string): string {
  return path.join(socketBase(host.env), `shim-egress-${host.uid}-${runId}`);
}

export function planProxy(
  host: Pick<HostEnv, 'env' | 'uid' | 'packageRoot' | 'node'>,
  tool: string,
  allowedHosts: readonly string[],
  runId: string,
  brokered: { credentials?: readonly CredentialBinding[]; caBundle?: string | undefined } = {},
): ProxyPlan {
  const socketDir = proxySocketDir(host, runId);
  const socketPath = path.join(socketDir, 'proxy.sock');
  const dist = path.join(host.packageRoot, 'dist');
  const credentials = [...(brokered.credentials ?? [])];
  const config: ProxyConfig = { socket: socketPath, tool, allow: [...allowedHosts], credentials: credentials.map(({ name, hosts, placeholder, headers }) => ({ name, hosts, placeholder, headers })) };
  return {
    socketDir,
    socketPath,
    argv: [
      host.node.path,
      permissionFlag(host.node.version),
      `--allow-fs-read=${dist}`,
      // from Node 25 the permission model also closes the network, which is the proxy's whole job
      ...(majorMinor(host.node.version)[0] >= 25 ? ['--allow-net'] : []),
      '--no-warnings',
      path.join(dist, 'proxy.mjs'),
      JSON.stringify(config),
    ],
    // lookups run on libuv's thread pool: a larger pool keeps one slow name from delaying the others
    env: { UV_THREADPOOL_SIZE: '16' },
    allowedHosts: [...allowedHosts],
    credentials,
    ...(credentials.length && brokered.caBundle ? { caBundle: brokered.caBundle } : {}),
  };
}

/** What the tool is told: every spelling of the proxy variables, nothing exempt, and Node's opt-in. */
export function proxyEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY']) {
    env[name] = PROXY_URL;
    env[name.toLowerCase()] = PROXY_URL;
  }
  env.NO_PROXY = '';
  env.no_proxy = '';
  env.NODE_USE_ENV_PROXY = '1';
  return env;
}

/** Node's flag that silences its one-line notice that the env proxy agent is experimental (Node 22):
 *  a run that worked must not look like it failed. */
export const QUIET_ENV_PROXY = '--disable-warning=UNDICI-EHPA';

/** The tool's environment with the proxy variables on top (a configured HTTPS_PROXY or NO_PROXY could
 *  only lose the network), and NODE_OPTIONS extended, never replaced. */
export function withProxyEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const nodeOptions = [env.NODE_OPTIONS, QUIET_ENV_PROXY].filter(Boolean).join(' ');
  return { ...env, ...proxyEnv(), NODE_OPTIONS: nodeOptions };
}
