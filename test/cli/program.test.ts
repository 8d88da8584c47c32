// The program factory in-process: createApp with a HostEnv built here, a reporter writing into a
// buffer, and runCli/createProgram from src/cli.ts (commander's exitOverride turns into exit codes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app/with-config-files.js';
import { createProgram, runCli } from '../../src/cli.js';
import { UnknownToolError, UsageError } from '../../src/errors.js';
import { createReporter } from '../../src/report.js';
import { makeHost } from '../unit/fixtures.js';
import { REPO, SHIM } from './helpers.js';

interface Harness {
  app: App;
  out: () => string;
  err: () => string;
  configDir: string;
}

function harness(version = '9.8.7'): Harness {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'shim-cli-inproc-')));
  onTestFinished(() => fs.rmSync(root, { recursive: true, force: true }));
  const host = makeHost(
    { cwd: root, home: root, arch: process.arch, shimEntry: SHIM, packageRoot: REPO, version, node: { path: process.execPath, version: process.versions.node } },
    // an empty PATH: nothing here may ever reach a runtime
    { PATH: path.join(root, 'nothing'), XDG_CONFIG_HOME: path.join(root, 'config'), XDG_STATE_HOME: path.join(root, 'state'), XDG_CACHE_HOME: path.join(root, 'cache'), SHIM_BIN_DIR: path.join(root, 'bin') },
  );
  let out = '';
  let err = '';
  const app = createApp(host, createReporter((t) => (err += t), 0), (t) => (out += t));
  return { app, out: () => out, err: () => err, configDir: path.join(root, 'config', 'shim') };
}

describe('runCli in-process', () => {
  it('--version writes the host version to stdout and returns 0', async () => {
    const h = harness('9.8.7');
    expect(await runCli(h.app, ['--version'])).toBe(0);
    expect(h.out()).toBe('9.8.7\n');
    expect(h.err()).toBe('');
  });

  it('no arguments: help on the reporter, status 2', async () => {
    const h = harness();
    expect(await runCli(h.app, [])).toBe(2);
    expect(h.err()).toContain('Usage: shim');
    expect(h.out()).toBe('');
  });

  it('--help returns 0', async () => {
    const h = harness();
    expect(await runCli(h.app, ['--help'])).toBe(0);
    expect(h.out() + h.err()).toContain('Usage: shim');
  });

  it('an unknown command returns 2 with a suggestion on the reporter', async () => {
    const h = harness();
    expect(await runCli(h.app, ['lsit'])).toBe(2);
    expect(h.err()).toContain('Did you mean list');
    expect(h.out()).toBe('');
  });

  it('an invalid tool name is a UsageError with exit code 2', async () => {
    const h = harness();
    const failure = runCli(h.app, ['run', '../x']);
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(failure).rejects.toMatchObject({ exitCode: 2 });
  });

  it('an unknown tool is an UnknownToolError (127) suggesting the configured one', async () => {
    const h = harness();
    fs.mkdirSync(h.configDir, { recursive: true });
    fs.writeFileSync(path.join(h.configDir, 'config.json'), '{"eslint": {"tool": "npm:eslint"}}');
    const failure = runCli(h.app, ['run', 'eslnt']);
    await expect(failure).rejects.toBeInstanceOf(UnknownToolError);
    await expect(failure).rejects.toMatchObject({ exitCode: 127, hint: expect.stringContaining('did you mean "eslint"?') });
  });

  it('list prints configured tools on stdout and returns 0', async () => {
    const h = harness();
    fs.mkdirSync(h.configDir, { recursive: true });
    fs.writeFileSync(path.join(h.configDir, 'config.json'), '{"eslint": {"tool": "npm:eslint"}, "prettier": {"tool": "npm:prettier", "network": "bridge"}}');
    expect(await runCli(h.app, ['list'])).toBe(0);
    const lines = h.out().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^eslint\s+npm:eslint\s+none\s+not installed$/);
    expect(lines[1]).toMatch(/^prettier\s+npm:prettier\s+bridge\s+not installed$/);
  });
});

describe('createProgram', () => {
  it('has the documented commands', () => {
    const h = harness();
    const names = createProgram(h.app, () => {}).commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['down', 'install', 'list', 'prune', 'rebuild', 'run', 'up']));
  });

  it('reports the status of the command that ran through setStatus', async () => {
    const h = harness();
    fs.mkdirSync(h.configDir, { recursive: true });
    fs.writeFileSync(path.join(h.configDir, 'config.json'), '{"eslint": {"tool": "npm:eslint"}}');
    fs.mkdirSync(path.join(h.app.paths.binDir), { recursive: true });
    fs.writeFileSync(path.join(h.app.paths.binDir, 'eslint'), 'not a link');
    let status = -1;
    await createProgram(h.app, (c) => (status = c)).parseAsync(['up'], { from: 'user' });
    expect(status).toBe(1);
    expect(h.err()).toContain('skip: eslint');
  });
});
