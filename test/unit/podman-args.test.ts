import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { checkPodmanArgs, podmanArgViolations } from '../../src/plan/podman-args.js';
import { FLAGS, SHORT_FLAGS } from '../../src/plan/podman-flags.js';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import { beforeImage, makeTool, runInputs } from './fixtures.js';

const shortOf = (long: string) => Object.entries(SHORT_FLAGS).find(([, l]) => l === long)?.[0];

/** Every way pflag lets one write `--long value` (value-taking flags). */
function valueSpellings(long: string, value: string): string[][] {
  const out = [[`--${long}`, value], [`--${long}=${value}`]];
  const s = shortOf(long);
  if (s) out.push([`-${s}`, value], [`-${s}${value}`], [`-${s}=${value}`], [`-i${s}`, value], [`-it${s}${value}`]);
  return out;
}

/** Every way to set a boolean flag to true. */
function trueSpellings(long: string): string[][] {
  const out = [[`--${long}`], [`--${long}=true`], [`--${long}=1`], [`--${long}=TRUE`], [`--${long}=t`]];
  const s = shortOf(long);
  if (s) out.push([`-${s}`], [`-i${s}`], [`-${s}i`], [`-it${s}`]);
  return out;
}

const falseSpellings = (long: string) => [[`--${long}=false`], [`--${long}=0`], [`--${long}=f`], [`--${long}=False`], [`--${long}=FALSE`]];

// [flag, value] pairs for value-taking flags that are refused whatever the value
const DENIED_VALUE: [string, string][] = [
  ['cap-add', 'SYS_ADMIN'],
  ['cap-add', 'ALL'],
  ['network', 'host'],
  ['network', 'none'],
  ['net', 'host'],
  ['pid', 'host'],
  ['pid', 'private'],
  ['ipc', 'host'],
  ['uts', 'host'],
  ['userns', 'host'],
  ['userns', 'keep-id'],
  ['cgroupns', 'host'],
  ['uidmap', '0:0:1'],
  ['gidmap', '0:0:1'],
  ['volume', '/:/host'],
  ['volume', '/home/user/.ssh:/s:ro'],
  ['mount', 'type=bind,src=/,dst=/h'],
  ['tmpfs', '/x'],
  ['volumes-from', 'other'],
  ['image-volume', 'bind'],
  ['device', '/dev/kvm'],
  ['device-cgroup-rule', 'c *:* rwm'],
  ['gpus', 'all'],
  ['env', 'FOO=1'],
  ['env', 'NPM_TOKEN'],
  ['env-file', '/home/user/.env'],
  ['env-merge', 'PATH=/x:${PATH}'],
  ['unsetenv', 'PATH'],
  ['entrypoint', '/bin/sh'],
  ['user', 'root'],
  ['user', '0:0'],
  ['group-add', 'wheel'],
  ['group-add', 'keep-groups'],
  ['hostuser', 'root'],
  ['pull', 'always'],
  ['pull', 'never'],
  ['sysctl', 'net.ipv4.ip_forward=1'],
  ['name', 'other'],
  ['workdir', '/'],
  ['publish', '0.0.0.0:80:80'],
  ['expose', '80'],
  ['secret', 'mysecret'],
  ['annotation', 'run.oci.keep_original_groups=1'],
  ['label-file', '/etc/passwd'],
  ['init-path', '/tmp/evil'],
  ['seccomp-policy', 'image'],
  ['systemd', 'always'],
  ['systemd', 'true'],
  ['cgroup-parent', '/'],
  ['pids-limit', '-1'],
  ['pids-limit', '0'],
  // limits go through "limits", where the profile and the host's ability to enforce them are known
  ['pids-limit', '100'],
  ['memory', '2g'],
  ['memory-swap', '2g'],
  ['cpus', '1.5'],
  ['cgroups', 'disabled'],
  ['pod', 'other'],
  ['restart', 'always'],
  ['cidfile', '/home/user/.bashrc'],
  ['preserve-fds', '3'],
  ['log-driver', 'passthrough'],
  ['runtime', '/tmp/evil'],
  ['runtime-flag', 'debug'],
  ['conmon', '/tmp/evil'],
  ['root', '/tmp/storage'],
  ['hooks-dir', '/tmp/hooks'],
  ['module', '/tmp/privileged.conf'],
  ['connection', 'other'],
  ['url', 'unix:///run/podman/podman.sock'],
];

// security-opt values that undo the sandbox, in both the = and the old docker : spelling
const DENIED_SECURITY_OPTS = [
  'seccomp=unconfined',
  'seccomp:unconfined',
  'seccomp=/tmp/allow-all.json',
  'label=disable',
  'label:disable',
  'label=type:spc_t',
  'label=nested',
  'apparmor=unconfined',
  'apparmor:unconfined',
  'no-new-privileges=false',
  'no-new-privileges:false',
  'unmask=ALL',
  'unmask=/proc/*',
  'proc-opts=hidepid=0',
  'systempaths=unconfined',
];

