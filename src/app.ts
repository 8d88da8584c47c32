// What every command needs, built once by main.ts: host facts, paths, the reporter, and the config
// and runtime, loaded lazily so commands that need neither (help, --version) stay fast.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { loadConfig, type LoadedConfig } from './config/load.js';
import { displayFile, formatProblem } from './config/merge.js';
import { loadProject, projectWarnings } from './config/project.js';
import { resolveShimPaths, type ShimPaths } from './config/paths.js';
import { ConfigError } from './errors.js';
import type { HostEnv, RuntimeInfo } from './host.js';
import { expandMountSource } from './plan/mounts.js';
import type { Reporter } from './report.js';
import { detectRuntime } from './runtime/detect.js';
import { runtimeEnv } from './plan/runtime-env.js';

export interface App {
  host: HostEnv;
  paths: ShimPaths;
  reporter: Reporter;
  /** Output of shim's own commands (list, --version, --dry-run); never used while a tool runs. */
  stdout: (text: string) => void;
  config(): LoadedConfig;
  runtime(): RuntimeInfo;
  /** Environment of the runtime process: the host's own (it needs its config); containers never inherit it. */
  runtimeEnv(): Record<string, string>;
  /** The host CA bundle to add to every container (SHIM_CA_BUNDLE, else settings "ca_bundle"), checked. */
  caBundle(): string | undefined;
  newRunId(): string;
}

export function createApp(host: HostEnv, reporter: Reporter, stdout: (text: string) => void): App {
  const paths = resolveShimPaths(host.env, host.home);
  let config: LoadedConfig | undefined;
  let runtime: RuntimeInfo | undefined;
  const app: App = {
    host,
    paths,
    reporter,
    stdout,
    config: () => (config ??= loadWithProject(host, paths, reporter)),
    runtime: () => (runtime ??= detectRuntime(host, settingsOrThrow(app), paths.binDir)),
    runtimeEnv: () => runtimeEnv(host.env),
    caBundle: () => resolveCaBundle(app),
    newRunId: () => randomBytes(4).toString('hex'),
  };
  return app;
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

/** Settings are needed by every command that runs something: a broken settings.json stops them. */
export function settingsOrThrow(app: App) {
  const { settings, settingsProblem } = app.config();
  if (settingsProblem) {
    throw new ConfigError(formatProblem(settingsProblem, app.paths.configDir), `fix ${displayFile(settingsProblem.file, app.paths.configDir)}`);
  }
  return settings;
}

function resolveCaBundle(app: App): string | undefined {
  const fromEnv = app.host.env.SHIM_CA_BUNDLE;
  const value = fromEnv || settingsOrThrow(app).ca_bundle;
  if (!value) return undefined;
  const where = fromEnv ? 'SHIM_CA_BUNDLE' : 'settings.json: ca_bundle';
  const expanded = expandMountSource(value, app.host.cwd, app.host.home);
  let real: string;
  try {
    real = fs.realpathSync(expanded);
  } catch {
    throw new ConfigError(`${where}: ${expanded} does not exist`, 'point it at a PEM file of CA certificates, or unset it');
  }
  if (!fs.statSync(real).isFile()) throw new ConfigError(`${where}: ${real} is not a file`, 'point it at a PEM file of CA certificates');
  return real;
}
