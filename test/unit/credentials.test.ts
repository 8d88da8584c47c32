// Brokered credentials: config validation, the planner (placeholders, checks, CA variables, the proxy's
// config), project trust, and the values read on the host (env, file, cmd) with their errors.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ToolLayerSchema } from '../../src/config/schema.js';
import { findWidenings } from '../../src/config/project-widening.js';
import type { MergedFields } from '../../src/config/merge.js';
import { credentialHeaders, planCredentials, withCredentialEnv } from '../../src/plan/credentials.js';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import { loadCredentialValues, splitCommand } from '../../src/runtime/credentials.js';
import { makeTool, runInputs } from './fixtures.js';
import { tempDir } from './tmp.js';

const KEY = { ANTHROPIC_API_KEY: { from: 'env:ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'] } };
const brokered = (over = {}) => makeTool({ name: 'claude', allowed_hosts: ['api.anthropic.com', 'platform.claude.com'], credentials: KEY, ...over });

describe('credentials in the config schema', () => {
  it.each([
    ['env:NAME', { from: 'env:ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'] }],
    ['file: absolute', { from: 'file:/run/secrets/key', hosts: ['api.anthropic.com'] }],
    ['file: in HOME', { from: 'file:~/.config/key', hosts: ['api.anthropic.com'] }],
    ['cmd:', { from: 'cmd:gh auth token', hosts: ['api.github.com', '*.githubusercontent.com'] }],
    ['a port', { from: 'env:K', hosts: ['127.0.0.1:8443'] }],
  ])('accepts %s', (_, credential) => {
    expect(ToolLayerSchema.safeParse({ credentials: { K: credential } }).success).toBe(true);
  });

  it.each([
    ['an unknown source', { from: 'vault:k', hosts: ['a.com'] }, '(a host variable)'],
    ['a relative file', { from: 'file:key', hosts: ['a.com'] }, 'absolute path'],
    ['an empty cmd', { from: 'cmd: ', hosts: ['a.com'] }, '(a host variable)'],
    ['no hosts', { from: 'env:K', hosts: [] }, 'at least one host'],
    ['an upper-case host', { from: 'env:K', hosts: ['API.com'] }, 'lower-case host'],
    ['a line break', { from: 'cmd:a\nb', hosts: ['a.com'] }, 'line breaks'],
    ['an unknown key', { from: 'env:K', hosts: ['a.com'], header: 'x' }, 'header'],
  ])('refuses %s', (_, credential, message) => {
    const r = ToolLayerSchema.safeParse({ credentials: { K: credential } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(message);
  });

  it('refuses a variable name that is not one', () => {
    expect(ToolLayerSchema.safeParse({ credentials: { 'A-B': { from: 'env:K', hosts: ['a.com'] } } }).success).toBe(false);
  });
});

describe('planCredentials', () => {
  it('gives each variable a placeholder unique to the run', () => {
    const [b] = planCredentials(brokered(), 'allowlist', 'abcd1234');
    expect(b).toEqual({ name: 'ANTHROPIC_API_KEY', from: 'env:ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'], placeholder: 'shim-cred-abcd1234-anthropic-api-key', headers: ['authorization', 'proxy-authorization', 'x-api-key'] });
    expect(planCredentials(brokered(), 'allowlist', 'ffff0000')[0]!.placeholder).not.toBe(b!.placeholder);
  });

  it('swaps the placeholder only in Authorization, Proxy-Authorization and the headers the credential names (default x-api-key)', () => {
    expect(credentialHeaders(undefined)).toEqual(['authorization', 'proxy-authorization', 'x-api-key']);
    expect(credentialHeaders(['X-Goog-Api-Key'])).toEqual(['authorization', 'proxy-authorization', 'x-goog-api-key']);
    expect(credentialHeaders([])).toEqual(['authorization', 'proxy-authorization']);
  });

  it('refuses a credential header that servers echo or proxies rewrite (control: a credential header is accepted)', () => {
    const parse = (headers: string[]) => ToolLayerSchema.safeParse({ credentials: { K: { from: 'env:K', hosts: ['a.com'], headers } } });
    for (const h of ['Origin', 'referer', 'host', 'cookie', 'range']) expect(parse([h]).success, h).toBe(false);
    expect(JSON.stringify(parse(['origin']).error?.issues)).toContain('must not be a header that servers echo');
    expect(parse(['bad header']).success).toBe(false);
    expect(parse(['x-goog-api-key']).success).toBe(true);
  });

  it('leaves out an optional credential whose source is missing, and still checks it (a mistake does not wait until it is set)', () => {
    const optional = { ANTHROPIC_API_KEY: { from: 'env:ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'], optional: true } };
    expect(planCredentials(brokered({ credentials: optional }), 'allowlist', 'r', new Set(['ANTHROPIC_API_KEY']))).toEqual([]);
    // control: present, it is bound
    expect(planCredentials(brokered({ credentials: optional }), 'allowlist', 'r')).toHaveLength(1);
    expect(() => planCredentials(brokered({ credentials: optional, allowed_hosts: ['platform.claude.com'] }), 'allowlist', 'r', new Set(['ANTHROPIC_API_KEY']))).toThrow('is not in allowed_hosts');
  });

  it('refuses a bound host that allowed_hosts does not list, naming tool, key and host', () => {
    expect(() => planCredentials(brokered({ allowed_hosts: ['platform.claude.com'] }), 'allowlist', 'r')).toThrow('claude: credentials.ANTHROPIC_API_KEY is bound to api.anthropic.com, which is not in allowed_hosts');
  });

  it('refuses credentials when no proxy runs (bridge, or SHIM_ALLOW_NETWORK)', () => {
    expect(() => planCredentials(brokered(), 'bridge', 'r')).toThrow(/brokered by the egress proxy.*"bridge"/);
  });

  it('refuses a name that env or env_passthrough also sets', () => {
    expect(() => planCredentials(brokered({ env_passthrough: ['ANTHROPIC_API_KEY'] }), 'allowlist', 'r')).toThrow('both a credential and set by env_passthrough');
    expect(() => planCredentials(brokered({ env: { ANTHROPIC_API_KEY: 'x' } }), 'allowlist', 'r')).toThrow('both a credential and set by env');
  });

  it('points the CA variables at the run CA files in the proxy directory', () => {
    const env = withCredentialEnv({ A: '1' }, planCredentials(brokered(), 'allowlist', 'r'));
    expect(env).toMatchObject({ A: '1', ANTHROPIC_API_KEY: 'shim-cred-r-anthropic-api-key', NODE_EXTRA_CA_CERTS: '/run/shim/ca.pem', SSL_CERT_FILE: '/run/shim/ca-bundle.pem', REQUESTS_CA_BUNDLE: '/run/shim/ca-bundle.pem', CURL_CA_BUNDLE: '/run/shim/ca-bundle.pem', GIT_SSL_CAINFO: '/run/shim/ca-bundle.pem' });
    expect(withCredentialEnv({ A: '1' }, [])).toEqual({ A: '1' });
  });
});

