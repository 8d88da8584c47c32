// Builds the install container for a tool: its own install volume read-write, its backend's registry
// through the egress proxy (no other network), and nothing of the user's: no project mount, no env
// passthrough, no ports.
// The tool's own command never runs here.
import type { ResolvedTool } from '../config/merge.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { buildCaBundleArgs, buildCleanupArgv, buildContainerBaseArgs, seccompProfilePath } from './container.js';
import { baseEnv, buildEnvArgs } from './env.js';
import { cacheVolume, containerName } from './names.js';
import { mountSpec, shellQuote } from './quote.js';
import { INSTALL_DIR } from './run-plan.js';
import { splitToolSpec } from './tool-spec.js';
import { PROXY_FORWARDER, PROXY_MOUNT_DST, planProxy, withProxyEnv, type ProxyPlan } from './egress.js';
import { installHosts } from './install-hosts.js';
import { buildLifelineArgs, lifelineCommand, planLifeline, type LifelinePlan } from './lifeline.js';
import type { InstallLimits } from './limits.js';

/** The helper script baked into the image (containerfiles/install-tool.sh). */
export const INSTALL_HELPER = '/usr/local/libexec/shim/install-tool';

export interface InstallPlan {
  tool: string;
  spec: string;
  runtime: RuntimeInfo;
  argv: string[];
  display: string;
  containerName: string;
  cleanupArgv: string[];
  /** The registry proxy to start before the container: installs reach only their registries. */
  proxy: ProxyPlan;
  /** Held while the container runs: the container ends when shim is gone (plan/lifeline.ts). */
  lifeline: LifelinePlan;
  /** The install's limits (plan/limits.ts resolveInstallLimits): its timeout is enforced by shim. */
  limits?: InstallLimits;
}

export interface InstallInputs {
  tool: ResolvedTool;
  host: HostEnv;
  runtime: RuntimeInfo;
  image: string;
  caBundle?: string;
  runId: string;
  /** The setup the install belongs to (names.ts buildSetupId): its container's label, its cache's name. */
  setup: string;
  /** The exact spec to install: the config's spec when resolving, else the locked version. */
  installSpec: string;
  /** Written into the volume's manifest; runs compare it. */
  installId: string;
  /** The tool's install volume (names.ts toolVolume), recorded in the lock file with the install. */
  volume: string;
  /** mise's minimum release age for this install ("" for none). */
  minReleaseAge: string;
  /** Memory, CPU and process limits and the timeout (resolveInstallLimits). */
  limits?: InstallLimits;
  /** settings.json "install_hosts", which replaces the backend's registry. */
  installHosts?: readonly string[];
  /** Companion npm packages to install, exactly as npm should get them (the config's specs when
   *  resolving, else the locked versions). */
  packages?: readonly string[];
  /** npm's --before for companions that resolve (an ISO date from the minimum release age). */
  npmBefore?: string;
}

/** Builds the runtime command that installs a tool's mise spec into its volume. */
export function buildInstallPlan(input: InstallInputs): InstallPlan {
  const { tool, runtime, host } = input;
  const name = containerName('install', tool.name, input.runId);
  const proxy = planProxy(host, `${tool.name} (install)`, installHosts(tool.name, tool.tool, input.installHosts, tool.install_hosts), input.runId);
  const lifeline = planLifeline(host, input.runId);
  // lists for the helper, one entry per line (package specs and names never hold line breaks)
  const helperEnv: Record<string, string> = {
    ...(input.packages?.length ? { SHIM_PACKAGES: input.packages.join('\n') } : {}),
    ...(tool.install_scripts.length ? { SHIM_INSTALL_SCRIPTS: tool.install_scripts.join('\n') } : {}),
    ...(input.npmBefore && input.packages?.length ? { SHIM_NPM_BEFORE: input.npmBefore } : {}),
  };
  const argv = [
    ...buildContainerBaseArgs(runtime, name, tool.name, input.runId, undefined, seccompProfilePath(host), input.setup),
    ...(input.limits?.args ?? []),
    // rootless podman: container root is the invoking user, who owns the volume; others: the user's uid
    ...(runtime.rootless ? [] : ['--user', `${host.uid}:${host.gid}`]),
    '--network',
    'none',
    '--mount',
    mountSpec(['type=volume', `src=${input.volume}`, `dst=${INSTALL_DIR}`]),
    '--mount',
    mountSpec(['type=volume', `src=${cacheVolume(tool.name, input.setup)}`, `dst=${INSTALL_DIR}/cache`]),
    ...buildCaBundleArgs(input.caBundle),
    '--mount',
    mountSpec(['type=bind', `src=${proxy.socketDir}`, `dst=${PROXY_MOUNT_DST}`, 'ro']),
    ...buildLifelineArgs(lifeline),
    '--workdir',
    '/tmp', // never a project directory: mise must not read a project's mise.toml here
    ...buildEnvArgs({ ...withProxyEnv(baseEnv([], Boolean(input.caBundle))), ...helperEnv }),
    input.image,
    ...lifelineCommand(),
    PROXY_FORWARDER,
    INSTALL_HELPER,
    input.installSpec,
    splitToolSpec(tool.tool).name,
    input.installId,
    input.minReleaseAge,
  ];
  return {
    tool: tool.name,
    spec: tool.tool,
    runtime,
    argv,
    display: shellQuote([runtime.path, ...argv]),
    containerName: name,
    cleanupArgv: buildCleanupArgv(name),
    proxy,
    lifeline,
    ...(input.limits ? { limits: input.limits } : {}),
  };
}

/** What the install helper reports (its manifest), the last line of its stdout. */
export interface InstallOutput {
  version: string;
  binPaths: string[];
  /** The commands the package provides (the names in its bin directories). */
  commands: string[];
  /** Companion packages as installed: name → version. */
  packages: Record<string, string>;
  /** Packages with install scripts that did not run (not in install_scripts). */
  skippedScripts: string[];
  /** Companions resolved older than their newest version, whose peer range did not accept the tool's. */
  packageChoices: PackageChoice[];
}

export interface PackageChoice {
  name: string;
  version: string;
  newest: string;
  /** What the newest version needs, e.g. "stylelint ^18.0.0". */
  newestNeeds: string;
}

// names, versions and ranges only: what a registry sent is never printed as it came (no escapes)
const PLAIN = /^[\w.@/^~<>=|*+ -]{1,200}$/;
const isChoice = (c: unknown): c is PackageChoice =>
  typeof c === 'object' && c !== null && ['name', 'version', 'newest', 'newestNeeds'].every((k) => typeof (c as Record<string, unknown>)[k] === 'string' && PLAIN.test((c as Record<string, string>)[k]!));

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Parses the helper's last stdout line (its manifest as JSON), or returns undefined when it is malformed. */
export function parseInstallOutput(stdout: string): InstallOutput | undefined {
  const line = stdout.replace(/\n+$/, '').split('\n').pop() ?? '';
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof m?.version !== 'string' || !m.version || !strings(m.binPaths)) return undefined;
  const packages = m.packages && typeof m.packages === 'object' ? (m.packages as Record<string, string>) : {};
  return {
    version: m.version,
    binPaths: m.binPaths.filter(Boolean),
    commands: strings(m.commands) ? m.commands : [],
    packages,
    skippedScripts: strings(m.skippedScripts) ? m.skippedScripts : [],
    packageChoices: Array.isArray(m.packageChoices) ? m.packageChoices.filter(isChoice) : [],
  };
}
