// A fake container runtime for the CLI contract tests: executables named podman and docker that log
// their argv (one JSON line per call, with the value each bare `--env NAME` finds in their environment)
// to $FAKE_RUNTIME_LOG and behave just enough like the real thing:
// FAKE_IMAGE_MISSING=1 makes image queries fail, FAKE_INSTALL_FAIL=1 makes the install helper fail
// (FAKE_INSTALL_FAIL=cert: with npm's certificate error), FAKE_INSTALL_COMMANDS (comma list) are the
// commands its manifest names;
// a tool run exits with FAKE_EXIT (default 0) after printing FAKE_STDOUT and, with FAKE_ECHO_STDIN=1,
// its stdin, or dies of FAKE_SIGNAL. A tool run prints nothing on stdout unless asked to.
// `version` and `info` answer with the runtime's JSON (podman or docker shaped, by the executable's
// name): FAKE_RUNTIME_VERSION, FAKE_ROOTLESS=1, FAKE_CGROUP=v1|v2 (default v2), FAKE_CGROUP_CONTROLLERS
// (comma list), FAKE_OCI_RUNTIME (default runc) and FAKE_RUNC_VERSION (default 1.3.3) shape them;
// FAKE_INFO_FAIL=1 makes `info` fail like an unreachable daemon, FAKE_NO_RUNC_INFO=1 leaves the OCI
// runtime's version out. A fake named runc answers `--version` with FAKE_RUNC_VERSION.
// Never used by the end-to-end tests, which drive real podman and docker.
import fs from 'node:fs';
import path from 'node:path';

/** The image-side install helper shim runs in the install container (src/plan/install-plan.ts). */
export const INSTALL_HELPER = '/usr/local/libexec/shim/install-tool';
/** What the fake install helper prints: its manifest (version, bin directories…) as one JSON line. */
export const FAKE_VERSION = '1.2.3';
export const FAKE_BIN_PATH = '/mise/data/installs/x/1.2.3/bin';

// The script runs with the absolute path of the node running the tests, so it works on any PATH.
const SCRIPT = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const env = process.env;
const args = process.argv.slice(2);
// what a real runtime copies for a bare --env NAME: the value in its own environment (null: unset)
const passed = {};
args.forEach((a, i) => { if ((args[i - 1] === '--env' || args[i - 1] === '-e') && !a.includes('=')) passed[a] = env[a] === undefined ? null : env[a]; });
if (env.FAKE_RUNTIME_LOG) fs.appendFileSync(env.FAKE_RUNTIME_LOG, JSON.stringify({ bin: path.basename(process.argv[1]), argv: args, env: passed }) + '\\n');

const bin = path.basename(process.argv[1]);
const cgroupV1 = env.FAKE_CGROUP === 'v1';
const rootless = env.FAKE_ROOTLESS === '1';
const ociName = env.FAKE_OCI_RUNTIME || 'runc';
const runcVersion = env.FAKE_RUNC_VERSION || '1.3.3';
const controllers = env.FAKE_CGROUP_CONTROLLERS !== undefined ? env.FAKE_CGROUP_CONTROLLERS.split(',').filter(Boolean) : cgroupV1 ? ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'pids'] : ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids'];

function versionJson() {
  if (bin === 'docker') {
    const components = [{ Name: 'Engine', Version: env.FAKE_RUNTIME_VERSION || '27.0.3' }];
    if (env.FAKE_NO_RUNC_INFO !== '1' && ociName === 'runc') components.push({ Name: 'runc', Version: runcVersion, Details: { GitCommit: 'v' + runcVersion + '-0-gabcdef0' } });
    return { Client: { Version: env.FAKE_RUNTIME_VERSION || '27.0.3' }, Server: { Version: env.FAKE_RUNTIME_VERSION || '27.0.3', Components: components } };
  }
  return { Client: { APIVersion: env.FAKE_RUNTIME_VERSION || '5.0.0', Version: env.FAKE_RUNTIME_VERSION || '5.0.0', OsArch: 'linux/amd64' } };
}

function infoJson() {
  if (bin === 'docker') {
    const info = {
      ServerVersion: env.FAKE_RUNTIME_VERSION || '27.0.3',
      CgroupVersion: cgroupV1 ? '1' : '2',
      MemoryLimit: true,
      PidsLimit: true,
      SecurityOptions: ['name=seccomp,profile=builtin'].concat(rootless ? ['name=rootless'] : []).concat(cgroupV1 ? [] : ['name=cgroupns']),
      DefaultRuntime: ociName,
      Runtimes: { [ociName]: { path: ociName } },
    };
    if (env.FAKE_NO_RUNC_INFO !== '1' && ociName === 'runc') info.RuncCommit = { ID: 'v' + runcVersion + '-0-gabcdef0', Expected: 'v' + runcVersion + '-0-gabcdef0' };
    return info;
  }
  const ociRuntime = { name: ociName, path: '/usr/bin/' + ociName };
  if (env.FAKE_NO_RUNC_INFO !== '1') ociRuntime.version = ociName + ' version ' + runcVersion + '\\ncommit: abcdef\\nspec: 1.0.2-dev';
  else delete ociRuntime.path;
  return { host: { cgroupVersion: cgroupV1 ? 'v1' : 'v2', cgroupControllers: controllers, cgroupManager: 'systemd', ociRuntime, security: { rootless } }, version: { Version: env.FAKE_RUNTIME_VERSION || '5.0.0' } };
}

