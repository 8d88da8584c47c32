// The install phase: installs a tool into its own volume in a container that reaches only its
// registry (through the egress proxy) and nothing of the user's, once; concurrent first runs wait for
// that one install. The result is recorded in the volume (manifest.json) and in the lock file.
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import { RuntimeError } from '../errors.js';
import { envFlag, type HostEnv, type RuntimeInfo } from '../host.js';
import { withLock } from '../lock.js';
import { DEFAULT_MIN_RELEASE_AGE, INSTALL_OUTPUT_KEEP_BYTES, releaseAgeMs } from '../defaults.js';
import type { Settings } from '../config/schema.js';
import { resolveInstallLimits, type InstallLimits } from '../plan/limits.js';
import { limitsEnforceable } from '../runtime/detect.js';
import { buildInstallPlan, parseInstallOutput } from '../plan/install-plan.js';
import { volumeMountpointArgv } from '../plan/volume-plan.js';
import { cacheVolume, toolVolume } from '../plan/names.js';
import type { Reporter } from '../report.js';
import { runCaptured, type Captured } from '../runtime/exec.js';
import { startEgressProxy } from '../runtime/egress-proxy.js';
import { describeCertificateFailure, describePeerConflict } from './failure-hint.js';
import { ensureVolume } from './volumes.js';
import { readLockFile, updateLockFile, type LockedTool, type RuntimeInstall } from './lockfile.js';
import { buildInstallKey, findSharedInstall, updateSharers, type ShareNeeds } from './share.js';
import { checkManifest, installState, lockedSpec, packagesToInstall, type InstallState } from './state.js';

export interface InstallContext {
  host: HostEnv;
  stateDir: string;
  /** The setup (names.ts buildSetupId): the install's label and its volumes' owner. */
  setup: string;
  runtime: RuntimeInfo;
  runtimeEnv: Record<string, string>;
  image: string;
  caBundle?: string;
  globalMinReleaseAge?: string;
  /** settings.json "install_hosts" (replaces the backend's registry). */
  installHosts?: readonly string[];
  /** What the install's limits follow: the profile, best effort, the install timeout. */
  settings?: Pick<Settings, 'profile' | 'limits_best_effort' | 'install_timeout'>;
  reporter: Reporter;
  newRunId: () => string;
}

export interface InstallOptions {
  /** Reinstall the locked version even when installed. */
  force?: boolean;
  /** Resolve the config's spec again (a newer version may be picked). */
  upgrade?: boolean;
}

export interface InstallOutcome {
  install: RuntimeInstall;
  version: string;
  /** The locked version before this call, when an install replaced it. */
  previous?: string;
  installed: boolean;
}

/** The tool's minimum release age ("" for none). */
function releaseAge(ctx: InstallContext, tool: ResolvedTool): string {
  const age = tool.min_release_age ?? ctx.globalMinReleaseAge ?? DEFAULT_MIN_RELEASE_AGE;
  return age === '0' ? '' : age;
}

/** What to install: the tool's spec (resolving or exact) and its companions (resolving or locked). */
interface InstallRequest {
  spec: string;
  resolves: boolean;
  packages: string[];
  packagesResolve: boolean;
  why: string;
}

