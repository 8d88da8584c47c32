// Network mode and published ports. Default is no network at all; "bridge" is an explicit opt-in.
import type { ResolvedTool } from '../config/merge.js';
import { parsePortSpec } from '../config/ports.js';
import { ConfigError } from '../errors.js';


/** Returns `-p` value with 127.0.0.1 as the bind address unless one is given ("8080:80" → "127.0.0.1:8080:80"). */
export function normalizePort(spec: string, where: string): string {
  const parsed = parsePortSpec(spec);
  if (!parsed) throw new ConfigError(`${where}: ${JSON.stringify(spec)} is not a port mapping (ports are 1-65535)`, 'write "8080", "8080:80" or "127.0.0.1:8080:80"');
  const { ip, hostPort, containerPort, proto } = parsed;
  return `${ip ?? '127.0.0.1'}:${hostPort ?? ''}:${containerPort}${proto ?? ''}`;
}

/** Parses SHIM_EXTRA_PORTS (comma-separated port mappings). */
export function parseExtraPorts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface NetworkDecision {
  mode: 'none' | 'bridge';
  warnings: string[];
}

/** Decides the network mode, refusing what cannot be enforced yet rather than widening it silently. */
export function decideNetwork(tool: ResolvedTool, allowNetwork: boolean): NetworkDecision {
  if (allowNetwork && tool.network === 'none') {
    return { mode: 'bridge', warnings: [`SHIM_ALLOW_NETWORK is set: ${tool.name} gets full network access for this run`] };
  }
  if (tool.allowed_hosts.length && tool.network !== 'bridge') {
    throw new ConfigError(
      `${tool.name}.allowed_hosts: host allow-lists are not enforced by this version of shim, so ${tool.name} is refused rather than given full network`,
      'remove allowed_hosts (no network), set "network": "bridge" (full network), or run once with SHIM_ALLOW_NETWORK=1',
    );
  }
  return { mode: tool.network, warnings: [] };
}

/** Returns --network and -p arguments. */
export function buildNetworkArgs(mode: 'none' | 'bridge', ports: readonly string[]): string[] {
  return ['--network', mode, ...ports.flatMap((p) => ['--publish', p])];
}

/** Collects the port mappings from the config and SHIM_EXTRA_PORTS, refusing them without a network. */
export function planPorts(tool: ResolvedTool, extraPorts: readonly string[], mode: 'none' | 'bridge'): string[] {
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
  return ports;
}