function respond() {
  if (bin === 'runc') {
    process.stdout.write('runc version ' + runcVersion + '\\ncommit: v' + runcVersion + '\\nspec: 1.2.0\\n');
    return 0;
  }
  if (args[0] === 'version') {
    process.stdout.write(JSON.stringify(versionJson()) + '\\n');
    return 0;
  }
  if (args[0] === 'info') {
    if (env.FAKE_INFO_FAIL === '1') {
      process.stderr.write('Cannot connect to the runtime: is the daemon running?\\n');
      return bin === 'docker' ? 1 : 125;
    }
    process.stdout.write(JSON.stringify(infoJson()) + '\\n');
    return 0;
  }
  if (args[0] === 'image' && (args[1] === 'exists' || args[1] === 'inspect')) return env.FAKE_IMAGE_MISSING === '1' ? 1 : 0;
  if (args[0] !== 'run') return 0; // kill, rm, volume …
  if (args.includes(${JSON.stringify(INSTALL_HELPER)})) {
    if (env.FAKE_INSTALL_FAIL === '1') {
      process.stderr.write('fake install failure: registry unreachable\\n');
      return 1;
    }
    if (env.FAKE_INSTALL_FAIL === 'cert') {
      process.stderr.write('mise ERROR Failed to install npm:eslint@latest\\nnpm error code SELF_SIGNED_CERT_IN_CHAIN\\nnpm error request to https://registry.npmjs.org/eslint failed, reason: self-signed certificate in certificate chain\\n');
      return 1;
    }
    const manifest = ${JSON.stringify({ version: FAKE_VERSION, binPaths: [FAKE_BIN_PATH] })};
    if (env.FAKE_INSTALL_COMMANDS !== undefined) manifest.commands = env.FAKE_INSTALL_COMMANDS.split(',').filter(Boolean);
    process.stdout.write(JSON.stringify(manifest) + '\\n');
    return 0;
  }
  if (env.FAKE_SIGNAL) process.kill(process.pid, env.FAKE_SIGNAL);
  if (env.FAKE_STDOUT) process.stdout.write(env.FAKE_STDOUT);
  if (env.FAKE_ECHO_STDIN === '1') process.stdout.write(fs.readFileSync(0));
  return Number(env.FAKE_EXIT || '0');
}
process.exitCode = respond();
`;

export interface FakeRuntime {
  /** Directory holding the fake executables (put it on PATH). */
  dir: string;
  /** Absolute path of each fake executable created. */
  paths: Record<string, string>;
}

/** Creates a directory with fake runtimes (podman and docker unless `names` says otherwise). */
export function createFakeRuntime(parent: string, names: readonly string[] = ['podman', 'docker']): FakeRuntime {
  const dir = path.join(parent, 'fake-runtime');
  fs.mkdirSync(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const name of names) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, SCRIPT, { mode: 0o755 });
    paths[name] = file;
  }
  return { dir, paths };
}

/** One call of a fake runtime. */
export interface RuntimeCall {
  bin: string;
  argv: string[];
  /** The value of each bare `--env NAME` in the runtime's own environment (null: not set there). */
  env: Record<string, string | null>;
}

/** The container's variables as NAME=value, in argv order: `--env NAME=value` as given, a bare
 *  `--env NAME` with the value the runtime found in its environment (left out when it had none). */
export function containerEnv(call: RuntimeCall): string[] {
  return call.argv.flatMap((a, i) => {
    if (call.argv[i - 1] !== '--env' && call.argv[i - 1] !== '-e') return [];
    if (a.includes('=')) return [a];
    const v = call.env?.[a];
    return v === null || v === undefined ? [] : [`${a}=${v}`];
  });
}

/** Reads the calls logged so far (none when the log does not exist). */
export function readRuntimeLog(file: string): RuntimeCall[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RuntimeCall);
}

export const isInstallCall = (c: RuntimeCall) => c.argv[0] === 'run' && c.argv.includes(INSTALL_HELPER);
export const isToolRunCall = (c: RuntimeCall) => c.argv[0] === 'run' && !c.argv.includes(INSTALL_HELPER);
