// Network mode and published ports. Default is no network at all; "bridge" is an explicit opt-in.
import type { ResolvedTool } from '../config/merge.js';
import { parsePortSpec } from '../config/ports.js';
import { ConfigError } from '../errors.js';
import type { Profile } from '../defaults.js';
import type { PortForward } from './port-forward.js';


/** Returns `-p` value with 127.0.0.1 as the bind address unless one is given ("8080:80" → "127.0.0.1:8080:80").
 *  A lone port is published on the same port of the host ("8080" → "127.0.0.1:8080:8080"), as the tool
 *  says it listens there; an empty host port ("127.0.0.1::8080") still asks for a random one. */
export function normalizePort(spec: string, where: string): string {
  const parsed = parsePortSpec(spec);
  if (!parsed) throw new ConfigError(`${where}: ${JSON.stringify(spec)} is not a port mapping (ports are 1-65535)`, 'write "8080", "8080:80" or "127.0.0.1:8080:80"');
  const { ip, hostPort, containerPort, proto } = parsed;
  const randomHostPort = (ip ? spec.slice(ip.length + 1) : spec).startsWith(':');
  return `${ip ?? '127.0.0.1'}:${hostPort ?? (randomHostPort ? '' : containerPort)}:${containerPort}${proto ?? ''}`;
}

/** Parses SHIM_EXTRA_PORTS (comma-separated port mappings). */
export function parseExtraPorts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "allowlist": no network for the container, the hosts of allowed_hosts through shim's proxy. */
export type NetworkMode = 'none' | 'bridge' | 'allowlist';

export interface NetworkDecision {
  mode: NetworkMode;
  warnings: string[];
}

/** Decides the network mode. SHIM_ALLOW_NETWORK widens a restricted tool to full network for one run,
 *  except under the "safe" profile, whose no-network rule an environment variable never lifts (it is
 *  ignored with a warning). */
export function decideNetwork(tool: ResolvedTool, allowNetwork: boolean, profile?: Profile): NetworkDecision {
  if (tool.allowed_hosts.length && tool.network === 'bridge') {
    throw new ConfigError(
      `${tool.name}: "network": "bridge" and allowed_hosts contradict each other (bridge is full network, allowed_hosts limits it to ${tool.allowed_hosts.join(', ')})`,
      'remove "network": "bridge" to reach only the listed hosts, or remove allowed_hosts for full network',
    );
  }
  if (allowNetwork && tool.network === 'none' && profile === 'safe') {
    return {
      mode: tool.allowed_hosts.length ? 'allowlist' : 'none',
      warnings: [`SHIM_ALLOW_NETWORK is ignored for ${tool.name}: the "safe" profile allows no network (use "profile": "default" for this tool to let SHIM_ALLOW_NETWORK lift it)`],
    };
  }
  if (allowNetwork && tool.network === 'none') {
    return { mode: 'bridge', warnings: [`SHIM_ALLOW_NETWORK is set: ${tool.name} gets full network access for this run`] };
  }
  return { mode: tool.allowed_hosts.length ? 'allowlist' : tool.network, warnings: [] };
}

/** Returns --network and --publish arguments (the runtime publishes only UDP and SCTP ports: shim
 *  forwards TCP ports itself, see plan/port-forward.ts). An allow-list container has no network of its own. */
export function buildNetworkArgs(mode: NetworkMode, published: readonly string[]): string[] {
  return ['--network', mode === 'bridge' ? 'bridge' : 'none', ...published.flatMap((p) => ['--publish', p])];
}

/** More forwarded ports than this in one run are refused (a range such as "1-65535" is a mistake). */
export const MAX_FORWARDED_PORTS = 100;

export interface PlannedPorts {
  /** Every mapping, normalized as "ip:hostPort:containerPort[/proto]": what the run is allowed. */
  shown: string[];
  /** TCP ports, forwarded by shim to the container's loopback (any network mode). */
  forwards: PortForward[];
  /** UDP and SCTP mappings, published by the runtime (they need "network": "bridge"). */
  published: string[];
}

function portRange(range: string): number[] {
  const [lo, hi = lo] = range.split('-').map(Number);
  return Array.from({ length: hi! - lo! + 1 }, (_, i) => lo! + i);
}

/** The TCP forwards of one normalized mapping ("127.0.0.1:8000-8001:3000-3001" gives two). */
function forwardsOf(shown: string, where: string, spec: string): PortForward[] {
  const parsed = parsePortSpec(shown)!;
  const container = portRange(parsed.containerPort);
  const host = parsed.hostPort ? portRange(parsed.hostPort) : container.map(() => 0);
  if (host.length !== container.length) {
    throw new ConfigError(`${where}: ${JSON.stringify(spec)} maps ${host.length} host ports to ${container.length} container ports`, 'give ranges of the same length, e.g. "8000-8001:3000-3001"');
  }
  const hostIp = parsed.ip!.replace(/^\[|\]$/g, '');
  return container.map((containerPort, i) => ({ hostIp, hostPort: host[i]!, containerPort }));
}

/** Collects the port mappings from the config and SHIM_EXTRA_PORTS. TCP ports work in every network
 *  mode (shim forwards them to the container's loopback); UDP and SCTP ports need a network the
 *  runtime can publish on. */
export function planPorts(tool: ResolvedTool, extraPorts: readonly string[], mode: NetworkMode): PlannedPorts {
  const specs = [...tool.ports.map((p, i) => ({ spec: p, where: `${tool.name}.ports[${i}]` })), ...extraPorts.map((p) => ({ spec: p, where: 'SHIM_EXTRA_PORTS' }))];
  const planned: PlannedPorts = { shown: [], forwards: [], published: [] };
  for (const { spec, where } of specs) {
    const shown = normalizePort(spec, where);
    planned.shown.push(shown);
    if (/\/(udp|sctp)$/.test(shown)) {
      if (mode !== 'bridge') {
        throw new ConfigError(
          `${tool.name}: ${where} ${JSON.stringify(spec)} is a ${shown.split('/')[1]!.toUpperCase()} port, which only the runtime can publish, on a network (the tool's is "${mode}")`,
          `set "network": "bridge" for ${tool.name}, or forward TCP ports only (they need no network)`,
        );
      }
      planned.published.push(shown);
    } else {
      planned.forwards.push(...forwardsOf(shown, where, spec));
    }
  }
  if (planned.forwards.length > MAX_FORWARDED_PORTS) {
    throw new ConfigError(`${tool.name}: ${planned.forwards.length} ports are forwarded (at most ${MAX_FORWARDED_PORTS})`, 'forward the ports the tool serves on, not whole ranges');
  }
  return planned;
}
