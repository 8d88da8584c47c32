// Allow-list mode end to end in the planner: the proxy process shim starts (and what it is told), and
// the container that can only reach it (no network, the socket mounted read-only, the forwarder first,
// proxy variables that a tool's own config cannot undo).
import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildWatchdogArgv } from '../../src/plan/container.js';
import { PROXY_FORWARDER, PROXY_MOUNT_DST, PROXY_URL, permissionFlag, planProxy, proxyEnv, proxySocketDir } from '../../src/plan/egress.js';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import { afterImage, beforeImage, makeHost, makeTool, runInputs, valuesOf } from './fixtures.js';

const HOSTS = ['registry.npmjs.org', '*.example.org:8443'];

const plan = (o: Parameters<typeof runInputs>[0] = {}) => buildRunPlan(runInputs(o));
const allowlistTool = (o: Parameters<typeof makeTool>[0] = {}) => makeTool({ allowed_hosts: HOSTS, ...o });

/** The value of `--env NAME=…` in argv, or undefined (fails the test when set twice). */
function envValue(argv: readonly string[], name: string): string | undefined {
  const values = valuesOf(argv, '--env').filter((a) => a.startsWith(`${name}=`));
  expect(values.length).toBeLessThanOrEqual(1);
  return values[0]?.slice(name.length + 1);
}

describe('proxySocketDir', () => {
  it('uses XDG_RUNTIME_DIR when it is absolute', () => {
    expect(proxySocketDir(makeHost({}, { XDG_RUNTIME_DIR: '/run/user/1000' }), 'r1')).toBe('/run/user/1000/shim-egress-1000-r1');
  });

  it.each([
    ['unset', {}],
    ['empty', { XDG_RUNTIME_DIR: '' }],
    ['relative', { XDG_RUNTIME_DIR: 'run/user/1000' }],
  ])('falls back to /tmp when XDG_RUNTIME_DIR is %s', (_what, env) => {
    expect(proxySocketDir(makeHost({}, env), 'r1')).toBe('/tmp/shim-egress-1000-r1');
  });

  it('differs per user and per run', () => {
    expect(proxySocketDir(makeHost({ uid: 1001 }), 'r1')).toBe('/tmp/shim-egress-1001-r1');
    expect(proxySocketDir(makeHost(), 'r2')).not.toBe(proxySocketDir(makeHost(), 'r1'));
  });
});

describe('permissionFlag', () => {
  it.each([
    ['20.19.0', '--experimental-permission'],
    ['20.20.0', '--experimental-permission'],
    ['22.12.0', '--experimental-permission'],
    ['22.13.0', '--permission'],
    ['22.20.1', '--permission'],
    ['23.4.0', '--experimental-permission'],
    ['23.5.0', '--permission'],
    ['24.1.0', '--permission'],
    ['25.0.0', '--permission'],
  ])('Node %s → %s', (version, flag) => {
    expect(permissionFlag(version)).toBe(flag);
  });
});

describe('planProxy', () => {
  const host = makeHost({ packageRoot: '/opt/shim', node: { path: '/usr/local/bin/node', version: '22.13.0' } }, { XDG_RUNTIME_DIR: '/run/user/1000', SECRET_TOKEN: 'x' });

  it('puts the socket in the run directory', () => {
    const p = planProxy(host, 'claude', HOSTS, 'r9');
    expect(p.socketDir).toBe('/run/user/1000/shim-egress-1000-r9');
    expect(p.socketPath).toBe('/run/user/1000/shim-egress-1000-r9/proxy.sock');
  });

  it('runs dist/proxy.mjs under the permission model, reading only dist', () => {
    const { argv } = planProxy(host, 'claude', HOSTS, 'r9');
    expect(argv.slice(0, -1)).toEqual(['/usr/local/bin/node', '--permission', '--allow-fs-read=/opt/shim/dist', '--no-warnings', '/opt/shim/dist/proxy.mjs']);
  });

  it('allows the network explicitly where the permission model closes it (Node 25 and later), and only there', () => {
    const argvOn = (version: string) => planProxy(makeHost({ packageRoot: '/opt/shim', node: { path: '/n', version } }), 'claude', HOSTS, 'r9').argv;
    expect(argvOn('25.0.0')).toContain('--allow-net');
    expect(argvOn('26.1.0')).toContain('--allow-net');
    // older versions do not know the flag and would refuse to start
    expect(argvOn('24.9.0')).not.toContain('--allow-net');
    expect(argvOn('20.20.0')).not.toContain('--allow-net');
  });

  it('uses the experimental flag on an older Node', () => {
    const old = makeHost({ node: { path: '/usr/bin/node', version: '20.20.0' } });
    expect(planProxy(old, 'claude', HOSTS, 'r9').argv[1]).toBe('--experimental-permission');
  });

  it('passes socket, tool and exactly the configured list as the last argument', () => {
    const { argv } = planProxy(host, 'claude', HOSTS, 'r9');
    expect(JSON.parse(argv[argv.length - 1]!)).toEqual({ socket: '/run/user/1000/shim-egress-1000-r9/proxy.sock', tool: 'claude', allow: HOSTS, credentials: [] });
  });

  it('merges nothing into the list and keeps its own copy', () => {
    const hosts = ['only.example'];
    const p = planProxy(host, 'claude', hosts, 'r9');
    hosts.push('added.later');
    expect(p.allowedHosts).toEqual(['only.example']);
    expect(JSON.parse(p.argv[p.argv.length - 1]!).allow).toEqual(['only.example']);
  });

  it('gives the proxy only UV_THREADPOOL_SIZE, nothing of the user environment', () => {
    expect(planProxy(host, 'claude', HOSTS, 'r9').env).toEqual({ UV_THREADPOOL_SIZE: '16' });
  });
});