const DENIED_WHEN_TRUE = ['privileged', 'env-host', 'detach', 'publish-all', 'rootfs', 'replace', 'oom-kill-disable', 'http-proxy', 'unsetenv-all'];
const DENIED_WHEN_FALSE = ['rm', 'read-only'];

const ALLOWED: string[][] = [
  ['--memory-reservation=1g'],
  ['--cpu-shares', '512'],
  ['--cpu-shares=512'],
  ['--cpu-quota=50000'],
  ['--ulimit', 'nofile=1024:1024'],
  ['--shm-size=64m'],
  ['--label', 'k=v'],
  ['--label=k=v with spaces'],
  ['-l', 'k=v'],
  ['-lk=v'],
  ['--hostname', 'x'],
  ['-h', 'x'],
  ['--add-host', 'db.local:10.0.0.2'],
  ['--add-host=db.local:10.0.0.2'],
  ['--dns=1.1.1.1'],
  ['--tz=UTC'],
  ['--stop-timeout=5'],
  ['--cap-drop=ALL'],
  ['--security-opt', 'no-new-privileges'],
  ['--security-opt=no-new-privileges:true'],
  ['--security-opt', 'mask=/proc/acpi'],
  ['--rm'],
  ['--rm=true'],
  ['--read-only'],
  ['--privileged=false'],
  ['--env-host=false'],
  ['--http-proxy=false'],
  ['--systemd=false'],
  ['--read-only-tmpfs=false'],
  ['--no-hosts'],
  ['-i'],
  ['-it'],
  ['--tty'],
  // values of value-taking flags are values, never flags: podman reads these the same way
  ['--label', '--privileged'],
  ['--label', '-v'],
  ['-l', '--network=host'],
  ['--hostname', '--cap-add=ALL'],
  ['--cpu-shares=512', '--ulimit', 'nofile=64:64', '--label', 'a=b', '-it'],
];

describe('podmanArgViolations: refused flags in every spelling', () => {
  const cases = DENIED_VALUE.flatMap(([flag, value]) => valueSpellings(flag, value).map((args) => [flag, args] as const));
  it.each(cases)('--%s: %j', (flag, args) => {
    const v = podmanArgViolations(args);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ index: 0, flag: `--${flag}` });
    expect(v[0]!.why.length).toBeGreaterThan(10);
    expect(v[0]!.instead.length).toBeGreaterThan(5);
  });

  const secOpts = DENIED_SECURITY_OPTS.flatMap((value) => valueSpellings('security-opt', value));
  it.each(secOpts)('--security-opt: %j', (...args) => {
    expect(podmanArgViolations(args)).toEqual([expect.objectContaining({ index: 0, flag: '--security-opt' })]);
  });

  const whenTrue = DENIED_WHEN_TRUE.flatMap((flag) => trueSpellings(flag).map((args) => [flag, args] as const));
  it.each(whenTrue)('--%s (true): %j', (flag, args) => {
    expect(podmanArgViolations(args)).toEqual([expect.objectContaining({ index: 0, flag: `--${flag}` })]);
  });

  const whenFalse = DENIED_WHEN_FALSE.flatMap((flag) => falseSpellings(flag).map((args) => [flag, args] as const));
  it.each(whenFalse)('--%s (false): %j', (flag, args) => {
    expect(podmanArgViolations(args)).toEqual([expect.objectContaining({ index: 0, flag: `--${flag}` })]);
  });

  it.each([
    [['-v', '/:/host'], '--volume'],
    [['-v/:/host'], '--volume'],
    [['-v=/:/host'], '--volume'],
    [['-eFOO=1'], '--env'],
    [['-e=FOO=1'], '--env'],
    [['-e', 'NPM_TOKEN'], '--env'],
    [['-uroot'], '--user'],
    [['-u', '0'], '--user'],
    [['-itv/:/h'], '--volume'],
    [['-d'], '--detach'],
    [['-p8080:80'], '--publish'],
    [['-P'], '--publish-all'],
    [['-w/'], '--workdir'],
  ])('short spelling %j is %s', (args, flag) => {
    expect(podmanArgViolations(args)).toEqual([expect.objectContaining({ index: 0, flag })]);
  });

  it('finds a refused flag after allowed ones, at its own index, and a flag hidden after a value', () => {
    expect(podmanArgViolations(['--cpu-shares', '512', '--label', 'a=b', '--privileged'])).toEqual([expect.objectContaining({ index: 4, flag: '--privileged' })]);
    expect(podmanArgViolations(['--cpu-shares=1', '-v', '/:/h', '--cap-add=ALL']).map((v) => [v.index, v.flag])).toEqual([
      [1, '--volume'],
      [3, '--cap-add'],
    ]);
  });

  it('refuses io.shim.* labels (shim finds and removes its containers by them)', () => {
    for (const args of [['--label', 'io.shim.tool=other'], ['--label=io.shim.run=x'], ['-lio.shim.tool=x'], ['-l', 'IO.SHIM.TOOL=x']]) {
      expect(podmanArgViolations(args)).toEqual([expect.objectContaining({ flag: '--label' })]);
    }
  });
});

