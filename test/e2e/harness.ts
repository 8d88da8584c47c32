// A sandboxed shim installation for end-to-end tests: its own config, state, cache and bin dirs, tool
// links made by `shim up`, and a runner that invokes the links as a real user would (as root with
// rootful podman or docker, or as the unprivileged CI user with rootless podman).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { buildSetupId, cacheVolume } from '../../src/plan/names.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SHIM = path.join(REPO, 'bin', 'shim.js');
/** The unprivileged user for rootless podman (created by .ci/setup-containers.sh). */
export const CI_USER = process.env.SHIM_CI_USER ?? 'shimci';

/** The base image .ci/setup-containers.sh builds locally (build machines have no image registry). */
const BASE_IMAGE = process.env.SHIM_BASE_IMAGE || 'localhost/shim-base:bookworm';
/** The system CA bundle: on networks that intercept TLS it holds the intercepting CA, and mise needs it. */
const CA_BUNDLE = process.env.SHIM_CA_BUNDLE || (fs.existsSync('/etc/ssl/certs/ca-certificates.crt') ? '/etc/ssl/certs/ca-certificates.crt' : undefined);

export type Flavour = 'podman' | 'docker' | 'rootless';

/** One XDG cache dir per user for all sandboxes: the staged image build context is fetched once. */
export function sharedCacheDir(flavour: Flavour): string {
  return path.join(os.tmpdir(), `shim-e2e-cache-${flavour === 'rootless' ? 'rootless' : 'root'}`);
}

/** The environment every sandbox passes to shim (plus its own XDG and bin dirs). */
export function baseEnv(flavour: Flavour, home: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    SHIM_RUNTIME: flavour === 'docker' ? 'docker' : 'podman',
    SHIM_BASE_IMAGE: BASE_IMAGE,
    ...(CA_BUNDLE ? { SHIM_CA_BUNDLE: CA_BUNDLE } : {}),
    ...(flavour === 'rootless' ? { USER: CI_USER, LOGNAME: CI_USER } : {}),
  };
}

/** Runs argv as the flavour's user: setpriv execs (no extra process in between), so signals sent to
 *  the child reach shim itself. */
export function asUser(flavour: Flavour, argv: string[]): string[] {
  if (flavour !== 'rootless') return argv;
  const user = userIds(CI_USER);
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...argv];
}

export interface Sandbox {
  flavour: Flavour;
  root: string;
  bin: string;
  project: string;
  uid: number;
  /** The sandbox's setup id (names.ts buildSetupId: its user and state directory). */
  setup: string;
  env: Record<string, string>;
  /** Runs argv[0] from the sandbox bin dir (a tool link), or `shim` itself, in `cwd` (default: project). */
  run(argv: string[], opts?: { input?: string; env?: Record<string, string>; cwd?: string }): ResultPromise<{ reject: false }>;
  runtime(args: string[]): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
}

export function userIds(name: string): { uid: number; gid: number; home: string } {
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`user ${name} does not exist: run .ci/setup-containers.sh first`);
  const [, , uid, gid, , home] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), home: home! };
}