describe('the run plan of a tool with credentials', () => {
  it('sets the placeholder in the container, gives the proxy names, hosts and placeholders (never a source), and keeps the policy hash stable', () => {
    const plan = buildRunPlan(runInputs({ tool: brokered(), runId: 'aaaa1111', caBundle: '/etc/ca.pem' }));
    expect(plan.policy.env).toContain('ANTHROPIC_API_KEY');
    const config = plan.proxy!.argv.at(-1)!;
    expect(JSON.parse(config).credentials).toEqual([{ name: 'ANTHROPIC_API_KEY', hosts: ['api.anthropic.com'], placeholder: 'shim-cred-aaaa1111-anthropic-api-key', headers: ['authorization', 'proxy-authorization', 'x-api-key'] }]);
    expect(config).not.toContain('env:');
    expect(plan.proxy!.credentials[0]!.from).toBe('env:ANTHROPIC_API_KEY');
    expect(plan.proxy!.caBundle).toBe('/etc/ca.pem');
    expect(buildRunPlan(runInputs({ tool: brokered(), runId: 'bbbb2222', caBundle: '/etc/ca.pem' })).policyHash).toBe(plan.policyHash);
  });

  it('leaves a tool without credentials as it was', () => {
    const plan = buildRunPlan(runInputs({ tool: makeTool({ allowed_hosts: ['a.com'] }) }));
    expect(plan.proxy!.credentials).toEqual([]);
    expect(plan.policy.env).not.toContain('NODE_EXTRA_CA_CERTS');
  });
});

