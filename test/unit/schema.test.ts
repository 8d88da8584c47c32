// Validation of one tool entry (via loadToolFile on temp files, as a user would hit it) and formatIssues.
import { describe, it, expect } from 'vitest';
import { loadToolFile, formatIssues, type ConfigLayer, type FileProblem } from '../../src/config/load.js';
import { SettingsSchema, TOOL_FIELDS, ToolLayerSchema } from '../../src/config/schema.js';
import { tempDir, writeTemp } from './tmp.js';

const dir = tempDir('shim-schema-');

function load(text: string): ConfigLayer | FileProblem {
  return loadToolFile(writeTemp(dir, text));
}
function problems(entry: unknown, name = 'eslint'): string[] {
  const r = load(JSON.stringify({ [name]: entry }));
  if (!('messages' in r)) throw new Error(`expected a problem, got a valid layer`);
  return r.messages;
}
function valid(entry: unknown, name = 'eslint') {
  const r = load(JSON.stringify({ [name]: entry }));
  if ('messages' in r) throw new Error(`expected valid, got ${r.messages.join('; ')}`);
  return r.tools.get(name)!;
}

describe('tool entry validation', () => {
  it('accepts a full valid entry', () => {
    const entry = {
      tool: 'npm:eslint@9.12.0',
      command: 'eslint',
      mounts: [{ src: '.', dst: '/workspace' }, { src: '~/.npmrc', dst: '/home/shim/.npmrc', opts: 'ro' }],
      env: { NODE_ENV: 'production', N: 3, B: true },
      env_passthrough: ['TERM'],
      workdir: '/workspace',
      network: 'bridge',
      allowed_hosts: ['registry.npmjs.org', '*.github.com:443'],
      isolated: true,
      ports: ['8080', '8080:80', '127.0.0.1:8080:80/udp'],
      podman_args: ['--memory=1g'],
    };
    const t = valid(entry);
    expect(t.env).toEqual({ NODE_ENV: 'production', N: '3', B: 'true' });
    expect(t.mounts).toEqual(entry.mounts);
  });

  it('reports an unknown key with did-you-mean', () => {
    expect(problems({ tool: 'npm:eslint', netwrok: 'none' })).toEqual(['eslint.netwrok: unknown key (did you mean "network"?)']);
  });

  it('reports an unknown key far from any field without a hint', () => {
    expect(problems({ tool: 'npm:eslint', zzzzzzzzzz: 1 })).toEqual(['eslint.zzzzzzzzzz: unknown key']);
  });

  it('reports an unknown key inside a mount with its path', () => {
    expect(problems({ mounts: [{ src: '.', dst: '/w', mode: 'ro' }] })).toEqual(['eslint.mounts[0].mode: unknown key']);
  });

  it('reports a relative mount destination as "must be absolute" with its path', () => {
    expect(problems({ tool: 'npm:eslint', mounts: [{ src: '.', dst: 'workspace' }] })).toEqual(['eslint.mounts[0].dst: must be absolute']);
  });

  it.each(['/a/../b', '/a/./b', '//a', '/a//b'])('refuses unnormalised container path %s', (dst) => {
    expect(problems({ mounts: [{ src: '.', dst }] })[0]).toMatch(/^eslint\.mounts\[0\]\.dst: must be normalised/);
  });

  it('refuses "/" as a mount destination and workdir', () => {
    expect(problems({ mounts: [{ src: '.', dst: '/' }] })).toEqual(['eslint.mounts[0].dst: must not be "/"']);
    expect(problems({ workdir: '/' })).toEqual(['eslint.workdir: must not be "/"']);
  });

  it('refuses an empty mount source', () => {
    expect(problems({ mounts: [{ src: '', dst: '/w' }] })).toEqual(['eslint.mounts[0].src: must not be empty']);
  });

  it.each(['rw,ro', 'readonly', 'ro,', 'ro,exec'])('refuses mount opts %j', (opts) => {
    expect(problems({ mounts: [{ src: '.', dst: '/w', opts }] })[0]).toMatch(/^eslint\.mounts\[0\]\.opts: must/);
  });

  it.each(['ro', 'rw', 'z', 'Z', 'ro,z', ''])('accepts mount opts %j', (opts) => {
    expect(valid({ mounts: [{ src: '.', dst: '/w', opts }] }).mounts![0]!.opts).toBe(opts);
  });

  it.each([
    ['host', /host networking shares the host network namespace/],
    ['container:x', /joining another container's network/],
    ['ns:/proc/1/ns/net', /joining a network namespace/],
    ['pasta', /use "bridge" for outbound network/],
    ['slirp4netns', /use "bridge" for outbound network/],
    ['pasta:--map-gw', /or allowed_hosts for a few hosts/],
    ['slirp4netns:allow_host_loopback=true', /or allowed_hosts for a few hosts/],
    ['private', /use "none" or "bridge"/],
  ])('refuses network %j with a reason', (network, reason) => {
    const [msg, ...rest] = problems({ network });
    expect(rest).toEqual([]);
    expect(msg).toContain(`eslint.network: must be "none" or "bridge", got ${JSON.stringify(network)}: `);
    expect(msg).toMatch(reason);
  });

  it('refuses an unrecognised network without a specific reason', () => {
    expect(problems({ network: 'wifi' })).toEqual(['eslint.network: must be "none" or "bridge", got "wifi"']);
  });

  it.each(['none', 'bridge'])('accepts network %s', (network) => {
    expect(valid({ network }).network).toBe(network);
  });

  it.each(['A*', 'FOO_*', '$(id)', '1ABC', 'A-B', 'A=B', ''])('refuses env passthrough name %j', (name) => {
    expect(problems({ env_passthrough: [name] })).toEqual([
      'eslint.env_passthrough[0]: must be a variable name (letters, digits, "_"; no wildcards)',
    ]);
  });

  it.each(['A*', '$(id)', 'A B'])('refuses env key %j', (name) => {
    const msgs = problems({ env: { [name]: 'x' } });
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.startsWith(`eslint.env.${name}: `)).toBe(true);
  });

  it('refuses env values that are objects or contain NUL', () => {
    expect(problems({ env: { A: { x: 1 } } })).toEqual(['eslint.env.A: must be a string, number or boolean']);
    expect(problems({ env: { A: 'a\0b' } })).toEqual(['eslint.env.A: must not contain NUL']);
  });

  it('accepts multi-line env values', () => {
    expect(valid({ env: { PEM: '-----BEGIN-----\nabc\n-----END-----\n' } }).env).toEqual({ PEM: '-----BEGIN-----\nabc\n-----END-----\n' });
  });

  it.each([
    ['', 'must not be empty'],
    ['-rf', 'must not start with "-"'],
    ['a\nb', 'must not contain NUL or line breaks'],
  ])('refuses command %j', (command, msg) => {
    expect(problems({ command })).toEqual([`eslint.command: ${msg}`]);
  });

  it.each(['', ' npm:eslint', 'npm:eslint 9', '-x', 'npm:a\tb'])('refuses tool spec %j', (tool) => {
    expect(problems({ tool })[0]).toMatch(/^eslint\.tool: /);
  });

  it.each(['Example.com', 'exa mple.com', 'http://x.com', '*', 'x.com:port', '-x.com'])('refuses allowed host %j', (h) => {
    expect(problems({ allowed_hosts: [h] })[0]).toMatch(/^eslint\.allowed_hosts\[0\]: must be a lower-case host name/);
  });

  it.each(['80/icmp', 'abc', '1:2:3:4', '::80'])('refuses port %j', (p) => {
    expect(problems({ ports: [p] })[0]).toMatch(/^eslint\.ports\[0\]: must look like/);
  });

  it('refuses podman_args with a line break', () => {
    expect(problems({ podman_args: ['--a', 'b\nc'] })).toEqual(['eslint.podman_args[1]: must not contain NUL or line breaks']);
  });

  it('refuses a non-boolean isolated', () => {
    expect(problems({ isolated: 'yes' })[0]).toMatch(/^eslint\.isolated: /);
  });

  it('reports every issue of an entry, not only the first', () => {
    expect(problems({ netwrok: 'none', workdir: 'rel', ports: ['x'] })).toHaveLength(3);
  });
});

