import { describe, it, expect } from 'vitest';
import type { ConfigLayer, FileProblem, LoadedConfig } from '../../src/config/load.js';
import { displayFile, formatProblem, listToolNames, mergeToolLayers, resolveTool } from '../../src/config/merge.js';
import type { ToolLayer } from '../../src/config/schema.js';
import { ConfigError, UnknownToolError } from '../../src/errors.js';

const CONFIG_DIR = '/home/u/.config/shim';
const layer = (file: string, tools: Record<string, ToolLayer>): ConfigLayer => ({ file: `${CONFIG_DIR}/${file}`, tools: new Map(Object.entries(tools)) });
const config = (layers: ConfigLayer[], problems: FileProblem[] = []): LoadedConfig => ({ layers, problems, settings: {} });

describe('mergeToolLayers', () => {
  it('fills defaults for a minimal tool', () => {
    const t = mergeToolLayers('eslint', [layer('config.json', { eslint: { tool: 'npm:eslint' } })], CONFIG_DIR);
    expect(t).toEqual({
      name: 'eslint',
      tool: 'npm:eslint',
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
      provenance: { tool: 'config.json' },
    });
  });

  it('later scalars replace earlier ones', () => {
    const t = mergeToolLayers(
      'eslint',
      [layer('config.json', { eslint: { tool: 'npm:eslint@8', network: 'bridge', workdir: '/a' } }), layer('config.d/10.json', { eslint: { tool: 'npm:eslint@9', network: 'none' } })],
      CONFIG_DIR,
    );
    expect(t.tool).toBe('npm:eslint@9');
    expect(t.network).toBe('none');
    expect(t.workdir).toBe('/a');
    expect(t.provenance).toEqual({ tool: 'config.d/10.json', network: 'config.d/10.json', workdir: 'config.json' });
  });

  it('env merges by key, later wins, with per-key provenance', () => {
    const t = mergeToolLayers(
      'eslint',
      [layer('config.json', { eslint: { tool: 'npm:eslint', env: { A: '1', B: '1' } } }), layer('config.d/x.json', { eslint: { env: { B: '2', C: '2' } } })],
      CONFIG_DIR,
    );
    expect(t.env).toEqual({ A: '1', B: '2', C: '2' });
    expect(t.provenance['env.A']).toBe('config.json');
    expect(t.provenance['env.B']).toBe('config.d/x.json');
    expect(t.provenance['env.C']).toBe('config.d/x.json');
    expect(t.provenance.env).toBe('config.d/x.json');
  });

  it('arrays replace, never concatenate (a later file can narrow)', () => {
    const t = mergeToolLayers(
      'eslint',
      [
        layer('config.json', { eslint: { tool: 'npm:eslint', mounts: [{ src: '~', dst: '/home' }, { src: '.', dst: '/w' }], env_passthrough: ['A', 'B'], ports: ['80'], podman_args: ['--x'] } }),
        layer('config.d/narrow.json', { eslint: { mounts: [{ src: '.', dst: '/w', opts: 'ro' }], env_passthrough: [], podman_args: ['--y'] } }),
      ],
      CONFIG_DIR,
    );
    expect(t.mounts).toEqual([{ src: '.', dst: '/w', opts: 'ro' }]);
    expect(t.env_passthrough).toEqual([]);
    expect(t.ports).toEqual(['80']);
    expect(t.podman_args).toEqual(['--y']);
    expect(t.provenance.mounts).toBe('config.d/narrow.json');
    expect(t.provenance.ports).toBe('config.json');
  });

  it('ignores layers that do not mention the tool', () => {
    const t = mergeToolLayers('eslint', [layer('a.json', { eslint: { tool: 'npm:eslint' } }), layer('b.json', { prettier: { tool: 'npm:prettier', network: 'bridge' } })], CONFIG_DIR);
    expect(t.network).toBe('none');
    expect(Object.values(t.provenance)).toEqual(['a.json']);
  });

  it('records files outside the config dir by absolute path', () => {
    const t = mergeToolLayers('eslint', [{ file: '/etc/shim/x.json', tools: new Map([['eslint', { tool: 'npm:eslint' }]]) }], CONFIG_DIR);
    expect(t.provenance.tool).toBe('/etc/shim/x.json');
  });

  it('throws ConfigError naming the files when "tool" is never set', () => {
    const layers = [layer('config.json', { eslint: { network: 'bridge' } }), layer('config.d/a.json', { eslint: { command: 'eslint' } })];
    expect(() => mergeToolLayers('eslint', layers, CONFIG_DIR)).toThrow(ConfigError);
    expect(() => mergeToolLayers('eslint', layers, CONFIG_DIR)).toThrow('eslint: missing "tool" (the mise tool spec, e.g. "npm:eslint"), in config.json, config.d/a.json');
  });
});

