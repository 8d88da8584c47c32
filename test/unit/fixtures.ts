// Small factories for the plain values the planner takes (HostEnv, RuntimeInfo, ResolvedTool, MountFact).
import type { ResolvedTool } from '../../src/config/merge.js';
import type { MountConfig } from '../../src/config/schema.js';
import type { Env, HostEnv, RuntimeInfo } from '../../src/host.js';
import type { MountFact } from '../../src/plan/mounts.js';
import type { RunInputs } from '../../src/plan/run-plan.js';
import type { InstallInputs } from '../../src/plan/install-plan.js';

export function makeHost(overrides: Partial<HostEnv> = {}, env: Env = {}): HostEnv {
  return {
    cwd: '/home/user/project',
    home: '/home/user',
    uid: 1000,
    gid: 1000,
    env,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    arch: 'x64',
    shimEntry: '/opt/shim/bin/shim.js',
    packageRoot: '/opt/shim',
    version: '0.1.0',
    node: { path: '/usr/bin/node', version: '20.20.0' },
    ...overrides,
  };
}

export const rootlessPodman = (): RuntimeInfo => ({ name: 'podman', path: '/usr/bin/podman', rootless: true });
export const rootfulPodman = (): RuntimeInfo => ({ name: 'podman', path: '/usr/bin/podman', rootless: false });
export const docker = (): RuntimeInfo => ({ name: 'docker', path: '/usr/bin/docker', rootless: false });

export function makeTool(overrides: Partial<ResolvedTool> = {}): ResolvedTool {
  return {
    name: 'eslint',
    tool: 'npm:eslint@9.12.0',
    command: 'eslint',
    mounts: [],
    env: {},
    env_passthrough: [],
    network: 'none',
    allowed_hosts: [],
    isolated: false,
    ports: [],
    podman_args: [],
    secrets: [],
    credentials: {},
    git_writable: false,
    unsafe_podman_args: false,
    limits: {},
    packages: [],
    install_scripts: [],
    install_hosts: [],
    provenance: {},
    ...overrides,
  };
}

export function makeMount(real: string, dst: string, opts?: string): MountFact {
  const config: MountConfig = opts === undefined ? { src: real, dst } : { src: real, dst, opts };
  return { config, expanded: real, real, dst };
}

export const IMAGE = 'localhost/shim:0123456789ab';
/** The tool's install volume, as its install recorded it in the lock file. */
export const VOLUME = 'shim-tool-eslint-0123456789ab';

/** The setup id of the fixtures (names.ts buildSetupId). */
export const SETUP = '5e7u9000000a';

export function runInputs(overrides: Partial<RunInputs> = {}): RunInputs {
  return {
    tool: makeTool(),
    host: makeHost(),
    runtime: rootlessPodman(),
    image: IMAGE,
    binPaths: ['/mise/installs/npm-eslint/9.12.0/bin'],
    volume: VOLUME,
    mounts: [],
    cwd: '/home/u/proj',
    args: [],
    runId: 'r1a2b3',
    setup: SETUP,
    ...overrides,
  };
}

export function installInputs(overrides: Partial<InstallInputs> = {}): InstallInputs {
  return {
    tool: makeTool(),
    host: makeHost(),
    runtime: rootlessPodman(),
    image: IMAGE,
    runId: 'i9z8y7',
    setup: SETUP,
    installSpec: (overrides.tool ?? makeTool()).tool,
    installId: 'inst42',
    volume: VOLUME,
    minReleaseAge: '3d',
    ...overrides,
  };
}

/** The values that follow every occurrence of `flag` in argv. */
export function valuesOf(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && i + 1 < argv.length) out.push(argv[i + 1]!);
  });
  return out;
}

/** The argv entries after the image (the command and its arguments). */
export function afterImage(argv: readonly string[], image = IMAGE): string[] {
  const i = argv.indexOf(image);
  if (i === -1) throw new Error(`image ${image} not in argv`);
  return argv.slice(i + 1);
}

/** The argv entries before the image. */
export function beforeImage(argv: readonly string[], image = IMAGE): string[] {
  const i = argv.indexOf(image);
  if (i === -1) throw new Error(`image ${image} not in argv`);
  return argv.slice(0, i);
}