describe('podmanArgViolations: what cannot be parsed is refused', () => {
  it.each([
    [['alpine'], 'alpine', /image/],
    [['--'], '--', /image/],
    [['-'], '-', /image/],
    [['--cpu-shares', '512', 'sh'], 'sh', /image/],
    [['--privileged', 'false'], 'false', /image/], // a boolean never takes the next entry: "false" would be the image
    [['--frobnicate'], '--frobnicate', /not an option shim knows/],
    [['--Privileged'], '--Privileged', /not an option shim knows/],
    [['--cpu-shares 512'], '--cpu-shares 512', /not an option shim knows/],
    [['-x'], '-x', /cannot be parsed/],
    [['-ix'], '-x', /cannot be parsed/],
    [['-c', '512'], '-c', /ambiguous/],
    [['--cpu-shares'], '--cpu-shares', /would take shim's image/],
    [['-m'], '--memory', /would take shim's image/],
    [['--rm=maybe'], '--rm', /true or false/],
  ])('%j → %s', (args, flag, why) => {
    const v = podmanArgViolations(args);
    expect(v.map((x) => x.flag)).toContain(flag);
    expect(v.find((x) => x.flag === flag)!.why).toMatch(why);
  });
});

describe('podmanArgViolations: allowed flags pass', () => {
  it.each(ALLOWED)('%j', (...args) => {
    expect(podmanArgViolations(args)).toEqual([]);
  });

  it('knows every short flag it maps', () => {
    for (const long of Object.values(SHORT_FLAGS)) expect(FLAGS[long]).toBeDefined();
  });
});

describe('checkPodmanArgs', () => {
  it('throws a ConfigError naming the tool, the entry, the flag, why and what to use instead', () => {
    const tool = makeTool({ name: 'lint', podman_args: ['--cpu-shares=512', '-v', '/:/host'] });
    let error: ConfigError | undefined;
    try {
      checkPodmanArgs(tool);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(
      'lint.podman_args[1]: "-v /:/host" (--volume) adds a mount: mounts go through "mounts", where sources are checked against the deny list; instead: use "mounts": [{ "src": "...", "dst": "...", "opts": "ro" }]',
    );
    expect(error!.hint).toContain('"unsafe_podman_args": true in lint');
  });

  it('lists every refused entry in one error', () => {
    expect(() => checkPodmanArgs(makeTool({ podman_args: ['--privileged', '--network=host'] }))).toThrow(/^eslint: 2 podman_args are refused:\neslint\.podman_args\[0\]: "--privileged" .*\neslint\.podman_args\[1\]: "--network=host" /);
  });

  it('returns no warning for allowed args', () => {
    expect(checkPodmanArgs(makeTool({ podman_args: ['--cpu-shares=512', '--label', 'k=v'] }))).toEqual([]);
    expect(checkPodmanArgs(makeTool())).toEqual([]);
  });

  it('with unsafe_podman_args lets refused args through with a warning naming each', () => {
    const warnings = checkPodmanArgs(makeTool({ podman_args: ['--cap-add=NET_RAW', '--cpu-shares=512', '-v', '/:/h'], unsafe_podman_args: true }));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('eslint: "unsafe_podman_args" is set');
    expect(warnings[0]).toContain('eslint.podman_args[0]: "--cap-add=NET_RAW" gives the tool capabilities');
    expect(warnings[0]).toContain('eslint.podman_args[2]: "-v /:/h" (--volume)');
    expect(warnings[0]).not.toContain('--cpu-shares');
  });

  it('with unsafe_podman_args and nothing to let through, still warns (the setting should go)', () => {
    expect(checkPodmanArgs(makeTool({ podman_args: ['--cpu-shares=512'], unsafe_podman_args: true }))).toEqual([expect.stringContaining('none of the current ones needs it')]);
  });
});

describe('buildRunPlan applies the podman_args check', () => {
  it.each([['--privileged'], ['--cap-add=SYS_ADMIN'], ['-v', '/:/host'], ['--security-opt', 'seccomp=unconfined'], ['--pid=host'], ['--userns=host'], ['--runtime', '/tmp/x']])(
    'refuses %j',
    (...podman_args) => {
      expect(() => buildRunPlan(runInputs({ tool: makeTool({ podman_args }) }))).toThrow(ConfigError);
    },
  );

  it('passes allowed args unchanged right before the image, without warnings', () => {
    const p = buildRunPlan(runInputs({ tool: makeTool({ podman_args: ['--label', 'x=a b', '--cpu-shares=512'] }) }));
    expect(beforeImage(p.argv).slice(-3)).toEqual(['--label', 'x=a b', '--cpu-shares=512']);
    expect(p.warnings).toEqual([]);
  });

  it('with unsafe_podman_args passes refused args unchanged and warns in plan.warnings', () => {
    const p = buildRunPlan(runInputs({ tool: makeTool({ podman_args: ['--cap-add=NET_RAW'], unsafe_podman_args: true }) }));
    expect(beforeImage(p.argv).slice(-1)).toEqual(['--cap-add=NET_RAW']);
    expect(p.warnings).toEqual([expect.stringContaining('--cap-add=NET_RAW')]);
  });
});
