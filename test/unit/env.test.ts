import { describe, it, expect } from 'vitest';
import { CA_BUNDLE_DST, CA_BUNDLE_VARS, IMAGE_PATH, baseEnv, buildEnvArgs, buildToolEnv, isSecretName } from '../../src/plan/env.js';
import { runtimeEnv } from '../../src/plan/runtime-env.js';
import { makeTool } from './fixtures.js';

describe('isSecretName', () => {
  it.each(['GITHUB_TOKEN', 'NPM_TOKEN', 'MY_SECRET', 'DB_PASSWORD', 'PASSPHRASE', 'GOOGLE_CREDENTIALS', 'PRIVATE_DATA', 'OPENAI_API_KEY', 'APIKEY', 'SSH_KEY', 'AWS_REGION', 'AZURE_TENANT', 'AUTHORIZATION', 'github_token'])(
    '%s is secret',
    (name) => expect(isSecretName(name)).toBe(true),
  );
  it.each(['PATH', 'HOME', 'TERM', 'LANG', 'NODE_ENV', 'KEYBOARD', 'DEBUG'])('%s is not secret', (name) => expect(isSecretName(name)).toBe(false));
});

describe('baseEnv', () => {
  it('sets HOME and PATH with bin paths first', () => {
    expect(baseEnv(['/mise/a', '/mise/b'], false)).toEqual({ HOME: '/home/shim', PATH: `/mise/a:/mise/b:${IMAGE_PATH}` });
  });
  it('adds every CA variable pointing at the mounted bundle', () => {
    const env = baseEnv([], true);
    expect(Object.keys(env)).toEqual(['HOME', 'PATH', ...CA_BUNDLE_VARS]);
    for (const v of CA_BUNDLE_VARS) expect(env[v]).toBe(CA_BUNDLE_DST);
    expect(CA_BUNDLE_VARS).toEqual(['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']);
  });
});

describe('buildToolEnv', () => {
  const base = { HOME: '/home/shim', PATH: '/bin' };

  it('copies only listed, set host variables and reports them as from host', () => {
    const tool = makeTool({ env_passthrough: ['A', 'UNSET'] });
    expect(buildToolEnv(tool, { A: 'a', B: 'b' }, base)).toEqual({ env: { ...base, A: 'a' }, fromHost: ['A'] });
  });

  it('configured env overrides base and passthrough; overridden names are not from host', () => {
    const tool = makeTool({ env: { HOME: '/custom', A: 'cfg' }, env_passthrough: ['A'] });
    expect(buildToolEnv(tool, { A: 'host' }, base)).toEqual({ env: { HOME: '/custom', PATH: '/bin', A: 'cfg' }, fromHost: [] });
  });

  it('does not mutate the base', () => {
    const b = { ...base };
    buildToolEnv(makeTool({ env: { X: '1' } }), {}, b);
    expect(b).toEqual(base);
  });
});

describe('buildEnvArgs', () => {
  it('emits --env NAME=value pairs in order', () => {
    expect(buildEnvArgs({ A: '1', B: 'two words', C: '' })).toEqual(['--env', 'A=1', '--env', 'B=two words', '--env', 'C=']);
  });
  it('keeps = and newlines in values', () => {
    expect(buildEnvArgs({ X: 'a=b\nc' })).toEqual(['--env', 'X=a=b\nc']);
  });
});

describe('runtimeEnv', () => {
  it('passes the host environment to the runtime and appends the sbin dirs a user PATH lacks', () => {
    const env = runtimeEnv({ PATH: '/usr/bin:/bin', XDG_RUNTIME_DIR: '/run/user/1', UNSET: undefined });
    expect(env).toEqual({ PATH: '/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin', XDG_RUNTIME_DIR: '/run/user/1' });
    expect(runtimeEnv({ PATH: '/sbin:/usr/sbin:/usr/local/sbin:/bin' }).PATH).toBe('/sbin:/usr/sbin:/usr/local/sbin:/bin');
  });
});
