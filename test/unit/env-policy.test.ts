import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { NEVER_PASSED, SHIM_OWNED, checkEnvPolicy, envViolations } from '../../src/plan/env-policy.js';
import { CA_BUNDLE_VARS, isSecretName, secretPattern } from '../../src/plan/env.js';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import { makeHost, makeTool, runInputs, valuesOf } from './fixtures.js';

const thrown = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
};

const SECRET_LOOKING = [
  ['NPM_TOKEN', '*TOKEN*'],
  ['GITHUB_TOKEN', '*TOKEN*'],
  ['MY_SECRET', '*SECRET*'],
  ['DB_PASSWORD', '*PASSWORD*/*PASSWD*'],
  ['LDAP_PASSWD', '*PASSWORD*/*PASSWD*'],
  ['MYSQL_PWD', '*_PWD'],
  ['GPG_PASSPHRASE', '*PASSPHRASE*'],
  ['SIGNING_KEY', '*_KEY'],
  ['DEPLOY_KEYS', '*_KEY'],
  ['OPENAI_API_KEY', '*API_KEY*'],
  ['APIKEY', '*API_KEY*'],
  ['AWS_REGION', 'AWS_*'],
  ['AWS_ACCESS_KEY_ID', '*API_KEY*'],
  ['AZURE_TENANT', 'AZURE_*'],
  ['GOOGLE_APPLICATION_CREDENTIALS', '*CREDENTIAL*'],
  ['PRIVATE_DATA', '*PRIVATE*'],
  ['AUTHORIZATION', '*AUTH*'],
  ['OAUTH_CLIENT', '*AUTH*'],
  ['SESSION_COOKIE', '*COOKIE*'],
  ['GITHUB_PAT', '*_PAT'],
  ['github_token', '*TOKEN*'],
] as const;

