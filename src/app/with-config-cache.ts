// The App of a tool link. With a current config cache it never loads the schema validator (or the CLI
// parser, which no link loads); otherwise it loads and validates the files as every command does and
// refreshes the cache for the next call.
import { createAppWith, type App } from './app.js';
import { configStamp, readCachedConfig, writeCachedConfig } from '../config/config-cache.js';
import type { HostEnv } from '../host.js';
import type { Reporter } from '../report.js';
import { resolveShimPaths } from '../config/paths.js';

export async function createLinkApp(host: HostEnv, reporter: Reporter, stdout: (text: string) => void): Promise<App> {
  const cached = readCachedConfig(resolveShimPaths(host.env, host.home), host.version, host.cwd, host.home);
  if (cached) return createAppWith(host, reporter, stdout, () => cached);
  const { loadWithProject } = await import('./with-config-files.js');
  return createAppWith(host, reporter, stdout, (paths) => {
    // stamped before reading: a file that changes during the load makes the next call miss
    const stamp = configStamp(paths, host.version);
    const config = loadWithProject(host, paths, reporter);
    writeCachedConfig(paths, stamp, config);
    return config;
  });
}
