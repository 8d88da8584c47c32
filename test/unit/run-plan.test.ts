import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildRunPlan, commandArgv, redactArgv, INSTALL_DIR } from '../../src/plan/run-plan.js';
import { CA_BUNDLE_DST, CA_BUNDLE_VARS } from '../../src/plan/env.js';
import { resolveLimits } from '../../src/plan/limits.js';
import {
  IMAGE,
  VOLUME,
  afterImage,
  beforeImage,
  docker,
  makeHost,
  makeMount,
  makeTool,
  rootfulPodman,
  rootlessPodman,
  runInputs,
  valuesOf,
} from './fixtures.js';

const plan = (o: Parameters<typeof runInputs>[0] = {}) => buildRunPlan(runInputs(o));

describe('buildRunPlan: container basics', () => {
  it('starts with run --rm --pull=never, with no --init: its PID 1 is the lifeline', () => {
    expect(plan().argv.slice(0, 4)).toEqual(['run', '--rm', '--pull=never', '--name']);
    expect(plan().argv).not.toContain('--init');
  });

  it('names the container after the tool and run id and labels it', () => {
    const p = plan({ runId: 'abc123' });
    expect(p.containerName).toBe('shim-eslint-abc123');
    expect(valuesOf(p.argv, '--name')).toEqual(['shim-eslint-abc123']);
    expect(valuesOf(p.argv, '--label')).toEqual(['io.shim.tool=eslint', 'io.shim.run=abc123', expect.stringMatching(/^io\.shim\.setup=[0-9a-z]+$/)]);
  });

  it('gives two runs with different run ids different container names', () => {
    const a = plan({ runId: 'aaaaaa' });
    const b = plan({ runId: 'bbbbbb' });
    expect(a.containerName).not.toBe(b.containerName);
    expect(valuesOf(a.argv, '--name')).not.toEqual(valuesOf(b.argv, '--name'));
  });

  it('cleanup removes exactly the named container', () => {
    expect(plan({ runId: 'x1' }).cleanupArgv).toEqual(['rm', '--force', 'shim-eslint-x1']);
  });

  it('drops all capabilities and forbids privilege gain', () => {
    const argv = plan().argv;
    expect(argv).toContain('--cap-drop=all');
    expect(argv).toContain('--security-opt=no-new-privileges');
  });

  it('uses a read-only root with tmpfs for /tmp and HOME', () => {
    const argv = plan().argv;
    expect(argv).toContain('--read-only');
    expect(valuesOf(argv, '--tmpfs')).toEqual([
      '/tmp:rw,nosuid,nodev,exec,size=1g,mode=1777',
      '/home/shim:rw,nosuid,nodev,exec,size=512m,mode=1777',
    ]);
  });

  it('passes --http-proxy=false to podman', () => {
    expect(plan({ runtime: rootlessPodman() }).argv).toContain('--http-proxy=false');
  });

  it('does not pass --http-proxy=false to docker', () => {
    expect(plan({ runtime: docker() }).argv.some((a) => a.startsWith('--http-proxy'))).toBe(false);
  });

  it('display starts with the runtime path', () => {
    expect(plan({ runtime: docker() }).display.startsWith('/usr/bin/docker run --rm ')).toBe(true);
  });

  it('records the tool name and runtime on the plan', () => {
    const p = plan({ runtime: docker() });
    expect(p.tool).toBe('eslint');
    expect(p.runtime).toEqual(docker());
    expect(p.warnings).toEqual([]);
  });
});

describe('buildRunPlan: terminal', () => {
  const tty = (stdinIsTTY: boolean, stdoutIsTTY: boolean) => plan({ host: makeHost({ stdinIsTTY, stdoutIsTTY }) }).argv;

  it('uses -it when stdin and stdout are both terminals', () => {
    expect(tty(true, true)).toContain('-it');
    expect(tty(true, true)).not.toContain('-i');
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
  ])('uses -i only when stdin=%s stdout=%s', (i, o) => {
    const argv = tty(i, o);
    expect(argv).toContain('-i');
    expect(argv).not.toContain('-it');
    expect(argv).not.toContain('-t');
  });
});

