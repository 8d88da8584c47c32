// The trust store and `shim trust` in-process: createApp with a HostEnv built here, output captured.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/with-config-files.js';
import { trustCommand } from '../../src/commands/trust.js';
import { resolveTool } from '../../src/config/merge.js';
import { readTrustStore, sha256, trustedEntry, trustStoreFile, updateTrustStore } from '../../src/config/trust.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { createReporter } from '../../src/report.js';
import { makeHost } from './fixtures.js';
import { tempDir } from './tmp.js';

const UID = process.getuid!();
const base = tempDir('shim-trust-');
let n = 0;

function world(project?: unknown, user: unknown = { eslint: { tool: 'npm:eslint' } }) {
  const root = path.join(base, `w${++n}`);
  const home = path.join(root, 'home');
  const proj = path.join(home, 'proj');
  fs.mkdirSync(path.join(proj, 'sub'), { recursive: true });
  const env = { XDG_CONFIG_HOME: path.join(root, 'config'), XDG_STATE_HOME: path.join(root, 'state') };
  fs.mkdirSync(path.join(root, 'config', 'shim'), { recursive: true });
  fs.writeFileSync(path.join(root, 'config', 'shim', 'config.json'), JSON.stringify(user));
  const file = path.join(proj, '.shim.json');
  const write = (content: unknown) => {
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    fs.chmodSync(file, 0o644);
  };
  if (project !== undefined) write(project);
  const stateDir = path.join(root, 'state', 'shim');
  const app = (cwd = path.join(proj, 'sub')) => {
    const out = { stdout: '', stderr: '' };
    const a = createApp(makeHost({ cwd, home, uid: UID }, env), createReporter((t) => (out.stderr += t), 0), (t) => (out.stdout += t));
    return { app: a, out };
  };
  return { root, home, proj, file, stateDir, write, app };
}

describe('trust store', () => {
  it('is empty when missing, and fails closed when malformed', () => {
    const dir = path.join(base, 'store1');
    expect(readTrustStore(dir)).toEqual({ store: { version: 1, projects: {} } });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(trustStoreFile(dir), '{ nope');
    expect(readTrustStore(dir).problem).toMatch(/not valid JSON/);
    fs.writeFileSync(trustStoreFile(dir), JSON.stringify({ version: 1, projects: { __proto__: { sha256: 'a'.repeat(64), trusted_at: 'x', content: {} }, 'rel/path': { sha256: 'a'.repeat(64), trusted_at: 'x', content: {} } } }));
    expect(Object.keys(readTrustStore(dir).store.projects)).toEqual([]);
  });

  it('concurrent updates keep every entry, and the file is private', async () => {
    const dir = path.join(base, 'store2');
    const entry = { sha256: sha256('x'), trusted_at: 't', content: {} };
    await Promise.all(Array.from({ length: 8 }, (_, i) => updateTrustStore(dir, (s) => void (s.projects[`/p${i}/.shim.json`] = entry))));
    expect(Object.keys(readTrustStore(dir).store.projects).sort()).toHaveLength(8);
    expect(fs.statSync(trustStoreFile(dir)).mode & 0o777).toBe(0o600);
    expect(trustedEntry(dir, '/p3/.shim.json')).toEqual(entry);
  });
});

describe('shim trust', () => {
  it('records the hash and content, prints what it grants, and the layer then applies whole', async () => {
    const w = world({ eslint: { network: 'bridge' }, fmt: { tool: 'npm:prettier' } });
    const before = w.app();
    expect(resolveTool('eslint', before.app.config(), before.app.paths.configDir).network).toBe('none');
    expect(before.out.stderr).toContain('ignored eslint.network');

    const t = w.app();
    expect(await trustCommand(t.app, {})).toBe(0);
    expect(t.out.stdout).toContain(`trusted ${w.file} (sha256 `);
    expect(t.out.stdout).toContain('this grants, beyond your own config:\n  eslint.network: "bridge" (full outbound network; yours: "none")\n');
    expect(t.out.stderr).toBe('');
    const entry = trustedEntry(w.stateDir, w.file)!;
    expect(entry.sha256).toBe(sha256(fs.readFileSync(w.file)));
    expect(entry.content).toEqual({ eslint: { network: 'bridge' }, fmt: { tool: 'npm:prettier' } });

    const after = w.app();
    const tool = resolveTool('eslint', after.app.config(), after.app.paths.configDir);
    expect(tool.network).toBe('bridge');
    expect(tool.provenance.network).toBe(`project:${w.file}`);
    expect(after.out.stderr).toBe('');

    const again = w.app();
    await trustCommand(again.app, {});
    expect(again.out.stdout).toMatch(/is already trusted/);
  });

  it('says when the file grants nothing beyond your config', async () => {
    const w = world({ eslint: { mounts: [] }, fmt: { tool: 'npm:prettier', mounts: [{ src: '.', dst: '/w' }] } });
    const t = w.app(w.proj);
    await trustCommand(t.app, {});
    expect(t.out.stdout).toContain('it grants nothing beyond your own config');
  });

  it('after a change, shows what widened since the trusted version', async () => {
    const w = world({ eslint: { network: 'bridge' } });
    await trustCommand(w.app().app, {});
    w.write({ eslint: { network: 'bridge', env_passthrough: ['TERM'] } });
    const warned = w.app();
    warned.app.config();
    expect(warned.out.stderr).toContain('changed since you trusted it');
    expect(warned.out.stderr).toContain('widened since then:\n  eslint.env_passthrough: passes host variables TERM');
    const t = w.app();
    await trustCommand(t.app, {});
    expect(t.out.stdout).toMatch(/widened since the version you trusted on .*:\n {2}eslint\.env_passthrough: passes host variables TERM/);
  });

  it('--show prints the state without changing it; --revoke forgets the file', async () => {
    const w = world({ eslint: { ports: ['8080'] } });
    const show = w.app();
    await trustCommand(show.app, { show: true });
    expect(show.out.stdout).toBe(`${w.file}: untrusted\nignored until trusted:\n  eslint.ports: publishes 8080 (yours: [])\n`);
    expect(trustedEntry(w.stateDir, w.file)).toBeUndefined();
    await trustCommand(w.app().app, {});
    const revoke = w.app();
    await trustCommand(revoke.app, { revoke: true });
    expect(revoke.out.stdout).toBe(`no longer trusted: ${w.file} (only its narrowing settings apply)\n`);
    expect(trustedEntry(w.stateDir, w.file)).toBeUndefined();
    const twice = w.app();
    await trustCommand(twice.app, { revoke: true });
    expect(twice.out.stdout).toBe(`${w.file} was not trusted\n`);
  });

  it('refuses without a project file, with an invalid one, and with one writable by others', async () => {
    const none = world();
    await expect(trustCommand(none.app().app, {})).rejects.toBeInstanceOf(UsageError);
    const bad = world({ eslint: { netwrok: 'bridge' } });
    await expect(trustCommand(bad.app().app, {})).rejects.toThrow(/cannot trust .*, it is invalid:\n.*eslint\.netwrok: unknown key/);
    const open = world({ eslint: {} });
    fs.chmodSync(open.file, 0o666);
    await expect(trustCommand(open.app().app, {})).rejects.toBeInstanceOf(ConfigError);
    expect(trustedEntry(open.stateDir, open.file)).toBeUndefined();
  });
});
