// Where shim keeps its files on the host, following the XDG base directory convention.
import path from 'node:path';

export interface ShimPaths {
  configDir: string;
  configFile: string;
  configDropInDir: string;
  settingsFile: string;
  stateDir: string;
  cacheDir: string;
  binDir: string;
}

type Env = Readonly<Record<string, string | undefined>>;

// An XDG variable only counts when it holds an absolute path (the spec says to ignore relative ones).
function xdg(env: Env, name: string, home: string, fallback: string): string {
  const value = env[name];
  return value && path.isAbsolute(value) ? value : path.join(home, fallback);
}

/** Returns shim's config, state, cache and link directories for this environment. */
export function resolveShimPaths(env: Env, home: string): ShimPaths {
  const configDir = path.join(xdg(env, 'XDG_CONFIG_HOME', home, '.config'), 'shim');
  const binDir = env.SHIM_BIN_DIR ? path.resolve(home, env.SHIM_BIN_DIR) : path.join(home, '.local', 'bin');
  return {
    configDir,
    configFile: path.join(configDir, 'config.json'),
    configDropInDir: path.join(configDir, 'config.d'),
    settingsFile: path.join(configDir, 'settings.json'),
    stateDir: path.join(xdg(env, 'XDG_STATE_HOME', home, '.local/state'), 'shim'),
    cacheDir: path.join(xdg(env, 'XDG_CACHE_HOME', home, '.cache'), 'shim'),
    binDir,
  };
}
