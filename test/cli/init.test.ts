// `shim init` in-process (createApp with a HostEnv built here, the reporter into a buffer): writes the
// sample with a "$schema" of this copy of shim, never overwrites, asks only on a terminal. Then every
// entry it wrote is planned with `run --dry-run` against the fake runtime, as a user's first runs would be.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app/with-config-files.js';
import { runCli } from '../../src/cli.js';
import { initCommand, samplePath, schemaUrl } from '../../src/commands/init.js';
import { parseJsonc } from '../../src/config/jsonc.js';
import { ShimError } from '../../src/errors.js';
import type { HostEnv } from '../../src/host.js';
import { createReporter } from '../../src/report.js';
import { createFakeRuntime } from './fake-runtime.js';
import { REPO, SHIM } from './helpers.js';

interface Harness {
  app: App;
  root: string;
  configFile: string;
  out: () => string;
  err: () => string;
}

function harness(options: { tty?: boolean; fakeRuntime?: boolean } = {}): Harness {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-init-')));
  onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
  const project = path.join(root, 'project');
  fs.mkdirSync(project);
  const fake = options.fakeRuntime ? createFakeRuntime(root, ['podman']) : undefined;
  const host: HostEnv = {
    cwd: project,
    home: root,
    uid: 1000,
    gid: 1000,
    env: {
      // no runtime on PATH unless asked: init must never reach one
      PATH: fake ? `${fake.dir}:/usr/bin:/bin` : path.join(root, 'nothing'),
      XDG_CONFIG_HOME: path.join(root, 'config'),
      XDG_STATE_HOME: path.join(root, 'state'),
      XDG_CACHE_HOME: path.join(root, 'cache'),
      SHIM_BIN_DIR: path.join(root, 'bin'),
      SHIM_RUNTIME: 'podman',
      FAKE_RUNTIME_LOG: path.join(root, 'runtime.log'),
      ANTHROPIC_API_KEY: 'sk-test-not-real',
    },
    stdinIsTTY: options.tty ?? false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    arch: process.arch,
    shimEntry: SHIM,
    packageRoot: REPO,
    version: '9.8.7',
    node: { path: process.execPath, version: process.versions.node },
  };
  let out = '';
  let err = '';
  const app = createApp(host, createReporter((t) => (err += t), 0), (t) => (out += t));
  return { app, root, configFile: path.join(root, 'config', 'shim', 'config.json'), out: () => out, err: () => err };
}

const never = async (): Promise<string> => {
  throw new Error('init asked a question although stdin is not a terminal');
};

