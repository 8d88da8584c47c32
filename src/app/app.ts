// What every command needs, built once by main.ts: host facts, paths, the reporter, and the config
// and runtime, loaded lazily so commands that need neither (help, --version) stay fast. How the config
// is loaded is given by the caller (with-config-files.ts validates the files; a tool link may use its
// cache, with-config-cache.ts), so this module never loads the schema validator itself.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import { displayFile, formatProblem } from '../config/merge.js';
import { resolveShimPaths, type ShimPaths } from '../config/paths.js';
import { ConfigError } from '../errors.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { expandMountSource } from '../path-helpers.js';
import type { Reporter } from '../report.js';
import { detectRuntime } from '../runtime/detect.js';
import { runtimeEnv } from '../plan/runtime-env.js';
import path from 'node:path';
import { loadEngineConfig } from '../facts/engine-config.js';
import { checkPodmanConfig, planDockerConfig, type EngineConfigFacts } from '../plan/engine-config.js';
import { applyDockerConfig } from '../runtime/engine-config.js';

export interface App {
  host: HostEnv;
  paths: ShimPaths;
  reporter: Reporter;
  /** Output of shim's own commands (list, --version, --dry-run); never used while a tool runs. */
  stdout: (text: string) => void;
  config(): LoadedConfig;
  runtime(): RuntimeInfo;
  /** Environment of the runtime process: the host's own (it needs its config), with docker's client
   *  config replaced by one without `proxies` when it has them; containers never inherit it. */
  runtimeEnv(): Record<string, string>;
  /** The host CA bundle to add to every container (SHIM_CA_BUNDLE, else settings "ca_bundle"), checked. */
  caBundle(): string | undefined;
  newRunId(): string;
}

/** Builds the App; `load` reads the config the first time a command needs it. */
export function createAppWith(host: HostEnv, reporter: Reporter, stdout: (text: string) => void, load: (paths: ShimPaths) => LoadedConfig): App {
  const paths = resolveShimPaths(host.env, host.home);
  let config: LoadedConfig | undefined;
  let runtime: RuntimeInfo | undefined;
  let engine: EngineConfigFacts | undefined;
  let env: Record<string, string> | undefined;
  const engineConfig = () => (engine ??= loadEngineConfig(host.env, host.home, host.uid));
  const app: App = {
    host,
    paths,
    reporter,
    stdout,
    config: () => (config ??= load(paths)),
    runtime: () => (runtime ??= checkedRuntime(detectRuntime(host, settingsOrThrow(app), paths.binDir), engineConfig())),
    runtimeEnv: () => (env ??= runtimeEnvWith(host.env, engineConfig(), paths.stateDir)),
    caBundle: () => resolveCaBundle(app),
    newRunId: () => randomBytes(4).toString('hex'),
  };
  return app;
}

/** The runtime, unless its own configuration would add to shim's containers (then a ConfigError). */
function checkedRuntime(runtime: RuntimeInfo, engine: EngineConfigFacts): RuntimeInfo {
  if (runtime.name === 'podman') checkPodmanConfig(engine.podman);
  return runtime;
}

/** The runtime's environment; writes the docker client config shim owns when the user's has proxies. */
function runtimeEnvWith(env: HostEnv['env'], engine: EngineConfigFacts, stateDir: string): Record<string, string> {
  const docker = planDockerConfig(engine.docker, path.join(stateDir, 'docker-config'));
  if (docker) applyDockerConfig(docker);
  return runtimeEnv(env, docker ? { DOCKER_CONFIG: docker.dir } : {});
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