describe('secret-looking names', () => {
  it.each(SECRET_LOOKING)('%s matches %s', (name, pattern) => {
    // AWS_ACCESS_KEY_ID matches several patterns; the first one in the table is reported
    if (name !== 'AWS_ACCESS_KEY_ID') expect(secretPattern(name)).toBe(pattern);
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['PATH', 'TERM', 'LANG', 'NODE_ENV', 'KEYBOARD', 'DEBUG', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'PWD', 'CI'])('%s is not secret-looking', (name) => {
    expect(secretPattern(name)).toBeUndefined();
  });
});

describe('checkEnvPolicy: secrets need the secrets list', () => {
  it.each(SECRET_LOOKING.map(([n]) => n))('refuses %s in env without secrets, naming tool.env.NAME, why and the fix', (name) => {
    const e = thrown(() => checkEnvPolicy(makeTool({ env: { [name]: 'v' } })));
    expect(e.message).toContain(`eslint.env.${name}: ${name} looks like a secret`);
    expect(e.message).toContain('is not listed in eslint.secrets');
    expect(e.message).toContain(`add "${name}" to eslint.secrets if this tool should get it`);
    expect(e.hint).toBe(`add "${name}" to eslint.secrets if this tool should get it`);
  });

  it.each(SECRET_LOOKING.map(([n]) => n))('refuses %s in env_passthrough without secrets, naming tool.env_passthrough[i]', (name) => {
    const e = thrown(() => checkEnvPolicy(makeTool({ env_passthrough: ['TERM', name] })));
    expect(e.message).toContain(`eslint.env_passthrough[1]: ${name} looks like a secret`);
    expect(e.message).toContain(`add "${name}" to eslint.secrets`);
  });

  it.each(SECRET_LOOKING.map(([n]) => n))('accepts %s in env and env_passthrough when listed in secrets', (name) => {
    expect(() => checkEnvPolicy(makeTool({ env: { [name]: 'v' }, secrets: [name] }))).not.toThrow();
    expect(() => checkEnvPolicy(makeTool({ env_passthrough: [name], secrets: [name] }))).not.toThrow();
  });

  it('matches secrets exactly (another name or another case is not listed)', () => {
    expect(() => checkEnvPolicy(makeTool({ env_passthrough: ['NPM_TOKEN'], secrets: ['GH_TOKEN'] }))).toThrow(/NPM_TOKEN/);
    expect(() => checkEnvPolicy(makeTool({ env_passthrough: ['npm_token'], secrets: ['NPM_TOKEN'] }))).toThrow(/npm_token/);
  });

  it('accepts plain names without secrets', () => {
    expect(() => checkEnvPolicy(makeTool({ env: { NODE_ENV: 'test', GIT_AUTHOR_NAME: 'a' }, env_passthrough: ['TERM', 'LANG'] }))).not.toThrow();
  });

  it('allows names in secrets that the tool never passes (they grant nothing by themselves)', () => {
    expect(() => checkEnvPolicy(makeTool({ secrets: ['NPM_TOKEN', 'SSH_AUTH_SOCK', 'HOME'] }))).not.toThrow();
  });

  it('names every refused variable in one error, configured values first', () => {
    const e = thrown(() => checkEnvPolicy(makeTool({ env: { API_TOKEN: 'x', OK: '1' }, env_passthrough: ['TERM', 'DB_PASSWORD', 'SSH_AUTH_SOCK'] })));
    const lines = e.message.split('\n');
    expect(lines[0]).toBe('eslint: 3 variables are refused:');
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual(['eslint.env.API_TOKEN', 'eslint.env_passthrough[1]', 'eslint.env_passthrough[2]']);
  });
});

describe('checkEnvPolicy: never passed, even when listed in secrets', () => {
  it.each(['SSH_AUTH_SOCK', 'DOCKER_HOST', 'CONTAINER_HOST', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'DBUS_SYSTEM_BUS_ADDRESS', 'GPG_AGENT_INFO'])('%s', (name) => {
    expect(Object.keys(NEVER_PASSED)).toContain(name);
    for (const tool of [
      makeTool({ env_passthrough: [name], secrets: [name] }),
      makeTool({ env: { [name]: '/x' }, secrets: [name] }),
      makeTool({ env_passthrough: [name.toLowerCase()], secrets: [name.toLowerCase()] }),
    ]) {
      const e = thrown(() => checkEnvPolicy(tool));
      expect(e.message).toMatch(new RegExp(`^eslint\\.env(_passthrough\\[0\\]|\\.${name}): ${name} is never passed to a tool, even when listed in secrets: `, 'i'));
      expect(e.message).toContain(NEVER_PASSED[name]);
    }
  });
});

describe('checkEnvPolicy: names shim sets itself', () => {
  it.each(['HOME', 'PATH', ...CA_BUNDLE_VARS, 'NPM_CONFIG_CACHE', 'MISE_CACHE_DIR'])('refuses %s in env and env_passthrough, even in secrets', (name) => {
    expect(Object.keys(SHIM_OWNED)).toContain(name);
    const e = thrown(() => checkEnvPolicy(makeTool({ env: { [name]: '/x' }, secrets: [name] })));
    expect(e.message).toContain(`eslint.env.${name}: ${name} is set by shim and cannot be configured: `);
    expect(() => checkEnvPolicy(makeTool({ env_passthrough: [name] }))).toThrow(`eslint.env_passthrough[0]: ${name} is set by shim`);
  });

  it('says what to use instead of a CA variable', () => {
    expect(() => checkEnvPolicy(makeTool({ env: { SSL_CERT_FILE: '/x' } }))).toThrow(/ca_bundle/);
  });
});

describe('checkEnvPolicy: names', () => {
  it.each(['x[$(touch /tmp/p)]', 'A=B', 'A B', '*', 'AWS_*', '1X', ''])('refuses %j (a ResolvedTool not built by the loader)', (name) => {
    expect(envViolations(makeTool({ env_passthrough: [name] }))).toEqual([expect.objectContaining({ path: 'eslint.env_passthrough[0]', message: expect.stringContaining('is not a variable name') })]);
  });
});

describe('buildRunPlan applies the env policy', () => {
  it('refuses before building anything, and passes a listed secret as a bare NAME with its value in passedEnv', () => {
    const host = makeHost({}, { NPM_TOKEN: 'npm-secret' });
    expect(() => buildRunPlan(runInputs({ tool: makeTool({ env_passthrough: ['NPM_TOKEN'] }), host }))).toThrow(ConfigError);
    const p = buildRunPlan(runInputs({ tool: makeTool({ env_passthrough: ['NPM_TOKEN'], secrets: ['NPM_TOKEN'] }), host }));
    expect(valuesOf(p.argv, '--env')).toContain('NPM_TOKEN');
    expect(p.passedEnv).toEqual({ NPM_TOKEN: 'npm-secret' });
    expect(p.argv.join('\n')).not.toContain('npm-secret');
    expect(p.display).not.toContain('npm-secret');
  });

  it('refuses HOME even though buildToolEnv would let configured env win', () => {
    expect(() => buildRunPlan(runInputs({ tool: makeTool({ env: { HOME: '/workspace' } }) }))).toThrow(/eslint\.env\.HOME/);
  });
});
