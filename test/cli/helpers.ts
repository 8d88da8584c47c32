// Shared helpers of the CLI contract tests: a per-test sandbox (config, state, cache, bin and project
// dirs under one temp dir, a fake runtime first on PATH) and runners for the built binary, invoked as
// `node bin/shim.js …` or through the tool links `shim up` made.
import { KEEPER_PERL, LIFELINE_HELPER } from '../../src/plan/lifeline.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect, onTestFinished } from 'vitest';
import { containerEnv, createFakeRuntime, isInstallCall, isToolRunCall, readRuntimeLog, type FakeRuntime, type RuntimeCall } from './fake-runtime.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const SHIM = path.join(REPO, 'bin', 'shim.js');
export const DIST = path.join(REPO, 'dist', 'shim.mjs');
export const PKG_VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** shim's own image reference: localhost/shim tagged with 12 hex digits of the recipe hash. */
export const MANAGED_IMAGE_RE = /^localhost\/shim:[0-9a-f]{12}$/;
export const ANSI_RE = /\u001b\[/;

/** Fails with a clear message when dist/ was not built (call it from beforeAll). */
export function requireBuilt(): void {
  if (!fs.existsSync(DIST)) {
    throw new Error(`${DIST} does not exist: run "npm run build" before these tests (cd ${REPO} && npm run build && npx vitest run test/cli)`);
  }
}

export interface Outcome {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Variables added to (or, with undefined, removed from) the sandbox environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Text piped to stdin (default: stdin ignored). */
  input?: string;
}

export interface World {
  root: string;
  home: string;
  /** $XDG_CONFIG_HOME/shim */
  configDir: string;
  dropInDir: string;
  stateDir: string;
  bin: string;
  project: string;
  fake: FakeRuntime;
  logFile: string;
  env: Record<string, string>;
  /** Writes $XDG_CONFIG_HOME/shim/config.json (an object is JSON-encoded, a string written as-is). */
  writeConfig(content: unknown): string;
  /** Writes config.d/<name> (same encoding rules). */
  writeDropIn(name: string, content: unknown): string;
  /** Runs `node bin/shim.js <args>`. */
  shim(args: readonly string[], opts?: RunOptions): Promise<Outcome>;
  /** Runs <bin>/<name> <args> directly (a link made by `shim up`, or anything else put there). */
  link(name: string, args: readonly string[], opts?: RunOptions): Promise<Outcome>;
  calls(): RuntimeCall[];
  installs(): RuntimeCall[];
  toolRuns(): RuntimeCall[];
  /** argv of the last tool run (fails the test when there was none). */
  lastToolRun(): string[];
  /** The container variables of the last tool run, NAME=value (see containerEnv). */
  lastToolEnv(): string[];
  clearLog(): void;
}

function encode(content: unknown): string {
  return typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
}

/** Creates a sandbox removed when the current test finishes. */
export function createWorld(options: { runtimes?: readonly string[] } = {}): World {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-cli-')));
  onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
  const dirs = {
    home: path.join(root, 'home'),
    config: path.join(root, 'config'),
    state: path.join(root, 'state'),
    cache: path.join(root, 'cache'),
    bin: path.join(root, 'bin'),
    project: path.join(root, 'project'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const configDir = path.join(dirs.config, 'shim');
  const dropInDir = path.join(configDir, 'config.d');
  const fake = createFakeRuntime(root, options.runtimes);
  const logFile = path.join(root, 'runtime.log');
  const env: Record<string, string> = {
    PATH: `${fake.dir}:/usr/bin:/bin`,
    HOME: dirs.home,
    LANG: 'C.UTF-8',
    XDG_CONFIG_HOME: dirs.config,
    XDG_STATE_HOME: dirs.state,
    XDG_CACHE_HOME: dirs.cache,
    SHIM_BIN_DIR: dirs.bin,
    SHIM_RUNTIME: 'podman',
    FAKE_RUNTIME_LOG: logFile,
  };

  const exec = async (file: string, args: readonly string[], opts: RunOptions = {}): Promise<Outcome> => {
    const merged: Record<string, string> = { ...env };
    for (const [k, v] of Object.entries(opts.env ?? {})) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    const r = await execa(file, args, { env: merged, extendEnv: false, reject: false, cwd: opts.cwd ?? dirs.project, stripFinalNewline: false, ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }) });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  const world: World = {
    root,
    home: dirs.home,
    configDir,
    dropInDir,
    stateDir: path.join(dirs.state, 'shim'),
    bin: dirs.bin,
    project: dirs.project,
    fake,
    logFile,
    env,
    writeConfig(content) {
      fs.mkdirSync(configDir, { recursive: true });
      const file = path.join(configDir, 'config.json');
      fs.writeFileSync(file, encode(content));
      return file;
    },
    writeDropIn(name, content) {
      fs.mkdirSync(dropInDir, { recursive: true });
      const file = path.join(dropInDir, name);
      fs.writeFileSync(file, encode(content));
      return file;
    },
    shim: (args, opts) => exec(process.execPath, [SHIM, ...args], opts),
    link: (name, args, opts) => exec(path.join(dirs.bin, name), args, opts),
    calls: () => readRuntimeLog(logFile),
    installs: () => readRuntimeLog(logFile).filter(isInstallCall),
    toolRuns: () => readRuntimeLog(logFile).filter(isToolRunCall),
    lastToolRun() {
      const runs = world.toolRuns();
      expect(runs.length, `no tool run was logged; calls: ${JSON.stringify(world.calls())}`).toBeGreaterThan(0);
      return runs[runs.length - 1]!.argv;
    },
    lastToolEnv() {
      world.lastToolRun();
      const runs = world.toolRuns();
      return containerEnv(runs[runs.length - 1]!);
    },
    clearLog: () => fs.rmSync(logFile, { force: true }),
  };
  return world;
}

/** A minimal valid tool entry. */
export const tool = (spec: string, extra: Record<string, unknown> = {}) => ({ tool: spec, ...extra });

/** The argv entries after shim's own image and the lifeline (the container's PID 1) that every run
 *  starts with: the command and its arguments. */
export function afterImage(argv: readonly string[]): string[] {
  const i = argv.findIndex((a) => MANAGED_IMAGE_RE.test(a));
  if (i === -1) throw new Error(`no shim image in argv: ${JSON.stringify(argv)}`);
  const rest = argv.slice(i + 1);
  return rest[0] === KEEPER_PERL && rest[1] === LIFELINE_HELPER ? rest.slice(3) : rest;
}

/** The argv entries before shim's own image. */
export function beforeImage(argv: readonly string[]): string[] {
  const i = argv.findIndex((a) => MANAGED_IMAGE_RE.test(a));
  if (i === -1) throw new Error(`no shim image in argv: ${JSON.stringify(argv)}`);
  return argv.slice(0, i);
}

/** The values that follow every occurrence of `flag` in argv. */
export function valuesOf(argv: readonly string[], flag: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === flag && i + 1 < argv.length) out.push(argv[i + 1]!);
  });
  return out;
}

/** Asserts an outcome's exit code, printing both streams when it differs. */
export function expectExit(out: Outcome, code: number): void {
  expect(out.exitCode, `stdout:\n${out.stdout}\nstderr:\n${out.stderr}`).toBe(code);
}