describe('shim init', () => {
  it('without a terminal writes the sample with "$schema", creating the directory, and says what next', async () => {
    const h = harness();
    expect(fs.existsSync(path.dirname(h.configFile))).toBe(false);
    expect(await initCommand(h.app, { ask: never })).toBe(0);

    const written = fs.readFileSync(h.configFile, 'utf8');
    const value = parseJsonc(written).value as Record<string, unknown>;
    const sample = parseJsonc(fs.readFileSync(path.join(REPO, 'config.sample.json'), 'utf8')).value as Record<string, unknown>;
    expect(value).toEqual({ $schema: schemaUrl(h.app), ...sample });
    expect(Object.keys(value)[0]).toBe('$schema');
    // the comments come along
    expect(written).toContain('// An AI agent');

    expect(h.err()).toContain(`wrote ~/config/shim/config.json: ${Object.keys(sample).length} tools`);
    expect(h.err()).toContain('`shim up`');
    expect(h.out()).toBe('');
    expect(fs.statSync(h.configFile).mode & 0o777).toBe(0o600);
    // nothing else is touched: no link, no state
    expect(fs.existsSync(path.join(h.root, 'bin'))).toBe(false);
    expect(fs.existsSync(path.join(h.root, 'state'))).toBe(false);
  });

  it('"$schema" is a file:// URL of the schema shipped in this installed copy', () => {
    const h = harness();
    const url = schemaUrl(h.app);
    expect(url.startsWith('file:///')).toBe(true);
    const file = fileURLToPath(url);
    expect(file).toBe(path.join(REPO, 'schema', 'config.schema.json'));
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).title).toBe('shim tool configuration');
  });

  it('never overwrites an existing file: exit 1, the file unchanged, the sample named', async () => {
    const h = harness();
    fs.mkdirSync(path.dirname(h.configFile), { recursive: true });
    fs.writeFileSync(h.configFile, '{ "mine": { "tool": "npm:mine" } }\n');
    expect(await initCommand(h.app, { ask: never })).toBe(1);
    expect(fs.readFileSync(h.configFile, 'utf8')).toBe('{ "mine": { "tool": "npm:mine" } }\n');
    expect(h.err()).toContain('already exists');
    expect(h.err()).toContain(samplePath(h.app));
    expect(h.out()).toBe('');
  });

  it('never writes through a link at the config path, even a dangling one', async () => {
    const h = harness();
    const elsewhere = path.join(h.root, 'elsewhere.json');
    fs.mkdirSync(path.dirname(h.configFile), { recursive: true });
    fs.symlinkSync(elsewhere, h.configFile);
    expect(await initCommand(h.app, { ask: never })).toBe(1);
    expect(fs.existsSync(elsewhere)).toBe(false);
    expect(h.err()).toContain('already exists');
  });

  it('on a terminal asks once; Enter or "y" writes', async () => {
    for (const answer of ['', 'y', 'YES ']) {
      const h = harness({ tty: true });
      const questions: string[] = [];
      const status = await initCommand(h.app, { ask: async (q) => (questions.push(q), answer) });
      expect(status, JSON.stringify(answer)).toBe(0);
      expect(questions).toEqual(['write ~/config/shim/config.json? [Y/n] ']);
      expect(fs.existsSync(h.configFile)).toBe(true);
    }
  });

  it('on a terminal "n", anything else or end of input writes nothing and exits 1', async () => {
    for (const answer of ['n', 'no', 'maybe', undefined]) {
      const h = harness({ tty: true });
      expect(await initCommand(h.app, { ask: async () => answer }), String(answer)).toBe(1);
      expect(fs.existsSync(h.configFile)).toBe(false);
      expect(h.err()).toContain('nothing written');
    }
  });

  it('an existing file is reported before any question', async () => {
    const h = harness({ tty: true });
    fs.mkdirSync(path.dirname(h.configFile), { recursive: true });
    fs.writeFileSync(h.configFile, '{}');
    expect(await initCommand(h.app, { ask: never })).toBe(1);
  });

  it('a missing sample is a shim error naming it', async () => {
    const h = harness();
    const app = { ...h.app, host: { ...h.app.host, packageRoot: path.join(h.root, 'no-package') } };
    await expect(initCommand(app, { ask: never })).rejects.toBeInstanceOf(ShimError);
    expect(fs.existsSync(h.configFile)).toBe(false);
  });
});

describe('the config shim init writes', () => {
  it('plans every tool (dry run), the agent behind the egress proxy', async () => {
    const h = harness({ fakeRuntime: true });
    expect(await initCommand(h.app)).toBe(0);
    // whether this host's cgroups can enforce limits is not what this test is about
    fs.writeFileSync(path.join(path.dirname(h.configFile), 'settings.json'), '{ "limits_best_effort": true }');
    const names = Object.keys(parseJsonc(fs.readFileSync(h.configFile, 'utf8')).value as object).filter((k) => k !== '$schema');
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) {
      const before = h.out().length;
      const run = runCli(h.app, ['run', '--dry-run', name]);
      expect(await run, `${name}: ${h.err()}`).toBe(0);
      expect(h.out().slice(before), name).toMatch(/podman run --rm --pull=never /);
      if (name === 'claude') expect(h.out().slice(before)).toContain('/usr/local/libexec/shim/with-proxy');
    }
    expect(h.out()).not.toContain('sk-test-not-real');
  });
});
