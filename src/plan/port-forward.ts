// Forwarded ports (pure): a port of a tool behaves as on the host, whatever address its server binds in
// the container. shim listens on the host's address (127.0.0.1 unless the mapping names one) and hands
// each connection over a Unix socket, in a private directory bind-mounted read-only into the container,
// to a forwarder there (containerfiles/with-ports.sh), which connects to the container's own loopback.
// The container needs no network for it: a tool with ports and no "network" is reachable from the host
// and reaches nothing. The forwarder connects to shim's socket, never the other way round, so no
// socket the tool could replace is ever opened by shim.
import path from 'node:path';
import type { HostEnv } from '../host.js';
import { mountSpec } from './quote.js';
import { socketBase } from './socket-base.js';

/** Where the directory of shim's socket is mounted in the container (the forwarder expects it there). */
export const PORTS_MOUNT_DST = '/run/shim-ports';
/** The in-container forwarder that starts before the tool. */
export const PORTS_FORWARDER = '/usr/local/libexec/shim/with-ports';

/** One forwarded TCP port. */
export interface PortForward {
  /** The host address shim listens on (an IPv6 address without brackets). */
  hostIp: string;
  /** 0: any free port, which shim reports once it listens. */
  hostPort: number;
  containerPort: number;
}

export interface PortForwardPlan {
  /** Host directory for the socket, created 0700 by the executor before the container starts. */
  socketDir: string;
  socketPath: string;
  forwards: PortForward[];
}

/** Returns the run's forwarding: a private directory of its own for the socket. */
export function planPortForward(host: Pick<HostEnv, 'env' | 'uid'>, runId: string, forwards: readonly PortForward[]): PortForwardPlan {
  const socketDir = path.join(socketBase(host.env), `shim-ports-${host.uid}-${runId}`);
  return { socketDir, socketPath: path.join(socketDir, 'ports.sock'), forwards: [...forwards] };
}

/** Returns the read-only mount of the socket's directory (connecting needs no write access). */
export function buildPortForwardArgs(plan: Pick<PortForwardPlan, 'socketDir'>): string[] {
  return ['--mount', mountSpec(['type=bind', `src=${plan.socketDir}`, `dst=${PORTS_MOUNT_DST}`, 'ro'])];
}

/** "127.0.0.1:5173", "[::1]:5173": an address as a URL or `curl` takes it. */
export function formatHostAddress(ip: string, port: number): string {
  return `${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
}

/** A forward as shim listens on it. */
export interface BoundPort extends PortForward {
  /** The host port shim listens on (the one the system chose when hostPort is 0). */
  boundPort: number;
}

/** Where a forwarded port is on the host, as a browser takes it. */
export function boundUrl(b: BoundPort): string {
  return `http://${formatHostAddress(b.hostIp, b.boundPort)}`;
}

/** "vite: port 5173 is on http://127.0.0.1:41234" for each port whose host port the system chose. */
export function formatChosenPorts(tool: string, bound: readonly BoundPort[]): string[] {
  return bound.filter((b) => b.hostPort === 0).map((b) => `${tool}: port ${b.containerPort} is on ${boundUrl(b)}`);
}

/** A session's forwarded ports as `shim ps` shows them, the way docker ps does: "127.0.0.1:41234->8000". */
export function formatSessionPorts(ports: readonly { container: number; url: string }[]): string {
  return ports.length ? ports.map((p) => `${p.url.replace(/^http:\/\//, '')}->${p.container}`).join(',') : '-';
}