describe('buildRunPlan: identity', () => {
  it('rootless podman keeps the user id namespace', () => {
    const argv = plan({ runtime: rootlessPodman(), host: makeHost({ uid: 1234, gid: 567 }) }).argv;
    expect(argv).toContain('--userns=keep-id');
    expect(argv).not.toContain('--user');
  });

  it('rootful podman runs as --user uid:gid', () => {
    const argv = plan({ runtime: rootfulPodman(), host: makeHost({ uid: 1234, gid: 567 }) }).argv;
    expect(valuesOf(argv, '--user')).toEqual(['1234:567']);
    expect(argv).not.toContain('--userns=keep-id');
  });

  it('docker runs as --user uid:gid', () => {
    const argv = plan({ runtime: docker(), host: makeHost({ uid: 501, gid: 20 }) }).argv;
    expect(valuesOf(argv, '--user')).toEqual(['501:20']);
    expect(argv).not.toContain('--userns=keep-id');
  });
});

describe('buildRunPlan: network and ports', () => {
  it('defaults to --network none', () => {
    const argv = plan().argv;
    expect(valuesOf(argv, '--network')).toEqual(['none']);
    expect(argv).not.toContain('--publish');
  });

  it('uses --network bridge when configured', () => {
    expect(valuesOf(plan({ tool: makeTool({ network: 'bridge' }) }).argv, '--network')).toEqual(['bridge']);
  });

  it('SHIM_ALLOW_NETWORK lifts "none" to bridge with a warning', () => {
    const p = plan({ host: makeHost({}, { SHIM_ALLOW_NETWORK: '1' }) });
    expect(valuesOf(p.argv, '--network')).toEqual(['bridge']);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toContain('SHIM_ALLOW_NETWORK');
    expect(p.warnings[0]).toContain('eslint');
  });

  it('SHIM_ALLOW_NETWORK does not lift a tool whose profile is safe (from settings.json too), and warns', () => {
    const host = makeHost({}, { SHIM_ALLOW_NETWORK: '1' });
    const p = plan({ host, limits: resolveLimits(makeTool(), { profile: 'safe' }, true) });
    expect(valuesOf(p.argv, '--network')).toEqual(['none']);
    expect(p.warnings).toEqual([expect.stringContaining('SHIM_ALLOW_NETWORK is ignored for eslint: the "safe" profile allows no network')]);
    expect(valuesOf(plan({ host, tool: makeTool({ profile: 'safe' }) }).argv, '--network')).toEqual(['none']);
  });

  it('SHIM_ALLOW_NETWORK=0 does not lift the network', () => {
    const p = plan({ host: makeHost({}, { SHIM_ALLOW_NETWORK: '0' }) });
    expect(valuesOf(p.argv, '--network')).toEqual(['none']);
    expect(p.warnings).toEqual([]);
  });

  it('runs allowed_hosts without a network of its own, with the proxy planned', () => {
    const p = plan({ tool: makeTool({ allowed_hosts: ['registry.npmjs.org'] }) });
    expect(valuesOf(p.argv, '--network')).toEqual(['none']);
    expect(p.proxy?.allowedHosts).toEqual(['registry.npmjs.org']);
    expect(p.policy.network).toBe('allowlist');
  });

  it('refuses allowed_hosts with bridge (full network would make the list meaningless)', () => {
    const tool = makeTool({ network: 'bridge', allowed_hosts: ['registry.npmjs.org'] });
    expect(() => plan({ tool })).toThrow(ConfigError);
  });

  it('forwards TCP ports with allowed_hosts too (inbound through shim, outbound through the proxy)', () => {
    const p = plan({ tool: makeTool({ allowed_hosts: ['registry.npmjs.org'], ports: ['8080'] }) });
    expect(p.portForward?.forwards).toEqual([{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 8080 }]);
    const forwarder = p.argv.indexOf('/usr/local/libexec/shim/with-ports');
    expect(p.argv.slice(forwarder, forwarder + 2)).toEqual(['/usr/local/libexec/shim/with-ports', '/usr/local/libexec/shim/with-proxy']);
  });

  it('forwards TCP ports itself, from 127.0.0.1 by default: nothing is published by the runtime', () => {
    const p = plan({ tool: makeTool({ network: 'bridge', ports: ['8080:80', '3000'] }) });
    expect(p.argv).not.toContain('--publish');
    expect(p.portForward?.forwards).toEqual([
      { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 },
      { hostIp: '127.0.0.1', hostPort: 3000, containerPort: 3000 },
    ]);
    expect(p.policy.ports).toEqual(['127.0.0.1:8080:80', '127.0.0.1:3000:3000']);
    expect(valuesOf(p.argv, '--mount')).toContain(`type=bind,src=${p.portForward!.socketDir},dst=/run/shim-ports,ro`);
    expect(p.argv.slice(p.argv.indexOf('/usr/local/libexec/shim/with-ports') + 1)[0]).toBe('eslint');
    expect(p.watchdogArgv).toContain(p.portForward!.socketDir);
  });

  it('gives the same policy hash to two runs with the same ports (the socket directory is the run\'s own)', () => {
    const tool = makeTool({ network: 'bridge', ports: ['3000'] });
    const a = plan({ tool, runId: 'aaaa' });
    const b = plan({ tool, runId: 'bbbb' });
    expect(a.portForward!.socketDir).not.toBe(b.portForward!.socketDir);
    expect(a.policyHash).toBe(b.policyHash);
  });

  it('keeps an explicit bind address, and leaves UDP to the runtime', () => {
    const p = plan({ tool: makeTool({ network: 'bridge', ports: ['0.0.0.0:9000:9000/udp', '[::1]:8080:80', '0.0.0.0::81'] }) });
    expect(valuesOf(p.argv, '--publish')).toEqual(['0.0.0.0:9000:9000/udp']);
    expect(p.portForward?.forwards).toEqual([
      { hostIp: '::1', hostPort: 8080, containerPort: 80 },
      { hostIp: '0.0.0.0', hostPort: 0, containerPort: 81 },
    ]);
  });

  it('adds SHIM_EXTRA_PORTS (CSV) after the configured ports', () => {
    const tool = makeTool({ network: 'bridge', ports: ['1000:1000'] });
    const host = makeHost({}, { SHIM_EXTRA_PORTS: ' 5173:5173 , 9229' });
    expect(plan({ tool, host }).policy.ports).toEqual(['127.0.0.1:1000:1000', '127.0.0.1:5173:5173', '127.0.0.1:9229:9229']);
  });

  it('forwards TCP ports with network none (inbound only), and pays for nothing without ports', () => {
    const p = plan({ tool: makeTool({ ports: ['8080:80'] }) });
    expect(valuesOf(p.argv, '--network')).toEqual(['none']);
    expect(p.portForward?.forwards).toEqual([{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 }]);
    const bare = plan();
    expect(bare.portForward).toBeUndefined();
    expect(bare.argv.join(' ')).not.toMatch(/with-ports|shim-ports/);
  });

  it('refuses a UDP port without a network, naming it', () => {
    expect(() => plan({ tool: makeTool({ ports: ['9000/udp'] }) })).toThrow(/eslint\.ports\[0\] "9000\/udp" is a UDP port/);
    expect(() => plan({ host: makeHost({}, { SHIM_EXTRA_PORTS: '53/udp' }) })).toThrow(ConfigError);
  });

  it('runs a warm tool with ports cold (shim forwards them for one call)', () => {
    const p = plan({ tool: makeTool({ network: 'bridge', ports: ['3000'] }), warm: { idleSeconds: 60, from: 'tool' } });
    expect(p.warm).toBeUndefined();
    expect(p.coldReason).toMatch(/ports/);
  });

  it('refuses a malformed SHIM_EXTRA_PORTS entry', () => {
    const tool = makeTool({ network: 'bridge' });
    expect(() => plan({ tool, host: makeHost({}, { SHIM_EXTRA_PORTS: 'http' }) })).toThrow(/SHIM_EXTRA_PORTS/);
  });
});

