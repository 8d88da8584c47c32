// Tool values never ride on the runtime's argv (issue 16 item 2): a bare `--env NAME` and the value in
// the plan's passedEnv, which the executor puts into the runtime's environment exactly. Also: what the
// runtime reads itself stays out of its environment, and execute_code refuses tools that carry secrets.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { planEnvPassing, readByRuntime } from '../../src/plan/env-passing.js';
import { RUNTIME_SET_NAMES, runtimeEnv, withPassedEnv } from '../../src/plan/runtime-env.js';
import { buildInstallPlan } from '../../src/plan/install-plan.js';
import { safetyProblems } from '../../src/mcp/tools.js';
import { installInputs, makeHost, makeTool } from './fixtures.js';

const tool = { name: 't', secrets: [] as string[] };

describe('planEnvPassing', () => {
  it('passes tool values bare with their values apart, shim constants as NAME=value', () => {
    const p = planEnvPassing({ HOME: '/home/shim', A: 'sekrit', B: 'x\ny' }, new Set(['A', 'B']), {}, tool);
    expect(p.args).toEqual(['--env', 'HOME=/home/shim', '--env', 'A', '--env', 'B']);
    expect(p.env).toEqual({ A: 'sekrit', B: 'x\ny' });
  });

  it('keeps a configured value of a name the runtime reads on argv (never in its environment)', () => {
    const p = planEnvPassing({ LD_PRELOAD: '/evil.so', CONTAINERS_CONF: '/x', XDG_CONFIG_HOME: '/y' }, new Set(['LD_PRELOAD', 'CONTAINERS_CONF', 'XDG_CONFIG_HOME']), {}, tool);
    expect(p.env).toEqual({});
    expect(p.args).toEqual(['--env', 'LD_PRELOAD=/evil.so', '--env', 'CONTAINERS_CONF=/x', '--env', 'XDG_CONFIG_HOME=/y']);
  });

  it('passes the host\'s own value of such a name bare (the runtime has it already)', () => {
    const p = planEnvPassing({ HTTPS_PROXY: 'http://u:pw@p' }, new Set(['HTTPS_PROXY']), { HTTPS_PROXY: 'http://u:pw@p' }, tool);
    expect(p).toEqual({ args: ['--env', 'HTTPS_PROXY'], env: { HTTPS_PROXY: 'http://u:pw@p' } });
  });

  it('refuses a secret that would have to go on argv; the same name from the host passes bare', () => {
    expect(() => planEnvPassing({ DOCKER_PASSWORD: 'pw' }, new Set(['DOCKER_PASSWORD']), {}, tool)).toThrow(ConfigError);
    expect(() => planEnvPassing({ DOCKER_X: 'v' }, new Set(['DOCKER_X']), {}, { name: 't', secrets: ['DOCKER_X'] })).toThrow(/DOCKER_X is a secret/);
    expect(planEnvPassing({ DOCKER_PASSWORD: 'pw' }, new Set(['DOCKER_PASSWORD']), { DOCKER_PASSWORD: 'pw' }, tool).env).toEqual({ DOCKER_PASSWORD: 'pw' });
  });

  it('reads names case-insensitively, and ordinary names are not the runtime\'s', () => {
    expect(readByRuntime('https_proxy')).toBe(true);
    expect(readByRuntime('ld_preload')).toBe(true);
    for (const n of ['NPM_TOKEN', 'GITHUB_TOKEN', 'ANTHROPIC_API_KEY', 'LANG', 'TERM', 'GOOGLE_API_KEY', 'MULTI']) expect(readByRuntime(n)).toBe(false);
  });

  it('covers every name runtimeEnv sets for the runtime itself', () => {
    for (const n of RUNTIME_SET_NAMES) expect(readByRuntime(n)).toBe(true);
  });
});

describe('withPassedEnv', () => {
  it('sets exactly the planned value over a host variable of the same name, and keeps the rest', () => {
    const base = runtimeEnv({ PATH: '/bin', API_TOKEN: 'host-value', HOME: '/root' });
    const env = withPassedEnv(base, { API_TOKEN: 'planned', NEW: 'n' });
    expect(env.API_TOKEN).toBe('planned');
    expect(env.NEW).toBe('n');
    expect(env.HOME).toBe('/root');
    // positive control: without the plan's values the host's would be what a bare --env copies
    expect(base.API_TOKEN).toBe('host-value');
  });
});

describe('install plan', () => {
  it('puts no value of the tool\'s env on argv (installs get none of it)', () => {
    const t = makeTool({ env: { API_TOKEN: 'install-secret' }, env_passthrough: ['NPM_TOKEN'], secrets: ['API_TOKEN', 'NPM_TOKEN'] });
    const p = buildInstallPlan(installInputs({ tool: t, host: makeHost({}, { NPM_TOKEN: 'npm-host-secret' }) }));
    const joined = p.argv.join('\n');
    expect(joined).not.toContain('install-secret');
    expect(joined).not.toContain('npm-host-secret');
    expect(joined).not.toMatch(/API_TOKEN|NPM_TOKEN/);
    // positive control: the install does carry shim's own variables on argv
    expect(joined).toContain('HOME=/home/shim');
  });
});

describe('execute_code safety', () => {
  const safe = { network: 'none', mounts: [], ports: [] };
  it('refuses a tool with secrets, or with a secret-looking variable, naming them', () => {
    expect(safetyProblems({ podman_args: [], secrets: ['API_TOKEN'], env: {}, env_passthrough: [] }, safe)).toEqual(['it carries secrets (API_TOKEN)']);
    expect(safetyProblems({ podman_args: [], secrets: [], env: { MY_PASSWORD: 'x' }, env_passthrough: ['GH_TOKEN'] }, safe)).toEqual(['it carries secrets (MY_PASSWORD, GH_TOKEN)']);
  });

  it('positive control: ordinary variables are fine', () => {
    expect(safetyProblems({ podman_args: [], secrets: [], env: { LANG: 'C.UTF-8' }, env_passthrough: ['TERM'] }, safe)).toEqual([]);
  });
});