async function install(ctx: InstallContext, tool: ResolvedTool, req: InstallRequest) {
  const installId = ctx.newRunId() + ctx.newRunId();
  const age = releaseAge(ctx, tool);
  // an exact locked version was already vetted when it was picked; companions that resolve get npm's
  // --before, the same age as a date (mise's own minimum does not reach them)
  const npmBefore = age && req.packagesResolve ? new Date(Date.now() - releaseAgeMs(age, Date.now())).toISOString() : undefined;
  const limits = resolveInstallLimits(tool, ctx.settings ?? {}, limitsEnforceable(ctx.runtime));
  for (const w of limits.warnings) ctx.reporter.warn(w);
  const volume = toolVolume(tool.name, tool.tool, ctx.setup);
  const labels = { setup: ctx.setup, tool: tool.name };
  await ensureVolume({ path: ctx.runtime.path, env: ctx.runtimeEnv }, volume, labels);
  await ensureVolume({ path: ctx.runtime.path, env: ctx.runtimeEnv }, cacheVolume(tool.name, ctx.setup), labels);
  const plan = buildInstallPlan({
    tool, host: ctx.host, runtime: ctx.runtime, image: ctx.image, caBundle: ctx.caBundle, runId: ctx.newRunId(), setup: ctx.setup,
    installSpec: req.spec, installId, volume, minReleaseAge: req.resolves ? age : '',
    limits,
    ...(ctx.installHosts ? { installHosts: ctx.installHosts } : {}),
    packages: req.packages,
    ...(npmBefore ? { npmBefore } : {}),
  });
  const { spec, why } = req;
  const debug = envFlag(ctx.host.env, 'SHIM_DEBUG');
  if (debug) ctx.reporter.info(`install command: ${plan.display}`);
  ctx.reporter.info(`installing ${tool.name} (${spec}, ${why})…`);
  const proxy = startEgressProxy(plan.proxy, {
    onDenied: (_message, d) =>
      ctx.reporter.warn(
        `the install of ${tool.name} may not reach ${d.host}:${d.port} (it reaches only ${plan.proxy.allowedHosts.join(', ')}); if its install scripts need that host, add "install_hosts": [${JSON.stringify(d.host)}] to ${tool.name}`,
      ),
    onFailed: (message) => ctx.reporter.error(message, 'run the install again'),
    ...(debug ? { onDecision: (d) => ctx.reporter.info(`install egress ${d.action} ${d.host}:${d.port}${d.reason ? ` (${d.reason})` : ''}`) } : {}),
  });
  let out: Awaited<ReturnType<typeof runCaptured>>;
  try {
    out = await runCaptured({ file: ctx.runtime.path, argv: plan.argv, env: ctx.runtimeEnv }, plan.cleanupArgv, plan.lifeline, {
      timeoutMs: plan.limits?.timeoutMs,
      keepBytes: INSTALL_OUTPUT_KEEP_BYTES,
    });
  } finally {
    await proxy.stop();
  }
  const parsed = out.exitCode === 0 && !out.timedOut ? parseInstallOutput(out.stdout) : undefined;
  if (!parsed) {
    ctx.reporter.raw(out.stderr.trim().split('\n').slice(-30).join('\n'));
    const failure = { tool, spec, exitCode: out.exitCode, output: `${out.stderr}\n${out.stdout}`, caBundle: ctx.caBundle };
    const known = describeCertificateFailure(failure) ?? describePeerConflict(failure);
    if (known) throw new RuntimeError(...known);
    throw installFailure(tool, spec, out, plan.limits);
  }
  const where = await runCaptured({ file: ctx.runtime.path, argv: volumeMountpointArgv(volume), env: ctx.runtimeEnv });
  const mountpoint = where.exitCode === 0 && where.stdout.trim().startsWith('/') ? where.stdout.trim() : undefined;
  const record: RuntimeInstall = {
    image: ctx.image,
    installId,
    volume,
    binPaths: parsed.binPaths,
    ...(mountpoint ? { mountpoint } : {}),
    commands: parsed.commands,
    ...(parsed.skippedScripts.length ? { skippedScripts: parsed.skippedScripts } : {}),
  };
  for (const c of parsed.packageChoices) {
    ctx.reporter.info(`${tool.name}: package ${c.name} ${c.version}, the newest that accepts ${tool.tool} at ${parsed.version} (${c.newest} needs ${c.newestNeeds})`);
  }
  if (parsed.skippedScripts.length) {
    ctx.reporter.info(`${tool.name}: install scripts not run (none do unless listed in "install_scripts"): ${formatList(parsed.skippedScripts)}`);
  }
  return { record, version: parsed.version, packages: parsed.packages };
}

/** What a shared install must hold: the locked version unless the spec resolves again, and the locked
 *  packages unless they resolve again. */
function shareNeeds(req: InstallRequest, locked: LockedTool | undefined): ShareNeeds {
  if (req.resolves || !locked) return {};
  return { version: locked.version, ...(req.packagesResolve ? {} : { packages: locked.packages ?? {} }) };
}

function current(ctx: InstallContext, tool: ResolvedTool): InstallState {
  return installState(readLockFile(ctx.stateDir), tool, ctx.runtime.name, ctx.image);
}

