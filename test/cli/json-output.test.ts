// Machine-readable output: explain, list and run --dry-run with --json, and errors as JSON objects.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

describe('shim explain', () => {
  it('shows each field with its origin, the mounts with direction marks and the redacted command', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', mounts: [{ src: '.', dst: '/workspace' }], env: { API_TOKEN: 'tok-123' }, secrets: ['API_TOKEN'] } });
    w.writeDropIn('20-ro.json', { eslint: { mounts: [{ src: '.', dst: '/src', opts: 'ro' }] } });
    const out = await w.shim(['explain', 'eslint']);
    expectExit(out, 0);
    expect(out.stdout).toMatch(/tool +npm:eslint +\[config\.json\]/);
    expect(out.stdout).toMatch(/mounts .*\[config\.d\/20-ro\.json\]/);
    // the current directory (the project) mounted at /src read-only: the tool starts there
    expect(out.stdout).toMatch(/workdir +\/src +\[built-in default\]/);
    expect(out.stdout).toMatch(/project root \("\." in mounts\): \S+\/project, the current directory/);
    expect(out.stdout).toContain(`${w.project} --> /src`);
    expect(out.stdout).toContain('API_TOKEN  [config.json]');
    expect(out.stdout).toContain('no network: loopback only');
    expect(out.stdout).not.toContain('tok-123');
    expect(w.calls().filter((c) => c.argv[0] === 'run')).toEqual([]);
  });

  it('--json gives stable keys, a read-write arrow for rw mounts, the env origin and no secret values', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', network: 'bridge', mounts: [{ src: '.', dst: '/workspace' }], env: { API_TOKEN: 'tok-123' }, secrets: ['API_TOKEN'] } });
    const out = await w.shim(['explain', '--json', 'eslint']);
    expectExit(out, 0);
    const report = JSON.parse(out.stdout);
    expect(Object.keys(report)).toEqual(['tool', 'spec', 'lockedVersion', 'runtime', 'image', 'fields', 'network', 'credentials', 'project', 'workdir', 'mounts', 'env', 'enforced', 'notEnforced', 'warnings', 'command', 'argv', 'warm']);
    expect(report.warm).toBeNull();
    expect(report.network).toEqual({ mode: 'bridge', origin: 'config.json', ports: [], allowedHosts: [] });
    expect(report.mounts).toEqual([{ src: w.project, dst: '/workspace', mode: 'rw', arrow: '<-->' }]);
    expect(report.fields.find((f: { key: string }) => f.key === 'env')).toEqual({ key: 'env', value: ['API_TOKEN'], origin: 'config.json' });
    expect(report.argv[0]).toBe(w.fake.paths.podman);
    expect(out.stdout).not.toContain('tok-123');
  });

  it('names SHIM_ALLOW_NETWORK as the origin when it lifts network none', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['explain', '--json', 'eslint'], { env: { SHIM_ALLOW_NETWORK: '1' } });
    expect(JSON.parse(out.stdout).network).toMatchObject({ mode: 'bridge', origin: 'SHIM_ALLOW_NETWORK (this run only)' });
  });

  it('shows the effective allow-list exactly as configured, and the proxy variables as shim\'s', async () => {
    const w = createWorld();
    w.writeConfig({ claude: { tool: 'npm:claude', allowed_hosts: ['api.anthropic.com', '*.example.org:8443'], env: { HTTPS_PROXY: 'http://elsewhere:1' } } });
    const json = JSON.parse((await w.shim(['explain', '--json', 'claude'])).stdout);
    expect(json.network).toEqual({ mode: 'allowlist', origin: 'config.json', ports: [], allowedHosts: ['api.anthropic.com', '*.example.org:8443'] });
    expect(json.env).toContainEqual({ name: 'HTTPS_PROXY', origin: 'shim (egress proxy for allowed_hosts)' });
    const human = await w.shim(['explain', 'claude']);
    expectExit(human, 0);
    expect(human.stdout).toContain('network: allowlist [config.json]\n  allowed: api.anthropic.com\n  allowed: *.example.org:8443\n');
  });
});

describe('--json elsewhere', () => {
  it('list --json lists tools and names broken files with their messages', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    w.writeDropIn('30-bad.json', { prettier: { tool: 'npm:prettier', netwrok: 'none' } });
    const out = await w.shim(['list', '--json']);
    expectExit(out, 0);
    const json = JSON.parse(out.stdout);
    expect(json.tools).toEqual([{ name: 'eslint', spec: 'npm:eslint', network: 'none', allowedHosts: [], lockedVersion: null, packages: [], installed: false, error: null }]);
    expect(json.problems).toEqual([{ file: 'config.d/30-bad.json', messages: ['prettier.netwrok: unknown key (did you mean "network"?)'], tools: ['prettier'] }]);
    expect(out.stderr).toBe('');
  });

  it('run --dry-run --json prints the argv and policy without running anything', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', env: { API_TOKEN: 'tok-123' }, secrets: ['API_TOKEN'] } });
    const out = await w.shim(['run', '--dry-run', '--json', 'eslint', '--json']);
    expectExit(out, 0);
    const json = JSON.parse(out.stdout);
    expect(json.argv.slice(-2)).toEqual(['eslint', '--json']);
    // the value is never on argv: a bare --env API_TOKEN takes it from the runtime's environment
    expect(json.argv).toContain('API_TOKEN');
    expect(out.stdout).not.toContain('tok-123');
    expect(json.policy).toMatchObject({ network: 'none', mounts: [] });
    expect(json.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(w.calls().filter((c) => c.argv[0] === 'run')).toEqual([]);
  });

  it('the policy hash ignores the tool arguments but changes with the policy', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const hash = async (args: string[]) => JSON.parse((await w.shim(['run', '--dry-run', '--json', 'eslint', ...args])).stdout).policyHash;
    const before = await hash(['a']);
    expect(await hash(['b', 'c'])).toBe(before);
    w.writeConfig({ eslint: { tool: 'npm:eslint', network: 'bridge' } });
    expect(await hash(['a'])).not.toBe(before);
  });

  it('errors become {"error": {code, message, issues}} on stdout with the same exit status', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    w.writeDropIn('30-bad.json', { prettier: { tool: 'npm:prettier', netwrok: 'none' } });
    const unknown = await w.shim(['explain', '--json', 'eslnt']);
    expectExit(unknown, 127);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: 'unknown_tool', message: 'unknown tool "eslnt"', exitCode: 127 });
    const broken = await w.shim(['run', '--dry-run', '--json', 'prettier']);
    expectExit(broken, 125);
    const error = JSON.parse(broken.stdout).error;
    expect(error.code).toBe('config_invalid');
    expect(error.issues).toEqual(['config.d/30-bad.json: prettier.netwrok: unknown key (did you mean "network"?)']);
    // a tool's own --json after the tool name is the tool's: errors stay human-readable there
    const tools = await w.shim(['run', 'eslnt', '--json']);
    expect(tools.stdout).toBe('');
    expect(tools.stderr).toContain('unknown tool "eslnt"');
  });

  it('refuses --json without --dry-run on run', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', '--json', 'eslint']);
    expectExit(out, 2);
    expect(w.calls().filter((c) => c.argv[0] === 'run')).toEqual([]);
  });
});