describe('displayFile / formatProblem / listToolNames', () => {
  it('shows files relative to the config dir when inside it', () => {
    expect(displayFile(`${CONFIG_DIR}/config.d/a.json`, CONFIG_DIR)).toBe('config.d/a.json');
    expect(displayFile('/elsewhere/a.json', CONFIG_DIR)).toBe('/elsewhere/a.json');
  });

  it('formats each message of a problem with its file', () => {
    expect(formatProblem({ file: `${CONFIG_DIR}/config.json`, messages: ['a: x', 'b: y'], tools: [] }, CONFIG_DIR)).toBe('config.json: a: x\nconfig.json: b: y');
  });

  it('lists tool names once, sorted', () => {
    expect(listToolNames([layer('a', { zz: {}, aa: {} }), layer('b', { mm: {}, aa: {} })])).toEqual(['aa', 'mm', 'zz']);
  });
});

describe('resolveTool', () => {
  const good = layer('config.json', { eslint: { tool: 'npm:eslint' }, prettier: { tool: 'npm:prettier' } });
  const broken: FileProblem = { file: `${CONFIG_DIR}/config.d/ruff.json`, messages: ['ruff.netwrok: unknown key'], tools: ['ruff', 'eslint'] };

  it('merges a known tool', () => {
    expect(resolveTool('prettier', config([good]), CONFIG_DIR).tool).toBe('npm:prettier');
  });

  it('refuses a tool defined in a broken file, even if a valid file defines it too', () => {
    const c = config([good], [broken]);
    expect(() => resolveTool('eslint', c, CONFIG_DIR)).toThrow(ConfigError);
    expect(() => resolveTool('eslint', c, CONFIG_DIR)).toThrow('the configuration of "eslint" is invalid:\nconfig.d/ruff.json: ruff.netwrok: unknown key');
  });

  it('does not let a broken file affect other tools', () => {
    expect(resolveTool('prettier', config([good], [broken]), CONFIG_DIR).name).toBe('prettier');
  });

  it('gives did-you-mean for an unknown tool', () => {
    try {
      resolveTool('eslnt', config([good]), CONFIG_DIR);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownToolError);
      expect((e as UnknownToolError).message).toBe('unknown tool "eslnt"');
      expect((e as UnknownToolError).hint).toBe('did you mean "eslint"?');
      expect((e as UnknownToolError).exitCode).toBe(127);
    }
  });

  it('lists known tools when nothing is close', () => {
    try {
      resolveTool('xyzzyplugh', config([good]), CONFIG_DIR);
      expect.unreachable();
    } catch (e) {
      expect((e as UnknownToolError).hint).toBe('known tools: eslint, prettier');
    }
  });

  it('treats a tool that an unreadable file may define as a config error naming the file, not as unknown', () => {
    const unreadable: FileProblem = { file: `${CONFIG_DIR}/config.json`, messages: ['invalid JSON at line 1, column 1: ValueExpected'], tools: [] };
    try {
      resolveTool('black', config([], [unreadable]), CONFIG_DIR);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).exitCode).toBe(125);
      expect((e as ConfigError).message).toContain('config.json: invalid JSON at line 1, column 1: ValueExpected');
    }
  });

  it('says where to add a tool when there is no config at all', () => {
    try {
      resolveTool('eslint', config([]), CONFIG_DIR);
      expect.unreachable();
    } catch (e) {
      expect((e as UnknownToolError).hint).toBe(`add it to ${CONFIG_DIR}/config.json (see config.sample.json)`);
    }
  });
});