describe('buildRunPlan: mounts', () => {
  it('mounts the tool volume its install recorded read-only at /mise', () => {
    expect(INSTALL_DIR).toBe('/mise');
    expect(valuesOf(plan().argv, '--mount')).toEqual(['type=bind,src=/tmp/shim-lifeline-1000-r1a2b3,dst=/run/shim-lifeline,ro', `type=volume,src=${VOLUME},dst=/mise,ro`]);
    expect(plan().volume).toBe(VOLUME);
    expect(valuesOf(plan({ volume: 'shim-tool-eslint-fedcba987654' }).argv, '--mount')).toContain('type=volume,src=shim-tool-eslint-fedcba987654,dst=/mise,ro');
  });

  it('binds a configured mount with --mount type=bind,src=…,dst=…', () => {
    const mounts = [makeMount('/home/user/project', '/workspace')];
    expect(valuesOf(plan({ mounts }).argv, '--mount')).toEqual([
      'type=bind,src=/tmp/shim-lifeline-1000-r1a2b3,dst=/run/shim-lifeline,ro',
      `type=volume,src=${VOLUME},dst=/mise,ro`,
      'type=bind,src=/home/user/project,dst=/workspace',
    ]);
  });

  it('adds ro for a read-only mount', () => {
    const mounts = [makeMount('/home/user/.npmrc', '/home/shim/.npmrc', 'ro')];
    expect(valuesOf(plan({ mounts }).argv, '--mount')[2]).toBe('type=bind,src=/home/user/.npmrc,dst=/home/shim/.npmrc,ro');
  });

  it('never uses -v/--volume', () => {
    const argv = plan({ mounts: [makeMount('/a', '/b')] }).argv;
    expect(argv).not.toContain('-v');
    expect(argv).not.toContain('--volume');
  });

  it('keeps a source with a comma as one quoted CSV field', () => {
    const mounts = [makeMount('/tmp/a,dst=/etc', '/workspace')];
    expect(valuesOf(plan({ mounts }).argv, '--mount')[2]).toBe('type=bind,"src=/tmp/a,dst=/etc",dst=/workspace');
  });

  it('doubles quotes in a quoted source field', () => {
    const mounts = [makeMount('/tmp/say "hi"', '/data', 'ro')];
    expect(valuesOf(plan({ mounts }).argv, '--mount')[2]).toBe('type=bind,"src=/tmp/say ""hi""",dst=/data,ro');
  });

  it('relabels with podman (z → shared, Z → private)', () => {
    const mounts = [makeMount('/a', '/x', 'z'), makeMount('/b', '/y', 'ro,Z')];
    expect(valuesOf(plan({ mounts, runtime: rootlessPodman() }).argv, '--mount').slice(2)).toEqual([
      'type=bind,src=/a,dst=/x,relabel=shared',
      'type=bind,src=/b,dst=/y,ro,relabel=private',
    ]);
  });

  it.each(['z', 'Z'])('refuses relabel option %s with docker', (opt) => {
    const mounts = [makeMount('/a', '/x', opt)];
    expect(() => plan({ mounts, runtime: docker() })).toThrow(ConfigError);
    expect(() => plan({ mounts, runtime: docker() })).toThrow(/eslint\.mounts\[0\]\.opts/);
  });

  it('does not mount a CA bundle when none is given', () => {
    const p = plan();
    expect(p.argv.some((a) => a.includes(CA_BUNDLE_DST))).toBe(false);
    for (const v of CA_BUNDLE_VARS) expect(p.argv.some((a) => a.startsWith(`${v}=`))).toBe(false);
  });

  it('mounts the CA bundle read-only and points tools at it when given, for a tool with a network', () => {
    for (const tool of [makeTool({ network: 'bridge' }), makeTool({ allowed_hosts: ['registry.npmjs.org'] })]) {
      const p = plan({ tool, caBundle: '/etc/ssl/certs/ca-certificates.crt' });
      expect(valuesOf(p.argv, '--mount')).toContain('type=bind,src=/etc/ssl/certs/ca-certificates.crt,dst=/etc/shim/ca-bundle.crt,ro');
      const env = valuesOf(p.argv, '--env');
      expect(env).toContain('NODE_EXTRA_CA_CERTS=/etc/shim/ca-bundle.crt');
      expect(env).toContain('SSL_CERT_FILE=/etc/shim/ca-bundle.crt');
      expect(env).toContain('REQUESTS_CA_BUNDLE=/etc/shim/ca-bundle.crt');
    }
  });

  it('leaves the CA bundle out of a run with no network (no TLS to verify; NODE_EXTRA_CA_CERTS slows every Node process)', () => {
    const p = plan({ tool: makeTool({ network: 'none' }), caBundle: '/etc/ssl/certs/ca-certificates.crt' });
    expect(valuesOf(p.argv, '--network')).toEqual(['none']);
    expect(p.argv.some((a) => a.includes(CA_BUNDLE_DST))).toBe(false);
    for (const v of CA_BUNDLE_VARS) expect(p.argv.some((a) => a.startsWith(`${v}=`))).toBe(false);
  });
});