/** Creates a sandbox with the given tools config; fails (never skips) when the runtime is missing. */
export async function createSandbox(flavour: Flavour, tools: Record<string, unknown>): Promise<Sandbox> {
  const runtimeName = flavour === 'docker' ? 'docker' : 'podman';
  const probe = await execa(runtimeName, ['info'], { reject: false });
  if (probe.exitCode !== 0) throw new Error(`${runtimeName} is not usable here (run .ci/setup-containers.sh): ${probe.stderr}`);

  const rootless = flavour === 'rootless';
  const user = rootless ? userIds(CI_USER) : { uid: process.getuid!(), gid: process.getgid!(), home: os.homedir() };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `shim-e2e-${flavour}-`));
  const dirs = { config: path.join(root, 'config'), state: path.join(root, 'state'), cache: sharedCacheDir(flavour), bin: path.join(root, 'bin'), project: path.join(root, 'project') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.config, 'shim'));
  fs.writeFileSync(path.join(dirs.config, 'shim', 'config.json'), JSON.stringify(tools, null, 2));
  // rootless podman on cgroup v1 (these build machines) cannot enforce memory or process limits, and
  // shim refuses to pretend: the user accepts unenforced limits explicitly, as the README says
  if (rootless && !fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    fs.writeFileSync(path.join(dirs.config, 'shim', 'settings.json'), JSON.stringify({ limits_best_effort: true }));
  }
  if (rootless) await execa('chown', ['-R', `${user.uid}:${user.gid}`, root]);

  const env: Record<string, string> = {
    ...baseEnv(flavour, user.home),
    // no sbin directories, like a normal user's PATH: shim must still give the runtime what it needs
    PATH: `${dirs.bin}:/usr/local/bin:/usr/bin:/bin`,
    XDG_CONFIG_HOME: dirs.config,
    XDG_STATE_HOME: dirs.state,
    XDG_CACHE_HOME: dirs.cache,
    SHIM_BIN_DIR: dirs.bin,
  };

  const sandbox: Sandbox = {
    flavour,
    root,
    bin: dirs.bin,
    project: dirs.project,
    uid: user.uid,
    setup: buildSetupId(user.uid, path.join(fs.realpathSync(dirs.state), 'shim')),
    env,
    run(argv, opts = {}) {
      const [first, ...rest] = argv;
      const file = first === 'shim' ? SHIM : path.join(dirs.bin, first!);
      const [cmd, ...args] = asUser(flavour, [file, ...rest]);
      return execa(cmd!, args, {
        cwd: opts.cwd ?? dirs.project,
        env: { ...env, ...opts.env },
        extendEnv: false,
        reject: false,
        stripFinalNewline: false,
        ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
      });
    },
    async runtime(args) {
      const [cmd, ...rest] = asUser(flavour, [runtimeName, ...args]);
      const r = await execa(cmd!, rest, { reject: false, env: { ...env, PATH: '/usr/local/bin:/usr/bin:/bin' }, extendEnv: false, cwd: '/' });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
  };
  const up = await sandbox.run(['shim', 'up']);
  if (up.exitCode !== 0) throw new Error(`shim up failed: ${up.stderr}`);
  return sandbox;
}

/** The install volumes of the named tools on the sandbox's runtime, every setup's (a tool's volume is
 *  named shim-tool-<tool>-<hash of the state directory and spec>). */
export async function toolVolumes(sb: Pick<Sandbox, 'runtime'>, tools: readonly string[]): Promise<string[]> {
  const ls = await sb.runtime(['volume', 'ls', '--format', '{{.Name}}']);
  if (ls.exitCode !== 0) throw new Error(`volume ls failed: ${ls.stderr}`);
  const names = tools.map((t) => t.replace(/[.+]/g, (c) => (c === '+' ? '_' : '\\.')));
  const re = new RegExp(`^shim-tool-(${names.join('|')})(-[0-9a-f]{6})?-[0-9a-f]{12}$`);
  return ls.stdout.split('\n').filter((v) => re.test(v));
}

/** Removes the install volumes and download caches of the named tools (cleanup after a test). */
export async function removeToolVolumes(sb: Pick<Sandbox, 'runtime'> & { setup?: string } | undefined, tools: readonly string[]): Promise<void> {
  if (!sb) return;
  // without a setup (a shim outside a sandbox), every setup's cache of these tools: their names are unique
  const caches = sb.setup ? tools.map((t) => cacheVolume(t, sb.setup!)) : (await sb.runtime(['volume', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((v) => tools.some((t) => v.startsWith(`shim-cache-${t}-`)));
  const volumes = [...(await toolVolumes(sb, tools)), ...caches];
  await sb.runtime(['volume', 'rm', '--force', ...volumes]);
}

export function removeSandbox(sandbox: Sandbox | undefined): void {
  if (sandbox) fs.rmSync(sandbox.root, { recursive: true, force: true });
}

/** Resolves once the child's stdout has printed `text` (a tool telling the test it is ready); fails
 *  after `ms` with what it printed, instead of waiting out the test's whole time limit. */
export async function waitForOutput(child: { stdout: NodeJS.ReadableStream | null }, text: string, ms = 120_000): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${JSON.stringify(text)}; the output was: ${JSON.stringify(seen.slice(-2000))}`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
