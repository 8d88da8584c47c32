// A fake container runtime for the CLI contract tests: executables named podman and docker that log
// their argv (one JSON line per call) to $FAKE_RUNTIME_LOG and behave just enough like the real thing:
// FAKE_IMAGE_MISSING=1 makes image queries fail, FAKE_INSTALL_FAIL=1 makes the install helper fail;
// a tool run exits with FAKE_EXIT (default 0) after printing FAKE_STDOUT and, with FAKE_ECHO_STDIN=1,
// its stdin, or dies of FAKE_SIGNAL. A tool run prints nothing on stdout unless asked to.
// Never used by the end-to-end tests, which drive real podman and docker.
import fs from 'node:fs';
import path from 'node:path';

/** The image-side install helper shim runs in the install container (src/plan/install-plan.ts). */
export const INSTALL_HELPER = '/usr/local/libexec/shim/install-tool';
/** What the fake install helper prints: version, tab, bin directories. */
export const FAKE_VERSION = '1.2.3';
export const FAKE_BIN_PATH = '/mise/data/installs/x/1.2.3/bin';

// The script runs with the absolute path of the node running the tests, so it works on any PATH.
const SCRIPT = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const env = process.env;
const args = process.argv.slice(2);
if (env.FAKE_RUNTIME_LOG) fs.appendFileSync(env.FAKE_RUNTIME_LOG, JSON.stringify({ bin: path.basename(process.argv[1]), argv: args }) + '\\n');

function respond() {
  if (args[0] === 'image' && (args[1] === 'exists' || args[1] === 'inspect')) return env.FAKE_IMAGE_MISSING === '1' ? 1 : 0;
  if (args[0] !== 'run') return 0; // kill, rm, volume …
  if (args.includes(${JSON.stringify(INSTALL_HELPER)})) {
    if (env.FAKE_INSTALL_FAIL === '1') {
      process.stderr.write('fake install failure: registry unreachable\\n');
      return 1;
    }
    process.stdout.write(${JSON.stringify(`${FAKE_VERSION}\t${FAKE_BIN_PATH}\n`)});
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