/** Makes sure the tool is installed for this runtime and image, installing only when needed. */
export async function ensureInstalled(ctx: InstallContext, tool: ResolvedTool, options: InstallOptions = {}): Promise<InstallOutcome> {
  const wanted = (s: InstallState) => s.kind === 'ready' && !options.force && !options.upgrade;
  const first = current(ctx, tool);
  if (first.kind === 'ready' && wanted(first)) return { install: first.install, version: first.locked.version, installed: false };
  return withLock(
    path.join(ctx.stateDir, 'locks', `install-${ctx.runtime.name}-${tool.name}`),
    async () => {
      // another shim may have installed it while this one waited
      const state = current(ctx, tool);
      if (state.kind === 'ready' && wanted(state)) return { install: state.install, version: state.locked.version, installed: false };
      const locked = state.locked;
      let req: InstallRequest;
      if (options.upgrade || (state.kind === 'stale' && state.resolves)) {
        const why = options.upgrade ? 'upgrade requested' : (state as { reason: string }).reason;
        req = { spec: tool.tool, resolves: true, packages: [...tool.packages], packagesResolve: true, why };
      } else {
        const packagesResolve = state.kind === 'stale' && Boolean(state.packagesResolve);
        req = {
          spec: state.kind === 'stale' ? state.installSpec : lockedSpec(tool, locked!),
          resolves: false,
          packages: packagesToInstall(tool, locked, packagesResolve),
          packagesResolve,
          why: state.kind === 'stale' ? state.reason : 'reinstall requested',
        };
      }
      const key = buildInstallKey(tool, releaseAge(ctx, tool), ctx.installHosts);
      // the same install made for another tool name is shared, unless an install was asked for
      const shared = options.force || options.upgrade ? undefined : findSharedInstall(readLockFile(ctx.stateDir), tool.name, key, ctx.runtime.name, ctx.image, shareNeeds(req, locked), checkManifest);
      if (shared) ctx.reporter.info(`${tool.name}: shares the install of ${shared.from} (${tool.tool} ${shared.locked.version}, the same spec, packages and install scripts)`);
      const { record, version, packages } = shared ? { record: shared.install, version: shared.locked.version, packages: shared.locked.packages ?? {} } : await install(ctx, tool, req);
      await updateLockFile(ctx.stateDir, (lock) => {
        const prev = lock.tools[tool.name];
        const kept = tool.packages.length ? packages : undefined;
        const sameVersion = prev?.spec === tool.tool && prev.version === version && JSON.stringify(prev.packages ?? {}) === JSON.stringify(kept ?? {});
        lock.tools[tool.name] = {
          spec: tool.tool,
          version,
          ...(kept ? { packageSpecs: [...tool.packages], packages: kept } : {}),
          ...(tool.install_scripts.length ? { installScripts: [...tool.install_scripts] } : {}),
          installKey: key,
          installedAt: new Date().toISOString(),
          image: ctx.image,
          // other runtimes keep their copies only while they hold the same version
          installs: { ...(sameVersion ? prev.installs : {}), [ctx.runtime.name]: record },
        };
        if (!shared) updateSharers(lock, tool.name, ctx.runtime.name, record, version, kept);
      });
      return { install: record, version, installed: !shared, ...(locked && locked.version !== version ? { previous: locked.version } : {}) };
    },
    () => ctx.reporter.info(`waiting for another shim to finish installing ${tool.name}…`),
  );
}

/** The error for an install that did not produce its manifest: stopped by the timeout, killed (perhaps
 *  by its memory limit), or failed. */
function installFailure(tool: ResolvedTool, spec: string, out: Captured, limits: InstallLimits | undefined): RuntimeError {
  const retry = `run "shim install ${tool.name}" to retry`;
  if (out.timedOut) {
    return new RuntimeError(
      `installing ${tool.name} (${spec}) did not finish within ${limits?.timeout} (the install timeout) and was stopped; its last output is above`,
      `check that the package registry is reachable and that its install scripts do not wait for something; if it really needs longer, raise "install_timeout" in settings.json ("0" for no limit), then ${retry}`,
    );
  }
  const cut = out.truncated ? ' (only its last output was kept)' : '';
  if (out.exitCode === 137 && limits?.memory) {
    return new RuntimeError(
      `installing ${tool.name} (${spec}) was killed (SIGKILL, exit 137), possibly out of memory (limit ${limits.memory}); its output is above${cut}`,
      `if the install needs more memory, raise "limits": {"memory": …} for ${tool.name} (installs get the tool's limits), then ${retry}`,
    );
  }
  return new RuntimeError(
    `installing ${tool.name} (${spec}) failed (exit ${out.exitCode}); its output is above${cut}`,
    `check the spec "${tool.tool}" and that the package registry is reachable; ${retry}`,
  );
}

/** At most five names, then how many more. */
function formatList(names: readonly string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}
