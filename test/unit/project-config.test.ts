// The project layer (.shim.json): discovery, ownership and mode checks, mount anchoring, and which
// fields an untrusted file may set (narrowing) or not (widening: dropped until `shim trust`). Every
// refusal has its positive control: the same field applied once the file's hash is trusted.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWithProject } from '../../src/app/with-config-files.js';
import type { ConfigLayer } from '../../src/config/load.js';
import { mergeToolLayers, resolveTool } from '../../src/config/merge.js';
import { resolveShimPaths } from '../../src/config/paths.js';
import { anchorMounts, loadProjectFile, readProjectFile } from '../../src/config/project.js';
import { findProjectFile } from '../../src/config/project-file.js';
import { projectWarnings, type ProjectContext } from '../../src/config/project-state.js';
import type { ToolLayer } from '../../src/config/schema.js';
import { sha256, updateTrustStore } from '../../src/config/trust.js';
import { createReporter } from '../../src/report.js';
import { makeHost } from './fixtures.js';
import { tempDir } from './tmp.js';

const UID = process.getuid!();
const base = tempDir('shim-project-');
let n = 0;

/** A fresh home, state dir and project (home/work/proj) with the given .shim.json content. */
function setup(project: unknown, user: Record<string, ToolLayer> = {}) {
  const root = path.join(base, `w${++n}`);
  const home = path.join(root, 'home');
  const proj = path.join(home, 'work', 'proj');
  const stateDir = path.join(root, 'state');
  fs.mkdirSync(path.join(proj, 'src'), { recursive: true });
  fs.mkdirSync(path.join(home, 'outside'), { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(proj, '.shim.json');
  const write = (content: unknown) => {
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    fs.chmodSync(file, 0o644);
  };
  write(project);
  const below: ConfigLayer[] = [{ file: '/cfg/config.json', tools: new Map(Object.entries(user)) }];
  const ctx: ProjectContext = { cwd: path.join(proj, 'src'), home, uid: UID, stateDir, settings: {}, configDir: '/cfg' };
  const load = () => loadProjectFile(file, ctx, below);
  const trust = async () => {
    const bytes = fs.readFileSync(file);
    await updateTrustStore(stateDir, (s) => {
      s.projects[file] = { sha256: sha256(bytes), trusted_at: '2025-01-01T00:00:00.000Z', content: JSON.parse(bytes.toString()) };
    });
  };
  const tool = (name: string) => mergeToolLayers(name, [...below, load().layer!], '/cfg');
  return { root, home, proj, file, stateDir, ctx, below, write, load, trust, tool };
}

describe('findProjectFile', () => {
  it('finds the nearest .shim.json upward, and one in $HOME itself', () => {
    const w = setup({});
    expect(findProjectFile(w.ctx.cwd, w.home)).toBe(w.file);
    fs.writeFileSync(path.join(w.home, '.shim.json'), '{}');
    expect(findProjectFile(path.join(w.home, 'outside'), w.home)).toBe(path.join(w.home, '.shim.json'));
  });

  it('inside $HOME it never looks above $HOME', () => {
    const w = setup({});
    fs.writeFileSync(path.join(w.root, '.shim.json'), '{}');
    expect(findProjectFile(path.join(w.home, 'outside'), w.home)).toBeUndefined();
    // positive control: outside $HOME the search goes on up to /
    expect(findProjectFile(w.stateDir, w.home)).toBe(path.join(w.root, '.shim.json'));
  });
});

describe('readProjectFile', () => {
  it('reads a file you own and hashes the exact bytes', () => {
    const w = setup('{ "a": {} }');
    expect(readProjectFile(w.file, UID)).toEqual({ text: '{ "a": {} }', sha256: sha256('{ "a": {} }') });
  });

  it('refuses a file owned by someone else', () => {
    const w = setup({});
    expect(readProjectFile(w.file, UID + 4242)).toEqual({ refusal: expect.stringMatching(/is owned by uid \d+, not by you/) });
  });

  it.each([
    [0o664, /writable by its group/],
    [0o646, /writable by everyone/],
  ])('refuses mode %o', (mode, re) => {
    const w = setup({});
    fs.chmodSync(w.file, mode);
    expect(readProjectFile(w.file, UID)).toEqual({ refusal: expect.stringMatching(re) });
    const state = w.load().state;
    expect(state.status).toBe('refused');
    expect(projectWarnings(state)).toEqual([expect.stringContaining(`ignoring ${w.file}: it is writable by`)]);
  });

  it('refuses a symbolic link', () => {
    const w = setup({});
    fs.renameSync(w.file, path.join(w.proj, 'real.json'));
    fs.symlinkSync('real.json', w.file);
    expect(readProjectFile(w.file, UID)).toEqual({ refusal: expect.stringContaining('symbolic link') });
  });
});

describe('anchorMounts', () => {
  it('makes relative host sources relative to the project root; keeps ~, absolute and volumes', () => {
    const tools = new Map<string, ToolLayer>([
      ['t', { mounts: [{ src: '.', dst: '/a' }, { src: './src', dst: '/b' }, { src: 'src/x/', dst: '/c' }, { src: '~/y', dst: '/d' }, { src: '/abs', dst: '/e' }, { src: 'state', dst: '/f' }] }],
    ]);
    expect(anchorMounts(tools, '/p').get('t')!.mounts!.map((m) => m.src)).toEqual(['/p', '/p/src', '/p/src/x', '~/y', '/abs', 'state']);
  });
});

describe('a new tool from an untrusted project', () => {
  it('is accepted when narrow, with provenance naming the project file', () => {
    const w = setup({ fmt: { tool: 'npm:prettier', mounts: [{ src: '.', dst: '/workspace' }], env: { A: '1' }, profile: 'safe', limits: { memory: '512m' } } });
    const { state, layer } = w.load();
    expect(state.status).toBe('untrusted');
    expect(state.ignored).toEqual([]);
    expect(projectWarnings(state)).toEqual([]);
    const t = mergeToolLayers('fmt', [...w.below, layer!], '/cfg');
    expect(t.mounts).toEqual([{ src: w.proj, dst: '/workspace' }]);
    expect(t.env).toEqual({ A: '1' });
    expect(t.provenance.tool).toBe(`project:${w.file} (untrusted)`);
  });

  // field → a widening value of a NEW tool, and what the resolved tool has once trusted
  const cases: [string, ToolLayer, (t: ReturnType<typeof mergeToolLayers>) => unknown, unknown][] = [
    ['network', { network: 'bridge' }, (t) => t.network, 'bridge'],
    ['env_passthrough', { env_passthrough: ['TERM'] }, (t) => t.env_passthrough, ['TERM']],
    ['ports', { ports: ['8080'] }, (t) => t.ports, ['8080']],
    ['allowed_hosts', { allowed_hosts: ['example.com'] }, (t) => t.allowed_hosts, ['example.com']],
    ['podman_args', { podman_args: ['--ulimit', 'nofile=10'] }, (t) => t.podman_args, ['--ulimit', 'nofile=10']],
    ['unsafe_podman_args', { unsafe_podman_args: true }, (t) => t.unsafe_podman_args, true],
    ['git_writable', { git_writable: true }, (t) => t.git_writable, true],
    ['limits_best_effort', { limits_best_effort: true }, (t) => t.limits_best_effort, true],
    ['profile', { profile: 'dev' }, (t) => t.profile, 'dev'],
    ['limits', { limits: { memory: '16g' } }, (t) => t.limits, { memory: '16g' }],
    ['min_release_age', { min_release_age: '0' }, (t) => t.min_release_age, '0'],
    ['warm', { warm: true }, (t) => t.warm, true],
    ['warm_idle', { warm_idle: '2h' }, (t) => t.warm_idle, '2h'],
  ];
  it.each(cases)('%s is ignored until trusted', async (field, extra, get, trusted) => {
    const w = setup({ x: { tool: 'npm:x', ...extra } });
    const untrusted = w.load();
    expect(untrusted.state.ignored.map((i) => i.field)).toEqual([field]);
    expect(projectWarnings(untrusted.state)).toEqual([expect.stringMatching(new RegExp(`^${w.file}: ignored x\\.${field}: .*; run \`shim trust\` in ${w.proj} to allow$`))]);
    expect(get(w.tool('x'))).not.toEqual(trusted);
    // positive control
    await w.trust();
    expect(w.load().state.status).toBe('trusted');
    expect(get(w.tool('x'))).toEqual(trusted);
    expect(w.tool('x').provenance[field]).toBe(`project:${w.file}`);
  });

  it.each([
    ['outside the project', { src: '../../outside', dst: '/o' }, /outside the project/],
    ['under ~ outside the project', { src: '~/outside', dst: '/o' }, /outside the project/],
    ['an absolute path outside', { src: '/etc', dst: '/o' }, /outside the project/],
    ['a symlink in the project pointing out', { src: './out-link', dst: '/o' }, /outside the project/],
    ['a named volume', { src: 'state', dst: '/o' }, /named volume/],
    ['allow_sensitive', { src: '.', dst: '/o', allow_sensitive: 'because' }, /allow_sensitive/],
  ])('a mount %s is ignored until trusted', async (_what, mount, re) => {
    const w = setup({ x: { tool: 'npm:x', mounts: [{ src: '.', dst: '/w' }, mount] } });
    fs.symlinkSync(path.join(w.home, 'outside'), path.join(w.proj, 'out-link'));
    const { state } = w.load();
    expect(state.ignored).toEqual([{ tool: 'x', field: 'mounts', detail: expect.stringMatching(re) }]);
    expect(w.tool('x').mounts).toEqual([]);
    await w.trust();
    expect(w.tool('x').mounts).toHaveLength(2);
  });
});

describe('narrowing one of your tools from an untrusted project', () => {
  const user: Record<string, ToolLayer> = {
    agent: {
      tool: 'npm:agent',
      network: 'bridge',
      mounts: [{ src: '.', dst: '/workspace' }, { src: '~/outside', dst: '/data', opts: 'ro' }],
      env_passthrough: ['A', 'B'],
      ports: ['8080', '9090'],
      podman_args: ['--ulimit', 'nofile=10'],
      profile: 'dev',
      env: { X: '1' },
      git_writable: true,
    },
  };

  it('applies what narrows, silently', () => {
    const w = setup(
      { agent: { network: 'none', mounts: [{ src: './src', dst: '/workspace', opts: 'ro' }], env_passthrough: ['A'], ports: [], podman_args: [], profile: 'safe', limits: { memory: '1g' }, env: { X: '1' }, git_writable: false, min_release_age: '7d' } },
      user,
    );
    const { state } = w.load();
    expect(state.ignored).toEqual([]);
    const t = w.tool('agent');
    expect(t).toMatchObject({ network: 'none', env_passthrough: ['A'], ports: [], podman_args: [], profile: 'safe', limits: { memory: '1g' }, git_writable: false, min_release_age: '7d' });
    expect(t.mounts).toEqual([{ src: path.join(w.proj, 'src'), dst: '/workspace', opts: 'ro' }]);
    expect(t.provenance.network).toBe(`project:${w.file} (untrusted)`);
    expect(t.provenance.tool).toBe('config.json');
  });

  it.each<[string, ToolLayer, RegExp]>([
    ['tool', { tool: 'npm:evil' }, /runs other code/],
    ['command', { command: 'node' }, /runs other code/],
    ['env', { env: { NODE_OPTIONS: '--require ./x.js' } }, /sets NODE_OPTIONS/],
    ['env_passthrough', { env_passthrough: ['A', 'C'] }, /passes host variables C/],
    ['ports', { ports: ['8080', '22'] }, /publishes 22/],
    ['podman_args', { podman_args: ['--label', 'a=b'] }, /extra runtime arguments/],
    ['mounts', { mounts: [{ src: '.', dst: '/workspace' }, { src: '~/outside', dst: '/data' }] }, /outside the project/],
  ])('%s that widens is ignored until trusted', async (field, part, re) => {
    // run from the project's src/; your "." is the project root (it holds .shim.json), ~/outside is read-only
    const w = setup({ agent: part }, user);
    const { state } = w.load();
    expect(state.ignored).toEqual([{ tool: 'agent', field, detail: expect.stringMatching(re) }]);
    expect(w.tool('agent').provenance[field] ?? 'built-in default').not.toMatch(/^project:/);
    await w.trust();
    expect(w.tool('agent').provenance[field]).toBe(`project:${w.file}`);
  });

  it('a read-only mount inside one of your read-write mounts is narrowing; read-write inside a read-only one is not', () => {
    const w = setup({ agent: { mounts: [{ src: './src/', dst: '/w' }] } }, user);
    expect(w.load().state.ignored).toEqual([]);
    w.write({ agent: { mounts: [{ src: '~/outside', dst: '/data' }] } });
    expect(w.load().state.ignored.map((i) => i.field)).toEqual(['mounts']);
  });

  it('a weaker profile than yours and raised limits are refused', () => {
    const w = setup({ lint: { profile: 'default', limits: { pids: 9999, memory: '512m' } } }, { lint: { tool: 'npm:eslint', profile: 'safe' } });
    const { state } = w.load();
    expect(state.ignored).toEqual([
      { tool: 'lint', field: 'profile', detail: expect.stringContaining('weaker') },
      { tool: 'lint', field: 'limits', detail: 'raises pids 9999 (yours: 256)' },
    ]);
  });
});

describe('a trusted project file that changed', () => {
  it('is untrusted again and names what widened since the trusted version', async () => {
    const w = setup({ x: { tool: 'npm:x', network: 'bridge' } });
    await w.trust();
    expect(w.tool('x').network).toBe('bridge');
    w.write({ x: { tool: 'npm:x', network: 'bridge', ports: ['3000'] } });
    const { state } = w.load();
    expect(state.status).toBe('changed');
    // network was trusted before: only the port is new
    expect(state.sinceTrusted.map((s) => s.field)).toEqual(['ports']);
    expect(state.ignored.map((s) => s.field)).toEqual(['network', 'ports']);
    const [head, ...rest] = projectWarnings(state);
    expect(head).toContain(`${w.file} changed since you trusted it`);
    expect(head).toContain('widened since then:\n  x.ports: publishes 3000');
    expect(rest).toHaveLength(2);
    const t = w.tool('x');
    expect([t.network, t.ports]).toEqual(['none', []]);
    // positive control: trusting the new version applies it whole
    await w.trust();
    expect([w.tool('x').network, w.tool('x').ports]).toEqual(['bridge', ['3000']]);
  });
});

describe('loadWithProject', () => {
  it('puts the project layer last, warns once per ignored field, never takes settings from it', () => {
    const w = setup({ eslint: { network: 'bridge', env_passthrough: ['HOME_TOKEN'] }, fmt: { tool: 'npm:prettier' } });
    const paths = resolveShimPaths({ XDG_CONFIG_HOME: path.join(w.root, 'config'), XDG_STATE_HOME: path.join(w.root, 'st') }, w.home);
    fs.mkdirSync(paths.configDir, { recursive: true });
    fs.writeFileSync(paths.configFile, JSON.stringify({ eslint: { tool: 'npm:eslint' } }));
    let err = '';
    const config = loadWithProject(makeHost({ cwd: w.ctx.cwd, home: w.home, uid: UID }), paths, createReporter((t) => (err += t), 0));
    expect(config.layers.map((l) => l.file)).toEqual([paths.configFile, w.file]);
    expect(config.project?.status).toBe('untrusted');
    const lines = err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(expect.arrayContaining([expect.stringContaining('ignored eslint.network'), expect.stringContaining('ignored eslint.env_passthrough')]));
    expect(resolveTool('eslint', config, paths.configDir).network).toBe('none');
    expect(resolveTool('fmt', config, paths.configDir).tool).toBe('npm:prettier');
    expect(config.settings).toEqual({});
  });

  it('an invalid project file is a problem of the tools it names, not of the others', () => {
    const w = setup({ eslint: { netwrok: 'bridge' } });
    const paths = resolveShimPaths({ XDG_CONFIG_HOME: path.join(w.root, 'config'), XDG_STATE_HOME: path.join(w.root, 'st') }, w.home);
    fs.mkdirSync(paths.configDir, { recursive: true });
    fs.writeFileSync(paths.configFile, JSON.stringify({ eslint: { tool: 'npm:eslint' }, rg: { tool: 'npm:rg' } }));
    const config = loadWithProject(makeHost({ cwd: w.ctx.cwd, home: w.home, uid: UID }), paths, createReporter(() => {}, 0));
    expect(config.project?.status).toBe('invalid');
    expect(() => resolveTool('eslint', config, paths.configDir)).toThrow(/eslint\.netwrok: unknown key/);
    expect(resolveTool('rg', config, paths.configDir).tool).toBe('npm:rg');
  });
});
