import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { PROFILE_LIMITS, durationMs, sizeBytes } from '../../src/defaults.js';
import { resolveInstallLimits, resolveLimits } from '../../src/plan/limits.js';
import { makeTool } from './fixtures.js';

describe('resolveLimits', () => {
  it('the default profile limits memory (no extra swap) and processes', () => {
    const l = resolveLimits(makeTool(), {}, true);
    expect(l.profile).toBe('default');
    expect(l.args).toEqual(['--memory=4g', '--memory-swap=4g', '--pids-limit=4096']);
    expect(l.timeoutMs).toBeUndefined();
    expect(l.outputBytes).toBeUndefined();
  });

  it('the safe profile adds CPU, time and output limits', () => {
    const l = resolveLimits(makeTool({ profile: 'safe' }), {}, true);
    expect(l.args).toEqual(['--memory=1g', '--memory-swap=1g', '--cpus=1', '--pids-limit=256']);
    expect(l.timeoutMs).toBe(600_000);
    expect(l.outputBytes).toBe(16 * 1024 * 1024);
  });

  it('the dev profile sets no limits unless asked', () => {
    expect(resolveLimits(makeTool({ profile: 'dev' }), {}, true).args).toEqual([]);
    expect(resolveLimits(makeTool({ profile: 'dev', limits: { pids: 100 } }), {}, true).args).toEqual(['--pids-limit=100']);
  });

  it('explicit limits override single values; "0" turns one off', () => {
    const l = resolveLimits(makeTool({ limits: { memory: '2g', pids: 0, timeout: '90s' } }), {}, true);
    expect(l.args).toEqual(['--memory=2g', '--memory-swap=2g']);
    expect(l.timeoutMs).toBe(90_000);
  });

  it('the profile comes from the tool, else settings.json', () => {
    expect(resolveLimits(makeTool(), { profile: 'safe' }, true).profile).toBe('safe');
    expect(resolveLimits(makeTool({ profile: 'dev' }), { profile: 'safe' }, true).profile).toBe('dev');
  });

  it('fails closed where kernel limits cannot be enforced, naming the fix', () => {
    expect(() => resolveLimits(makeTool(), {}, false)).toThrow(ConfigError);
    expect(() => resolveLimits(makeTool(), {}, false)).toThrow(/cannot enforce the limits of the "default" profile \(memory 4g, pids 4096\)/);
  });

  it('runs with a warning and no kernel flags when best effort is accepted (tool, settings or dev)', () => {
    for (const l of [
      resolveLimits(makeTool({ limits_best_effort: true }), {}, false),
      resolveLimits(makeTool(), { limits_best_effort: true }, false),
      resolveLimits(makeTool({ profile: 'dev', limits: { memory: '1g' } }), {}, false),
    ]) {
      expect(l.args).toEqual([]);
      expect(l.unenforced.length).toBeGreaterThan(0);
      expect(l.warnings[0]).toMatch(/limits not enforced on this host/);
    }
  });

  it('timeout and output limits need no kernel support', () => {
    const l = resolveLimits(makeTool({ profile: 'dev', limits: { timeout: '1m', output: '1m' } }), {}, false);
    expect([l.timeoutMs, l.outputBytes, l.warnings]).toEqual([60_000, 1024 * 1024, []]);
  });

  it('the safe profile refuses network, ports, podman_args and read-write mounts', () => {
    const risky = makeTool({ profile: 'safe', network: 'bridge', ports: ['8080'], podman_args: ['--label=x'], mounts: [{ src: '.', dst: '/workspace' }] });
    expect(() => resolveLimits(risky, {}, true)).toThrow('the "safe" profile allows no network access, published ports, podman_args, read-write mounts');
    // positive control: read-only mounts are fine
    expect(resolveLimits(makeTool({ profile: 'safe', mounts: [{ src: '.', dst: '/workspace', opts: 'ro' }] }), {}, true).profile).toBe('safe');
  });

  it('documents every profile', () => {
    expect(Object.keys(PROFILE_LIMITS)).toEqual(['safe', 'default', 'dev']);
  });
});

describe('sizes and durations', () => {
  it.each([
    ['512', 512],
    ['4k', 4096],
    ['1.5m', 1572864],
    ['2g', 2147483648],
  ])('%s is %i bytes', (s, n) => expect(sizeBytes(s)).toBe(n));

  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
  ])('%s is %i ms', (s, n) => expect(durationMs(s)).toBe(n));
});

describe('resolveInstallLimits', () => {
  it('gives an install the kernel limits of the tool\'s runs and the default 10m timeout', () => {
    const l = resolveInstallLimits(makeTool(), {}, true);
    expect(l.args).toEqual(['--memory=4g', '--memory-swap=4g', '--pids-limit=4096']);
    expect([l.memory, l.timeout, l.timeoutMs]).toEqual(['4g', '10m', 600_000]);
  });

  it('follows the tool\'s profile and explicit limits', () => {
    expect(resolveInstallLimits(makeTool({ profile: 'safe' }), {}, true).args).toEqual(['--memory=1g', '--memory-swap=1g', '--cpus=1', '--pids-limit=256']);
    expect(resolveInstallLimits(makeTool({ limits: { memory: '64m' } }), {}, true).args).toEqual(['--memory=64m', '--memory-swap=64m', '--pids-limit=4096']);
  });

  it('keeps a process limit when the profile sets none (dev) or the tool turns it off', () => {
    expect(resolveInstallLimits(makeTool({ profile: 'dev' }), {}, true).args).toEqual(['--pids-limit=4096']);
    expect(resolveInstallLimits(makeTool({ limits: { pids: 0 } }), {}, true).args).toEqual(['--memory=4g', '--memory-swap=4g', '--pids-limit=4096']);
  });

  it('ignores the run\'s own timeout and output limits', () => {
    const l = resolveInstallLimits(makeTool({ profile: 'safe', limits: { timeout: '5s' } }), {}, true);
    expect(l.timeout).toBe('10m');
    expect(l).not.toHaveProperty('outputBytes');
  });

  it('takes settings.json install_timeout; "0" turns it off', () => {
    expect(resolveInstallLimits(makeTool(), { install_timeout: '90s' }, true).timeoutMs).toBe(90_000);
    const off = resolveInstallLimits(makeTool(), { install_timeout: '0' }, true);
    expect([off.timeout, off.timeoutMs]).toEqual([undefined, undefined]);
  });

  it('applies the runs\' best-effort rule where the host cannot enforce limits', () => {
    expect(() => resolveInstallLimits(makeTool(), {}, false)).toThrow(ConfigError);
    const l = resolveInstallLimits(makeTool(), { limits_best_effort: true }, false);
    expect(l.args).toEqual([]);
    expect(l.memory).toBeUndefined();
    expect(l.warnings).toEqual(['eslint: install limits not enforced on this host (rootless podman on cgroup v1): memory 4g, pids 4096']);
    expect(resolveInstallLimits(makeTool({ profile: 'dev' }), {}, false).args).toEqual([]);
  });
});
