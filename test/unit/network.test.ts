import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildNetworkArgs, decideNetwork, normalizePort, parseExtraPorts, planPorts } from '../../src/plan/network.js';
import { makeTool } from './fixtures.js';

describe('normalizePort', () => {
  it.each([
    ['8080', '127.0.0.1:8080:8080'],
    ['8080-8082', '127.0.0.1:8080-8082:8080-8082'],
    ['8080:80', '127.0.0.1:8080:80'],
    ['8080:80/udp', '127.0.0.1:8080:80/udp'],
    ['3000-3005:3000-3005', '127.0.0.1:3000-3005:3000-3005'],
    ['0.0.0.0:8080:80', '0.0.0.0:8080:80'],
    ['127.0.0.1::80', '127.0.0.1::80'],
    ['[::1]:8080:80/tcp', '[::1]:8080:80/tcp'],
  ])('%s → %s', (spec, want) => {
    expect(normalizePort(spec, 'x')).toBe(want);
  });

  it.each(['', 'http', '80:', 'a:80', '8080:80/icmp', '1.2.3:80'])('refuses %j naming where it came from', (spec) => {
    expect(() => normalizePort(spec, 'tool.ports[3]')).toThrow(ConfigError);
    expect(() => normalizePort(spec, 'tool.ports[3]')).toThrow(/^tool\.ports\[3\]: /);
  });
});

describe('parseExtraPorts', () => {
  it('splits, trims and drops empty entries', () => {
    expect(parseExtraPorts(' 80 ,, 8080:80 ,')).toEqual(['80', '8080:80']);
  });
  it('returns nothing for unset or empty', () => {
    expect(parseExtraPorts(undefined)).toEqual([]);
    expect(parseExtraPorts('')).toEqual([]);
  });
});

describe('decideNetwork', () => {
  it('keeps none without a warning', () => {
    expect(decideNetwork(makeTool(), false)).toEqual({ mode: 'none', warnings: [] });
  });
  it('keeps bridge', () => {
    expect(decideNetwork(makeTool({ network: 'bridge' }), false)).toEqual({ mode: 'bridge', warnings: [] });
  });
  it('lifts none to bridge with one warning when allowed', () => {
    const d = decideNetwork(makeTool({ name: 'aider' }), true);
    expect(d.mode).toBe('bridge');
    expect(d.warnings).toEqual(['SHIM_ALLOW_NETWORK is set: aider gets full network access for this run']);
  });
  it('never lifts the safe profile\'s no-network rule: SHIM_ALLOW_NETWORK is ignored with a warning', () => {
    const d = decideNetwork(makeTool({ name: 'agent' }), true, 'safe');
    expect(d.mode).toBe('none');
    expect(d.warnings).toEqual(['SHIM_ALLOW_NETWORK is ignored for agent: the "safe" profile allows no network (use "profile": "default" for this tool to let SHIM_ALLOW_NETWORK lift it)']);
    // positive control: the same tool under the default profile is lifted
    expect(decideNetwork(makeTool({ name: 'agent' }), true, 'default').mode).toBe('bridge');
  });
  it('does not warn when the tool already has bridge', () => {
    expect(decideNetwork(makeTool({ network: 'bridge' }), true)).toEqual({ mode: 'bridge', warnings: [] });
  });
  it('gives allowed_hosts the allow-list mode (no network of its own, the proxy)', () => {
    expect(decideNetwork(makeTool({ allowed_hosts: ['example.com'] }), false)).toEqual({ mode: 'allowlist', warnings: [] });
  });
  it('refuses allowed_hosts together with bridge, naming both', () => {
    expect(() => decideNetwork(makeTool({ network: 'bridge', allowed_hosts: ['example.com'] }), false)).toThrow(ConfigError);
    expect(() => decideNetwork(makeTool({ network: 'bridge', allowed_hosts: ['example.com'] }), false)).toThrow(/"bridge" and allowed_hosts/);
  });
  it('lets SHIM_ALLOW_NETWORK lift the allow-list to full network for one run, warned', () => {
    const d = decideNetwork(makeTool({ allowed_hosts: ['example.com'] }), true);
    expect(d.mode).toBe('bridge');
    expect(d.warnings).toHaveLength(1);
  });
});

describe('buildNetworkArgs', () => {
  it('emits --network then one --publish per port', () => {
    expect(buildNetworkArgs('bridge', ['127.0.0.1:1:1', '127.0.0.1::2'])).toEqual(['--network', 'bridge', '--publish', '127.0.0.1:1:1', '--publish', '127.0.0.1::2']);
    expect(buildNetworkArgs('none', [])).toEqual(['--network', 'none']);
    // the allow-list container has no network at all: the proxy is reached through a socket
    expect(buildNetworkArgs('allowlist', [])).toEqual(['--network', 'none']);
  });
});

describe('planPorts', () => {
  it('normalises config ports then extra ports', () => {
    expect(planPorts(makeTool({ ports: ['80'] }), ['81:81'], 'bridge').shown).toEqual(['127.0.0.1:80:80', '127.0.0.1:81:81']);
  });
  it('names the config index of a bad port', () => {
    expect(() => planPorts(makeTool({ ports: ['80', 'bad'] }), [], 'bridge')).toThrow(/eslint\.ports\[1\]/);
  });
  it('forwards TCP ports in every network mode; UDP and SCTP only on a network', () => {
    for (const mode of ['none', 'allowlist', 'bridge'] as const) {
      expect(planPorts(makeTool({ ports: ['80', '8080/tcp'] }), [], mode)).toEqual({
        shown: ['127.0.0.1:80:80', '127.0.0.1:8080:8080/tcp'],
        forwards: [{ hostIp: '127.0.0.1', hostPort: 80, containerPort: 80 }, { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 8080 }],
        published: [],
      });
    }
    expect(planPorts(makeTool({ ports: ['53/udp', '9/sctp'] }), [], 'bridge').published).toEqual(['127.0.0.1:53:53/udp', '127.0.0.1:9:9/sctp']);
    expect(() => planPorts(makeTool(), ['53/udp'], 'none')).toThrow(/SHIM_EXTRA_PORTS "53\/udp" is a UDP port.*"none"/);
    expect(() => planPorts(makeTool({ ports: ['9/sctp'] }), [], 'allowlist')).toThrow(ConfigError);
  });
  it('expands ranges, any free host port for each when none is given', () => {
    expect(planPorts(makeTool({ ports: ['9000-9001:3000-3001', '127.0.0.1::4000-4001'] }), [], 'none').forwards).toEqual([
      { hostIp: '127.0.0.1', hostPort: 9000, containerPort: 3000 },
      { hostIp: '127.0.0.1', hostPort: 9001, containerPort: 3001 },
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 4000 },
      { hostIp: '127.0.0.1', hostPort: 0, containerPort: 4001 },
    ]);
  });
  it('refuses ranges of different lengths and more ports than it forwards', () => {
    expect(() => planPorts(makeTool({ ports: ['9000-9002:3000-3001'] }), [], 'none')).toThrow(/maps 3 host ports to 2 container ports/);
    expect(() => planPorts(makeTool({ ports: ['1000-1100'] }), [], 'none')).toThrow(/101 ports are forwarded \(at most 100\)/);
  });
  it('allows no ports with network none', () => {
    expect(planPorts(makeTool(), [], 'none')).toEqual({ shown: [], forwards: [], published: [] });
  });
});
