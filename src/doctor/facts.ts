// `shim doctor`, the fact gathering: asks the runtime (`version`, `info`, whether the image exists),
// the OCI runtime (`runc --version` when the runtime does not say), /sys/fs/cgroup, the bin dir and
// PATH, and the config loader. Never throws for a missing or broken runtime: that is a fact too.
// Every decision is made in src/doctor/checks.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/with-config-files.js';
import { displayFile, listToolNames } from '../config/merge.js';
import { listConfigFiles } from '../config/files.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { imageExistsArgv } from '../plan/image-plan.js';
import { RESERVED, firstOnPath, onPath, pointsAtShim, realOrSelf } from '../commands/links.js';
import { detectRuntime, findOnPath } from '../runtime/detect.js';
import { runCaptured, type Captured } from '../runtime/exec.js';
import { loadImageChoice } from '../runtime/image.js';
import { egressSelfTest } from './egress-self-test.js';
import { sessionTerminalTest } from './session-self-test.js';
import { loadPackageFacts } from './package-facts.js';
import { loadEngineConfig } from '../facts/engine-config.js';
import type { CgroupVersion, ConfigProblemFacts, DoctorFacts, ImageFacts, OciRuntimeFacts, RuntimeFacts, ToolLinkFacts } from './model.js';

// Names a tool link may not take (as in src/commands/links.ts): `shim up` never links them.

export interface GatherOptions {
  /** Where the cgroup file system is mounted (tests point it elsewhere). */
  cgroupRoot?: string;
}

/** cgroup v2 when <root>/cgroup.controllers exists (the unified hierarchy), else v1; undefined when unreadable. */
export function readCgroupVersion(root = '/sys/fs/cgroup'): CgroupVersion | undefined {
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return 'v2';
  return fs.existsSync(root) ? 'v1' : undefined;
}

export type Run = (file: string, argv: readonly string[]) => Promise<Captured | { error: string }>;