describe('proxyEnv', () => {
  it('sets every spelling of the proxy variables, exempts nothing and opts Node in', () => {
    expect(proxyEnv()).toEqual({
      HTTP_PROXY: 'http://127.0.0.1:3128',
      http_proxy: 'http://127.0.0.1:3128',
      HTTPS_PROXY: 'http://127.0.0.1:3128',
      https_proxy: 'http://127.0.0.1:3128',
      ALL_PROXY: 'http://127.0.0.1:3128',
      all_proxy: 'http://127.0.0.1:3128',
      NO_PROXY: '',
      no_proxy: '',
      NODE_USE_ENV_PROXY: '1',
    });
    expect(PROXY_URL).toBe('http://127.0.0.1:3128');
  });
});

describe('buildRunPlan with allowed_hosts', () => {
  it('gives the container no network of its own', () => {
    expect(valuesOf(plan({ tool: allowlistTool() }).argv, '--network')).toEqual(['none']);
  });

  it('mounts the socket directory read-only at /run/shim', () => {
    const p = plan({ tool: allowlistTool(), runId: 'run42' });
    expect(PROXY_MOUNT_DST).toBe('/run/shim');
    expect(valuesOf(p.argv, '--mount')).toContain('type=bind,src=/tmp/shim-egress-1000-run42,dst=/run/shim,ro');
    expect(p.proxy?.socketDir).toBe('/tmp/shim-egress-1000-run42');
  });

  it('starts the forwarder right after the image, before the tool command', () => {
    const p = plan({ tool: allowlistTool(), args: ['--fix', 'a.js'] });
    expect(PROXY_FORWARDER).toBe('/usr/local/libexec/shim/with-proxy');
    expect(afterImage(p.argv)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', '/usr/local/libexec/shim/with-proxy', 'eslint', '--fix', 'a.js']);
  });

  it('sets the proxy variables in the container', () => {
    const argv = plan({ tool: allowlistTool() }).argv;
    for (const [name, value] of Object.entries(proxyEnv())) expect(envValue(argv, name)).toBe(value);
  });

  it('lets the proxy variables win over the tool config', () => {
    const env = { HTTPS_PROXY: 'http://elsewhere.example:8080', NO_PROXY: '*', FOO: 'bar' };
    // control: without allowed_hosts the configured values do reach the container
    const unrestricted = plan({ tool: makeTool({ env }) }).argv;
    expect(envValue(unrestricted, 'HTTPS_PROXY')).toBe('http://elsewhere.example:8080');
    expect(envValue(unrestricted, 'NO_PROXY')).toBe('*');
    const p = plan({ tool: allowlistTool({ env }) });
    const argv = beforeImage(p.argv);
    expect(envValue(argv, 'HTTPS_PROXY')).toBe(PROXY_URL);
    expect(envValue(argv, 'NO_PROXY')).toBe('');
    expect(p.passedEnv.HTTPS_PROXY).toBeUndefined();
    // the rest of the tool's env still goes through (as a bare --env FOO, its value in passedEnv)
    expect(valuesOf(argv, '--env')).toContain('FOO');
    expect(p.passedEnv.FOO).toBe('bar');
  });

  it('records allowlist mode and exactly the configured hosts in the policy', () => {
    const p = plan({ tool: allowlistTool() });
    expect(p.policy.network).toBe('allowlist');
    expect(p.policy.allowedHosts).toEqual(HOSTS);
    expect(p.proxy?.allowedHosts).toEqual(HOSTS);
    expect(p.warnings).toEqual([]);
  });

  it('plans the proxy for the tool and run', () => {
    const p = plan({ tool: allowlistTool({ name: 'claude' }), runId: 'abc' });
    expect(p.proxy).toBeDefined();
    expect(JSON.parse(p.proxy!.argv[p.proxy!.argv.length - 1]!)).toEqual({ socket: '/tmp/shim-egress-1000-abc/proxy.sock', tool: 'claude', allow: HOSTS, credentials: [] });
  });

  it('keeps the policy hash across runs (the socket directory is named after the run)', () => {
    const a = plan({ tool: allowlistTool(), runId: 'aaaaaa' });
    const b = plan({ tool: allowlistTool(), runId: 'bbbbbb' });
    expect(a.proxy!.socketDir).not.toBe(b.proxy!.socketDir);
    expect(a.policyHash).toBe(b.policyHash);
  });

  it('changes the policy hash when the allowed hosts change', () => {
    const a = plan({ tool: allowlistTool() });
    expect(plan({ tool: allowlistTool({ allowed_hosts: ['registry.npmjs.org'] }) }).policyHash).not.toBe(a.policyHash);
    expect(plan({ tool: allowlistTool({ allowed_hosts: [...HOSTS, 'api.example.com'] }) }).policyHash).not.toBe(a.policyHash);
  });

  it('differs in policy hash from the same tool without allowed_hosts', () => {
    expect(plan({ tool: allowlistTool() }).policyHash).not.toBe(plan({ tool: makeTool() }).policyHash);
  });
});

describe('buildRunPlan without an allow-list (controls)', () => {
  it('plans no proxy, forwarder or proxy variables for a tool without allowed_hosts', () => {
    const p = plan();
    expect(p.proxy).toBeUndefined();
    expect(p.argv).not.toContain(PROXY_FORWARDER);
    expect(envValue(p.argv, 'HTTPS_PROXY')).toBeUndefined();
    expect(p.policy.network).toBe('none');
    expect(p.policy.allowedHosts).toEqual([]);
  });

  it('SHIM_ALLOW_NETWORK=1 gives full network with a warning and no proxy', () => {
    const p = plan({ tool: allowlistTool(), host: makeHost({}, { SHIM_ALLOW_NETWORK: '1' }) });
    expect(valuesOf(p.argv, '--network')).toEqual(['bridge']);
    expect(p.warnings).toEqual(['SHIM_ALLOW_NETWORK is set: eslint gets full network access for this run']);
    expect(p.proxy).toBeUndefined();
    expect(p.argv).not.toContain(PROXY_FORWARDER);
    expect(valuesOf(p.argv, '--mount').some((m) => m.includes(`dst=${PROXY_MOUNT_DST},`))).toBe(false);
    expect(envValue(p.argv, 'HTTPS_PROXY')).toBeUndefined();
    expect(p.policy.network).toBe('bridge');
    expect(p.policy.allowedHosts).toEqual([]);
  });
});

describe('buildRunPlan refuses contradictions', () => {
  it('refuses "network": "bridge" with allowed_hosts, naming both', () => {
    const tool = allowlistTool({ network: 'bridge' });
    expect(() => plan({ tool })).toThrow(ConfigError);
    expect(() => plan({ tool })).toThrow(/"network": "bridge".*allowed_hosts/);
  });

  it('refuses published ports with allowed_hosts', () => {
    const tool = allowlistTool({ ports: ['8080:80'] });
    expect(() => plan({ tool })).toThrow(ConfigError);
    expect(() => plan({ tool })).toThrow(/ports.*allowed_hosts/);
  });

  it('refuses SHIM_EXTRA_PORTS with allowed_hosts', () => {
    expect(() => plan({ tool: allowlistTool(), host: makeHost({}, { SHIM_EXTRA_PORTS: '9229' }) })).toThrow(/allowed_hosts/);
  });
});

describe('the watchdog of an allow-list run', () => {
  it('also removes the proxy directory, passed as its own argument after the container', () => {
    const plain = buildWatchdogArgv('/usr/bin/podman', 'shim-x-1');
    expect(plain.slice(3)).toEqual(['shim-watchdog', '/usr/bin/podman', 'rm', '--force', 'shim-x-1']);
    const withDirs = buildWatchdogArgv('/usr/bin/podman', 'shim-x-1', '/tmp/shim-egress-0-1', '/tmp/shim-lifeline-0-1');
    expect(withDirs.slice(3)).toEqual(['shim-watchdog', '/usr/bin/podman', 'shim-x-1', '/tmp/shim-egress-0-1', '/tmp/shim-lifeline-0-1']);
    expect(withDirs[2]).toContain('"$1" rm --force "$2" >/dev/null 2>&1; shift 2; rm -rf -- "$@"');
    // an allow-list run's watchdog removes both of the run's directories
    const p = plan({ tool: allowlistTool(), runId: 'run42' });
    expect(p.watchdogArgv.slice(-2)).toEqual([p.proxy!.socketDir, p.lifeline.dir]);
  });
});