describe('tool names', () => {
  it.each(['../x', 'a/b', '-rf', '', '.hidden', 'a b', 'x'.repeat(65), 'é'])('refuses tool name %j', (name) => {
    const r = load(JSON.stringify({ [name]: { tool: 'npm:x' } }));
    expect('messages' in r).toBe(true);
    const p = r as FileProblem;
    expect(p.messages).toEqual([`${JSON.stringify(name)}: invalid tool name (letters, digits and . _ + -, starting with a letter or digit, at most 64)`]);
    expect(p.tools).not.toContain(name);
  });

  it.each(['eslint', 'c++', 'tool.v2', 'A_b-1', 'x'.repeat(64)])('accepts tool name %j', (name) => {
    const r = load(JSON.stringify({ [name]: { tool: 'npm:x' } }));
    expect('messages' in r).toBe(false);
    expect([...(r as ConfigLayer).tools.keys()]).toEqual([name]);
  });

  it('ignores a $schema key', () => {
    const r = load(JSON.stringify({ $schema: 'https://example/schema.json', eslint: { tool: 'npm:eslint' } }));
    expect([...(r as ConfigLayer).tools.keys()]).toEqual(['eslint']);
  });
});

describe('formatIssues', () => {
  it('formats nested paths and unknown keys with hints only at the top level', () => {
    const r = ToolLayerSchema.safeParse({ envv: {}, mounts: [{ src: '.', dst: '/w' }, { src: '.', dst: 'x', srcc: 1 }] });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(formatIssues(['t'], r.error, TOOL_FIELDS).sort()).toEqual(
      ['t.envv: unknown key (did you mean "env"?)', 't.mounts[1].dst: must be absolute', 't.mounts[1].srcc: unknown key'].sort(),
    );
  });

  it('formats settings issues without a prefix', () => {
    const r = SettingsSchema.safeParse({ runtim: 'podman' });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(formatIssues([], r.error, Object.keys(SettingsSchema.shape))).toEqual(['runtim: unknown key (did you mean "runtime"?)']);
  });
});