/** Runs a command and captures its output; a spawn failure is a value, never a throw. */
export function runner(env: Record<string, string>): Run {
  return async (file, argv) => {
    try {
      return await runCaptured({ file, argv, env });
    } catch (e) {
      return { error: (e as Error).message };
    }
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim());
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function failureText(out: Captured | { error: string }): string {
  if ('error' in out) return out.error;
  return (out.stderr || out.stdout).trim() || `exit ${out.exitCode}`;
}

/** Facts from `podman version` and `podman info` (JSON). */
export function podmanFacts(versionJson: unknown, infoJson: unknown): Omit<Extract<RuntimeFacts, { found: true }>, 'found' | 'name' | 'path'> {
  const version = obj(versionJson);
  const host = obj(obj(infoJson)?.host);
  const oci = obj(host?.ociRuntime);
  const cgroup = str(host?.cgroupVersion);
  const controllers = host?.cgroupControllers;
  const rootless = obj(host?.security)?.rootless;
  return {
    ...optional('version', str(obj(version?.Server)?.Version) ?? str(obj(version?.Client)?.Version) ?? str(obj(version)?.Version)),
    ...optional('rootless', typeof rootless === 'boolean' ? rootless : undefined),
    ...optional<'cgroupVersion', CgroupVersion>('cgroupVersion', cgroup === 'v1' || cgroup === 'v2' ? cgroup : undefined),
    ...optional('cgroupControllers', Array.isArray(controllers) ? controllers.filter((c): c is string => typeof c === 'string') : undefined),
    ...optional('oci', oci ? ({ ...optional('name', str(oci.name)), ...optional('version', str(oci.version)), ...optional('path', str(oci.path)), source: 'podman info' }) : undefined),
  };
}

/** Facts from `docker version` and `docker info` (both `--format '{{json .}}'`). */
export function dockerFacts(versionJson: unknown, infoJson: unknown): Omit<Extract<RuntimeFacts, { found: true }>, 'found' | 'name' | 'path'> {
  const version = obj(versionJson);
  const server = obj(version?.Server);
  const info = obj(infoJson);
  const security = Array.isArray(info?.SecurityOptions) ? (info.SecurityOptions as unknown[]).filter((s): s is string => typeof s === 'string') : undefined;
  const cgroup = String(info?.CgroupVersion ?? '');
  const defaultRuntime = str(info?.DefaultRuntime);
  const runtimes = obj(info?.Runtimes);
  const runtimePath = defaultRuntime ? str(obj(runtimes?.[defaultRuntime])?.path) : undefined;
  // docker version lists the runc it runs with; docker info has the runc commit (e.g. v1.1.12-0-g51d5e94)
  const components = Array.isArray(server?.Components) ? (server.Components as unknown[]).map(obj) : [];
  const runcComponent = components.find((c) => str(c?.Name)?.toLowerCase() === 'runc');
  const runcCommit = str(obj(info?.RuncCommit)?.ID);
  let oci: OciRuntimeFacts | undefined;
  const name = defaultRuntime && !/^(runc|io\.containerd\.runc\.v\d+)$/.test(defaultRuntime) ? (runtimePath ? path.basename(runtimePath) : defaultRuntime) : 'runc';
  if (name !== 'runc') oci = { name, source: 'docker info', ...optional('path', runtimePath) };
  else if (str(runcComponent?.Version)) oci = { name: 'runc', version: str(runcComponent!.Version)!, source: 'docker version', ...optional('path', runtimePath) };
  else if (runcCommit && /\d+\.\d+\.\d+/.test(runcCommit)) oci = { name: 'runc', version: runcCommit, source: 'docker info', ...optional('path', runtimePath) };
  else oci = { name: 'runc', source: 'docker info', ...optional('path', runtimePath) };
  const memory = info?.MemoryLimit;
  const pids = info?.PidsLimit;
  return {
    ...optional('version', str(server?.Version) ?? str(info?.ServerVersion) ?? str(obj(version?.Client)?.Version)),
    ...optional('rootless', security ? security.some((s) => /(^|,)name=rootless(,|$)/.test(s)) : undefined),
    ...optional<'cgroupVersion', CgroupVersion>('cgroupVersion', cgroup === '1' ? 'v1' : cgroup === '2' ? 'v2' : undefined),
    ...optional('limitsSupported', typeof memory === 'boolean' && typeof pids === 'boolean' ? memory && pids : undefined),
    oci,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Asks the runtime about itself; finds the OCI runtime's version with `--version` when it did not say. */
async function runtimeFacts(app: App, runtime: RuntimeInfo, run: Run, runtimeHost: HostEnv): Promise<RuntimeFacts> {
  const docker = runtime.name === 'docker';
  const [version, info] = await Promise.all([
    run(runtime.path, docker ? ['version', '--format', '{{json .}}'] : ['version', '--format', 'json']),
    run(runtime.path, docker ? ['info', '--format', '{{json .}}'] : ['info', '--format', 'json']),
  ]);
  const versionJson = 'error' in version ? undefined : parseJson(version.stdout);
  const infoJson = 'error' in info || info.exitCode !== 0 ? undefined : parseJson(info.stdout);
  const base = { found: true as const, name: runtime.name, path: runtime.path };
  const facts = docker ? dockerFacts(versionJson, infoJson) : podmanFacts(versionJson, infoJson);
  if (infoJson === undefined) {
    const error = 'error' in info || info.exitCode !== 0 ? failureText(info) : 'its output is not JSON';
    return { ...base, ...optional('version', facts.version), infoError: error };
  }
  const oci = facts.oci ?? { source: '' };
  if (!oci.name || /runc/.test(oci.name)) {
    const ociPath = oci.path;
    const file = ociPath && path.isAbsolute(ociPath) ? ociPath : findOnPath(ociPath ?? 'runc', runtimeHost, [app.paths.binDir]);
    if (file && !oci.version) {
      const out = await run(file, ['--version']);
      if (!('error' in out) && out.exitCode === 0 && out.stdout.trim()) {
        Object.assign(oci, { version: out.stdout.trim(), source: `${file} --version` });
        oci.name ??= path.basename(file);
      }
    }
    // a distribution's package may carry backported fixes: its changelog names them
    const pkg = file ? await loadPackageFacts(file, run) : undefined;
    if (pkg) oci.package = pkg;
  }
  return { ...base, ...facts, oci };
}

/** shim's image (or the user's) and whether the runtime has it. */
export async function imageFacts(app: App, runtime: RuntimeInfo | undefined, usable: boolean, run: Run, settings: ReturnType<App['config']>['settings']): Promise<ImageFacts> {
  let choice;
  try {
    choice = loadImageChoice({ host: app.host, settings }).choice;
  } catch (e) {
    return { ref: '', managed: true, source: 'recipe', error: (e as Error).message };
  }
  const facts: ImageFacts = { ref: choice.ref, managed: choice.managed, source: choice.source };
  if (!runtime || !usable) return facts;
  const out = await run(runtime.path, imageExistsArgv(runtime, choice.ref));
  if (!('error' in out)) facts.present = out.exitCode === 0;
  return facts;
}

/** The state of <bin dir>/<name> and what PATH resolves the name to. */
export function toolLinkFacts(name: string, binDir: string, host: Pick<HostEnv, 'shimEntry' | 'env'>): ToolLinkFacts {
  const file = path.join(binDir, name);
  const facts: ToolLinkFacts = { name, file, kind: 'missing' };
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) {
    const target = fs.readlinkSync(file);
    const real = realOrSelf(file);
    Object.assign(facts, {
      kind: 'link',
      target,
      targetExists: fs.existsSync(file),
      isThisShim: real === host.shimEntry || real === realOrSelf(host.shimEntry),
      pointsAtShim: pointsAtShim(file, target, host.shimEntry),
    });
  } else if (stat) {
    facts.kind = stat.isFile() ? 'file' : 'other';
  }
  const first = firstOnPath(name, host.env.PATH);
  if (first) {
    facts.firstOnPath = first;
    const real = realOrSelf(first);
    facts.firstIsShim = real === host.shimEntry || real === realOrSelf(host.shimEntry);
  }
  return facts;
}


/** Links in the bin dir that point at shim but name no configured tool. */
function strayLinks(binDir: string, configured: ReadonlySet<string>, shimEntry: string): string[] {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(binDir);
  } catch {
    return [];
  }
  return entries.sort().filter((name) => {
    if (configured.has(name) || RESERVED.has(name)) return false;
    const file = path.join(binDir, name);
    if (!fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) return false;
    return pointsAtShim(file, fs.readlinkSync(file), shimEntry);
  });
}

/** The runtime shim would use and what it says about itself (never throws: not found is a fact). */
export async function gatherRuntime(app: App, settings: ReturnType<App['config']>['settings'], run: Run): Promise<{ runtime?: RuntimeInfo; facts: RuntimeFacts }> {
  try {
    const runtime = detectRuntime(app.host, settings, app.paths.binDir);
    return { runtime, facts: await runtimeFacts(app, runtime, run, { ...app.host, env: { ...app.host.env, PATH: app.runtimeEnv().PATH } }) };
  } catch (e) {
    const hint = (e as { hint?: string }).hint;
    return { facts: { found: false, reason: (e as Error).message, ...optional('hint', hint) } };
  }
}

/** Gathers every fact `shim doctor` decides on. */
export async function gatherFacts(app: App, options: GatherOptions = {}): Promise<DoctorFacts> {
  const { binDir, configDir } = app.paths;
  const runtimeEnv = app.runtimeEnv();
  const run = runner(runtimeEnv);

  // the configuration (a broken settings.json must not hide the runtime: detect with empty settings then)
  let config: ReturnType<App['config']> | undefined;
  let configError: string | undefined;
  let configFiles: string[] = [];
  try {
    config = app.config();
    configFiles = listConfigFiles(app.paths).map((f) => displayFile(f, configDir));
  } catch (e) {
    configError = (e as Error).message;
  }
  const settings = config?.settings ?? {};
  const configProblems: ConfigProblemFacts[] = [];
  if (config?.settingsProblem) configProblems.push({ file: displayFile(config.settingsProblem.file, configDir), messages: config.settingsProblem.messages, tools: [], settings: true });
  for (const p of config?.problems ?? []) configProblems.push({ file: displayFile(p.file, configDir), messages: p.messages, tools: p.tools, settings: false });

  const { runtime, facts: rtFacts } = await gatherRuntime(app, settings, run);
  const usable = rtFacts.found && rtFacts.infoError === undefined;
  const image = await imageFacts(app, runtime, usable, run, settings);

  // links and PATH
  const broken = new Set((config?.problems ?? []).flatMap((p) => p.tools));
  // links are made for the user's own tools only (a project file never gets links)
  const tools = config ? listToolNames(config.layers.filter((l) => !l.origin?.startsWith('project:'))).filter((n) => !broken.has(n) && !RESERVED.has(n)) : [];
  const links = tools.map((name) => toolLinkFacts(name, binDir, app.host));

  const hostCgroup = readCgroupVersion(options.cgroupRoot);
  const [egress, sessions] = await Promise.all([egressSelfTest(app.host, app.newRunId()), sessionTerminalTest()]);
  return {
    egress,
    sessions,
    engineConfig: loadEngineConfig(app.host.env, app.host.home, app.host.uid),
    runtime: rtFacts,
    ...optional('hostCgroup', hostCgroup),
    image,
    binDir,
    binDirOnPath: onPath(binDir, app.host.env.PATH),
    links,
    strayLinks: strayLinks(binDir, new Set(listToolNames(config?.layers ?? [])), app.host.shimEntry),
    configFiles,
    configProblems,
    ...optional('configError', configError),
  };
}
