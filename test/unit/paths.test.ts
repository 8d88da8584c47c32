import { describe, it, expect } from 'vitest';
import { resolveShimPaths } from '../../src/config/paths.js';
import { envFlag } from '../../src/host.js';

describe('resolveShimPaths', () => {
  it('uses the XDG defaults under home', () => {
    expect(resolveShimPaths({}, '/home/u')).toEqual({
      configDir: '/home/u/.config/shim',
      configFile: '/home/u/.config/shim/config.json',
      configDropInDir: '/home/u/.config/shim/config.d',
      settingsFile: '/home/u/.config/shim/settings.json',
      stateDir: '/home/u/.local/state/shim',
      cacheDir: '/home/u/.cache/shim',
      binDir: '/home/u/.local/bin',
    });
  });

  it('honours absolute XDG variables', () => {
    const p = resolveShimPaths({ XDG_CONFIG_HOME: '/x/conf', XDG_STATE_HOME: '/x/state', XDG_CACHE_HOME: '/x/cache' }, '/home/u');
    expect(p.configDir).toBe('/x/conf/shim');
    expect(p.configFile).toBe('/x/conf/shim/config.json');
    expect(p.stateDir).toBe('/x/state/shim');
    expect(p.cacheDir).toBe('/x/cache/shim');
  });

  it('ignores relative or empty XDG variables', () => {
    const p = resolveShimPaths({ XDG_CONFIG_HOME: 'rel/conf', XDG_STATE_HOME: '', XDG_CACHE_HOME: './c' }, '/home/u');
    expect(p.configDir).toBe('/home/u/.config/shim');
    expect(p.stateDir).toBe('/home/u/.local/state/shim');
    expect(p.cacheDir).toBe('/home/u/.cache/shim');
  });

  it('takes SHIM_BIN_DIR, resolving a relative one against home', () => {
    expect(resolveShimPaths({ SHIM_BIN_DIR: '/opt/bin' }, '/home/u').binDir).toBe('/opt/bin');
    expect(resolveShimPaths({ SHIM_BIN_DIR: 'bin' }, '/home/u').binDir).toBe('/home/u/bin');
  });
});

describe('envFlag', () => {
  it.each(['1', 'true', 'TRUE', 'yes', 'on', ' 1 ', 'On'])('%j is on', (v) => expect(envFlag({ X: v }, 'X')).toBe(true));
  it.each(['0', 'false', 'no', 'off', '', '2', 'y'])('%j is off', (v) => expect(envFlag({ X: v }, 'X')).toBe(false));
  it('unset is off', () => expect(envFlag({}, 'X')).toBe(false));
});
