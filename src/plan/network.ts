// Network mode and published ports. Default is no network at all; "bridge" is an explicit opt-in.
import type { ResolvedTool } from '../config/merge.js';
import { parsePortSpec } from '../config/ports.js';
import { ConfigError } from '../errors.js';
import type { Profile } from '../defaults.js';


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

/** Returns --network and -p arguments. An allow-list container has no network of its own. */
export function buildNetworkArgs(mode: NetworkMode, ports: readonly string[]): string[] {
  return ['--network', mode === 'bridge' ? 'bridge' : 'none', ...ports.flatMap((p) => ['--publish', p])];
}

/** Collects the port mappings from the config and SHIM_EXTRA_PORTS, refusing them without a network. */
export function planPorts(tool: ResolvedTool, extraPorts: readonly string[], mode: NetworkMode): string[] {
  const ports = [
    ...tool.ports.map((p, i) => normalizePort(p, `${tool.name}.ports[${i}]`)),
    ...extraPorts.map((p) => normalizePort(p, 'SHIM_EXTRA_PORTS')),
  ];
  if (ports.length && mode === 'none') {
    throw new ConfigError(
      `${tool.name}: ports are published but the network is "none" (a container without a network cannot publish ports)`,
      `set "network": "bridge" for ${tool.name}, or remove the ports`,
    );
  }
  if (ports.length && mode === 'allowlist') {
    throw new ConfigError(
      `${tool.name}: ports are published but the tool has allowed_hosts (an allow-list container has no network interface to publish on)`,
      `remove the ports, or replace allowed_hosts with "network": "bridge" for ${tool.name}`,
    );
  }
  return ports;
}