describe('credentials in an untrusted project file', () => {
  const base = (credentials?: Record<string, { from: string; hosts: string[] }>): { isNew: boolean; fields: MergedFields } => ({
    isNew: false,
    fields: { merged: { tool: 'npm:x', allowed_hosts: ['a.com', 'b.com'], ...(credentials ? { credentials } : {}) }, env: {}, limits: {}, provenance: {}, files: ['config.json'] },
  });
  const ctx = { root: '/p', runRoot: '/p', home: '/h' };
  it.each([
    ['a new credential', undefined, { K: { from: 'env:K', hosts: ['a.com'] } }, true],
    ['another source (a host command)', { K: { from: 'env:K', hosts: ['a.com'] } }, { K: { from: 'cmd:cat /etc/shadow', hosts: ['a.com'] } }, true],
    ['another host', { K: { from: 'env:K', hosts: ['a.com'] } }, { K: { from: 'env:K', hosts: ['b.com'] } }, true],
    ['the same', { K: { from: 'env:K', hosts: ['a.com', 'b.com'] } }, { K: { from: 'env:K', hosts: ['a.com'] } }, false],
  ])('%s widens: %s', (_, mine, theirs, widens) => {
    const w = findWidenings('x', { credentials: theirs }, base(mine), {}, ctx);
    expect(w.some((x) => x.field === 'credentials')).toBe(widens);
  });
});

describe('loadCredentialValues', () => {
  const bind = (from: string) => [{ name: 'K', from, hosts: ['a.com'], placeholder: 'p', headers: ['authorization'] }];
  const host = { env: { K: 'from-env', PATH: process.env.PATH }, home: '/nowhere' };

  it('reads env:, the first line of file:, and the first line of cmd: output', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'k'), 'from-file\nnot this\n');
    expect(await loadCredentialValues(bind('env:K'), host)).toEqual({ K: 'from-env' });
    expect(await loadCredentialValues(bind(`file:${path.join(dir, 'k')}`), host)).toEqual({ K: 'from-file' });
    expect(await loadCredentialValues(bind(`cmd:cat ${path.join(dir, 'k')}`), host)).toEqual({ K: 'from-file' });
  });

  it('splits a command on blanks, without a shell', () => {
    expect(splitCommand(' gh  auth token ')).toEqual(['gh', 'auth', 'token']);
  });

  it('says what is wrong without the value or the command line', async () => {
    await expect(loadCredentialValues(bind('env:MISSING'), host)).rejects.toThrow('credentials.K (from env:MISSING): the host variable MISSING is not set');
    await expect(loadCredentialValues(bind('file:/nonexistent/k'), host)).rejects.toThrow('cannot read /nonexistent/k: ENOENT');
    await expect(loadCredentialValues(bind('cmd:false --secret-arg'), host)).rejects.toThrow('credentials.K (from cmd:…): false failed (exit 1)');
    await expect(loadCredentialValues(bind('cmd:no-such-command-xyz'), host)).rejects.toThrow('no-such-command-xyz was not found on PATH');
  });
});
