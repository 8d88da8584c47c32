// The App of shim's own commands: createAppWith with the config read and validated from its files
// (and the project's .shim.json). See app.ts.
import { createAppWith, type App } from './app.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { loadProject } from '../config/project.js';
import { projectWarnings } from '../config/project-state.js';
import type { ShimPaths } from '../config/paths.js';
import type { HostEnv } from '../host.js';
import type { Reporter } from '../report.js';

export { settingsOrThrow, type App } from './app.js';

export function createApp(host: HostEnv, reporter: Reporter, stdout: (text: string) => void): App {
  return createAppWith(host, reporter, stdout, (paths) => loadWithProject(host, paths, reporter));
}

/** The user's config files, then the project's .shim.json on top (whole when trusted, else only what
 *  narrows); its warnings are printed once, when the config is first loaded. Settings never come
 *  from a project. */
export function loadWithProject(host: HostEnv, paths: ShimPaths, reporter: Reporter): LoadedConfig {
  const config = loadConfig(paths);
  const project = loadProject(
    { cwd: host.cwd, home: host.home, uid: host.uid, stateDir: paths.stateDir, settings: config.settingsProblem ? {} : config.settings, configDir: paths.configDir },
    config.layers,
  );
  if (!project) return config;
  for (const warning of projectWarnings(project.state)) reporter.warn(warning);
  return {
    ...config,
    layers: project.layer ? [...config.layers, project.layer] : config.layers,
    problems: project.problem ? [...config.problems, project.problem] : config.problems,
    project: project.state,
  };
}