describe('buildRunPlan: workdir', () => {
  it('defaults to /workspace', () => {
    expect(valuesOf(plan().argv, '--workdir')).toEqual(['/workspace']);
  });

  it('uses the configured workdir', () => {
    expect(valuesOf(plan({ tool: makeTool({ workdir: '/src' }) }).argv, '--workdir')).toEqual(['/src']);
  });
});

describe('buildRunPlan: environment', () => {
  it('sets exactly HOME, PATH (bin paths first) and the run-time cache dirs in HOME when nothing is configured', () => {
    const env = valuesOf(plan({ binPaths: ['/mise/a/bin', '/mise/b/bin'] }).argv, '--env');
    expect(env).toEqual([
      'HOME=/home/shim',
      'PATH=/mise/a/bin:/mise/b/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'NPM_CONFIG_CACHE=/home/shim/.npm',
      'MISE_CACHE_DIR=/home/shim/.cache/mise',
    ]);
  });

  it('passes every tool value as a bare --env NAME, its value in passedEnv, never on argv', () => {
    const tool = makeTool({ env: { A: 'value-a', EMPTY: '' }, env_passthrough: ['TERM'] });
    const p = plan({ tool, host: makeHost({}, { TERM: 'xterm-term-value' }) });
    const env = valuesOf(p.argv, '--env');
    expect(env).toEqual(expect.arrayContaining(['A', 'EMPTY', 'TERM']));
    expect(p.passedEnv).toEqual({ TERM: 'xterm-term-value', A: 'value-a', EMPTY: '' });
    const joined = p.argv.join('\n');
    expect(joined).not.toContain('value-a');
    expect(joined).not.toContain('xterm-term-value');
    // shim's constants keep their value on argv (the runtime needs its own HOME and PATH)
    expect(env).toContain('HOME=/home/shim');
    expect(p.passedEnv.HOME).toBeUndefined();
  });

  it('keeps multi-line values intact in one passedEnv entry', () => {
    const tool = makeTool({ env: { CERT: 'line1\nline2\n' } });
    const p = plan({ tool });
    expect(p.passedEnv.CERT).toBe('line1\nline2\n');
    expect(valuesOf(p.argv, '--env')).toContain('CERT');
  });

  it('copies only passthrough variables that are set on the host', () => {
    const tool = makeTool({ env_passthrough: ['TERM', 'NOT_SET'] });
    const p = plan({ tool, host: makeHost({}, { TERM: 'xterm-256color' }) });
    expect(p.passedEnv).toEqual({ TERM: 'xterm-256color' });
    expect(valuesOf(p.argv, '--env').some((e) => e.startsWith('NOT_SET'))).toBe(false);
  });

  it('passes a passthrough variable that is set but empty', () => {
    const tool = makeTool({ env_passthrough: ['EMPTY_ON_HOST'] });
    expect(plan({ tool, host: makeHost({}, { EMPTY_ON_HOST: '' }) }).passedEnv).toEqual({ EMPTY_ON_HOST: '' });
  });

  it('never lets host variables that are not listed in', () => {
    const host = makeHost({}, { SECRET_STUFF: 'leak', USER: 'alice', SSH_AUTH_SOCK: '/run/ssh', HTTP_PROXY: 'http://p' });
    const p = plan({ host });
    const joined = p.argv.join('\n');
    expect(joined).not.toContain('leak');
    expect(joined).not.toContain('alice');
    expect(joined).not.toContain('SSH_AUTH_SOCK');
    expect(joined).not.toContain('HTTP_PROXY');
    expect(p.passedEnv).toEqual({});
  });

  it('configured env wins over passthrough of the same name', () => {
    const tool = makeTool({ env: { LANG: 'C.UTF-8' }, env_passthrough: ['LANG'] });
    const p = plan({ tool, host: makeHost({}, { LANG: 'de_DE.UTF-8' }) });
    expect(valuesOf(p.argv, '--env').filter((e) => e.startsWith('LANG'))).toEqual(['LANG']);
    expect(p.passedEnv.LANG).toBe('C.UTF-8');
  });

  it('puts no secret value on argv or in display; display shows the bare name', () => {
    const tool = makeTool({ env: { NPM_TOKEN: 'hunter2', API_KEY: 'k3y', PLAIN: 'visible' }, secrets: ['NPM_TOKEN', 'API_KEY'] });
    const p = plan({ tool });
    expect(p.passedEnv).toMatchObject({ NPM_TOKEN: 'hunter2', API_KEY: 'k3y', PLAIN: 'visible' });
    for (const text of [p.argv.join('\n'), p.display, p.displayArgv.join('\n')]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('k3y');
      expect(text).not.toContain('visible');
    }
    expect(p.display).toContain('--env NPM_TOKEN --env API_KEY --env PLAIN');
  });

  it('puts no passthrough value on argv or in display', () => {
    const tool = makeTool({ env_passthrough: ['MY_VAR'] });
    const p = plan({ tool, host: makeHost({}, { MY_VAR: 'from-host-value' }) });
    expect(p.passedEnv).toEqual({ MY_VAR: 'from-host-value' });
    expect(p.argv.join('\n')).not.toContain('from-host-value');
    expect(p.display).not.toContain('from-host-value');
    expect(p.display).toContain('--env MY_VAR ');
  });

  it('a warm tool: the start command carries no value, and another value gives another container key', () => {
    const warm = { idleSeconds: 60, from: 'tool' as const };
    const tool = (v: string) => makeTool({ env: { API_TOKEN: v }, secrets: ['API_TOKEN'] });
    const a = plan({ tool: tool('secret-one'), warm });
    const b = plan({ tool: tool('secret-two'), warm });
    expect(a.warm!.startArgv).toContain('API_TOKEN');
    expect(a.warm!.startArgv.join('\n')).not.toContain('secret-one');
    expect(a.warm!.startDisplay).not.toContain('secret-one');
    expect(a.passedEnv).toEqual({ API_TOKEN: 'secret-one' });
    // positive control: the same tool with the same value keeps its key
    expect(plan({ tool: tool('secret-one'), warm }).warm!.key).toBe(a.warm!.key);
    expect(b.warm!.key).not.toBe(a.warm!.key);
    expect(b.policyHash).not.toBe(a.policyHash);
  });

  it('a configured value under a name the runtime reads itself stays on argv, not in the runtime\'s environment', () => {
    const tool = makeTool({ env: { LD_PRELOAD: '/x/evil.so', DOCKER_CONFIG: '/tmp/d', TMPDIR: '/tmp/t' } });
    const p = plan({ tool });
    expect(p.passedEnv).toEqual({});
    expect(valuesOf(p.argv, '--env')).toEqual(expect.arrayContaining(['LD_PRELOAD=/x/evil.so', 'DOCKER_CONFIG=/tmp/d', 'TMPDIR=/tmp/t']));
  });

  it('a passthrough of such a name goes bare when the runtime has that very value, but never one the runtime sets for itself', () => {
    const tool = makeTool({ env_passthrough: ['HTTPS_PROXY', 'DOCKER_CONFIG'] });
    const p = plan({ tool, host: makeHost({}, { HTTPS_PROXY: 'http://user:pw@proxy:3128', DOCKER_CONFIG: '/home/u/.docker' }) });
    expect(p.passedEnv).toEqual({ HTTPS_PROXY: 'http://user:pw@proxy:3128' });
    expect(p.argv.join('\n')).not.toContain('user:pw');
    // shim may point the runtime's DOCKER_CONFIG elsewhere (engine-config.ts): the tool's copy goes on argv
    expect(valuesOf(p.argv, '--env')).toContain('DOCKER_CONFIG=/home/u/.docker');
    expect(p.display).toContain("'DOCKER_CONFIG=***'");
  });

  it('refuses a secret under a name the runtime reads itself unless it is the host\'s own value', () => {
    const tool = makeTool({ env: { DOCKER_AUTH_CONFIG: '{"auths":{}}' }, secrets: ['DOCKER_AUTH_CONFIG'] });
    expect(() => plan({ tool })).toThrow(ConfigError);
    expect(() => plan({ tool })).toThrow(/DOCKER_AUTH_CONFIG is a secret, and podman\/docker read DOCKER_AUTH_CONFIG themselves/);
    // positive control: passed through from the host unchanged, it goes bare
    const through = makeTool({ env_passthrough: ['DOCKER_AUTH_CONFIG'], secrets: ['DOCKER_AUTH_CONFIG'] });
    const p = plan({ tool: through, host: makeHost({}, { DOCKER_AUTH_CONFIG: '{"auths":{"x":{}}}' }) });
    expect(p.passedEnv).toEqual({ DOCKER_AUTH_CONFIG: '{"auths":{"x":{}}}' });
  });
});

describe('buildRunPlan: podman_args, image, command, args', () => {
  it('redacts secret-looking env assignments inside podman_args (let through by unsafe_podman_args) in every spelling, but runs them as given', () => {
    const tool = makeTool({ podman_args: ['--env=API_TOKEN=s1', '-e', 'GH_TOKEN=s2', '-eNPM_TOKEN=s3', '--env', 'PLAIN=ok'], unsafe_podman_args: true });
    const p = plan({ tool });
    expect(p.display).not.toMatch(/s1|s2|s3/);
    expect(p.display).toContain("'--env=API_TOKEN=***'");
    expect(p.display).toContain("-e 'GH_TOKEN=***'");
    expect(p.display).toContain('PLAIN=ok');
    expect(p.argv).toEqual(expect.arrayContaining(['--env=API_TOKEN=s1', 'GH_TOKEN=s2', '-eNPM_TOKEN=s3']));
  });

  it('appends podman_args as single entries, in order, right before the image', () => {
    const tool = makeTool({ podman_args: ['--cpu-shares=512', '--label', 'x=a b', '--ulimit=nofile=64:64'] });
    const before = beforeImage(plan({ tool }).argv);
    expect(before.slice(-4)).toEqual(['--cpu-shares=512', '--label', 'x=a b', '--ulimit=nofile=64:64']);
  });

  it('puts the image, then the lifeline helper, then the command', () => {
    const argv = plan({ tool: makeTool({ command: 'eslint-bin' }) }).argv;
    const i = argv.indexOf(IMAGE);
    expect(argv.slice(i + 1)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', 'eslint-bin']);
  });

  it('passes arguments byte for byte after the command', () => {
    const args = ['--fix', 'a b', "it's", '"q"', '$HOME', '*.js', 'line1\nline2', '', '-', '--', '-rf', 'ünïcode', '\t'];
    const argv = plan({ args }).argv;
    expect(afterImage(argv)).toEqual(['/usr/local/libexec/shim/keeper-perl', '/usr/local/libexec/shim/lifeline', '/run/shim-lifeline/lifeline.sock', 'eslint', ...args]);
  });

  it('display shell-quotes the arguments', () => {
    const p = plan({ args: ['a b', "it's", ''] });
    expect(p.display.endsWith(`${IMAGE} /usr/local/libexec/shim/keeper-perl /usr/local/libexec/shim/lifeline /run/shim-lifeline/lifeline.sock eslint 'a b' 'it'\\''s' ''`)).toBe(true);
  });
});

describe('redactArgv', () => {
  it('redacts values after --env for hidden or secret names only', () => {
    const argv = ['--env', 'A=1', '--env', 'GITHUB_TOKEN=t', '--env', 'H=h', 'GITHUB_TOKEN=notenv'];
    expect(redactArgv(argv, new Set(['H']))).toEqual(['--env', 'A=1', '--env', 'GITHUB_TOKEN=***', '--env', 'H=***', 'GITHUB_TOKEN=notenv']);
  });
});

describe('buildRunPlan: the command', () => {
  it('runs a command the package provides directly, and any command when the package\'s list is unknown', () => {
    for (const p of [plan({ commands: ['eslint'] }), plan()]) {
      expect(p.argv.at(-1)).toBe('eslint');
      expect(p.argv).not.toContain('shim-command-check');
    }
  });

  it('checks a command the package does not provide, naming what it does provide', () => {
    const argv = commandArgv(makeTool({ command: 'eslnt', tool: 'npm:eslint@9' }), ['eslint']);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv.at(-1)).toBe('eslnt');
    expect(argv.at(-2)).toBe('shim: "eslnt" is not a command of npm:eslint@9 or of the image; the package provides: eslint (set "command" of eslint to one of them)');
    expect(plan({ tool: makeTool({ command: 'sh' }), commands: ['eslint'], args: ['-c', 'x'] }).argv.slice(-4)).toEqual(['shim-command-check', expect.stringContaining('"sh" is not a command'), 'sh', '-c', 'x'].slice(-4));
  });

  it('runs an absolute command path unchecked', () => {
    expect(commandArgv(makeTool({ command: '/usr/bin/env' }), ['eslint'])).toEqual(['/usr/bin/env']);
  });
});

