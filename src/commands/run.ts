// `shim run <tool> [args…]` and every tool link: resolve the tool, make sure its image and install
// exist, build the run plan, and run it in the foreground. The tool's exit status is returned as-is.
import { settingsOrThrow, type App } from '../app/app.js';
import { resolveTool, type ResolvedTool } from '../config/merge.js';
import { TOOL_NAME_RE } from '../config/names.js';
import { appendAudit } from '../audit/log.js';
import { auditRecord } from '../audit/from-run.js';
import type { PreparedRun } from '../runtime/prepared-run.js';
import type { AuditEgress } from '../audit/record.js';
import { UsageError } from '../errors.js';
import { deferReporter } from '../report.js';
import { envFlag } from '../host.js';
import { ensureInstalled, type InstallContext } from '../install/ensure.js';
import { prepareNamedVolumes } from '../install/named-volumes.js';
import { readLockFile } from '../install/lockfile.js';
import { gatherRunFacts, type RunFacts } from '../facts/run-facts.js';
import { planMounts } from '../plan/mount-policy.js';
import { buildRunPlan, type RunPlan } from '../plan/run-plan.js';
import { runCaptured, runForeground, signalName, type ForegroundResult } from '../runtime/exec.js';
import { keeperSignals } from '../runtime/keeper-call.js';
import { resolveWarm } from '../plan/warm.js';
import { toolVolume } from '../plan/names.js';
import { setupOf } from '../facts/setup.js';
import { noteWarmCallEnded, prepareWarmCall } from '../runtime/warm.js';
import { withPassedEnv } from '../plan/runtime-env.js';
import { limitsEnforceable } from '../runtime/detect.js';
import { formatKilled } from '../plan/oom.js';
import { askOomKilled } from '../runtime/oom.js';
import { resolveLimits, type ResolvedLimits } from '../plan/limits.js';
import { ensureImage, forgetImage, loadImageChoice, type ImageContext } from '../runtime/image.js';
import { imageExistsArgv } from '../plan/image-plan.js';
import { startEgressProxy } from '../runtime/egress-proxy.js';
import type { ProxyPlan } from '../plan/egress.js';
import { snapshotBeforeRun } from './snapshot.js';
import { pathInCopy, planWorktreeMounts, type WorktreeMountInput } from '../worktree/plan.js';
import { checkAfterRun, watchRun, type RunWatch } from '../snapshot/after-run.js';
import { snapshotStoreDir } from '../snapshot/store.js';
import { withPortForward } from './run-ports.js';
import { scriptHintFor } from '../plan/script-hint.js';

const debug = (app: App) => envFlag(app.host.env, 'SHIM_DEBUG');

/** Exit status 124 after a timeout; names the limit when the tool was stopped by one. `oomKilled`: what
 *  the runtime said about a 137 under a memory limit (askOomKilled). */
function judgeOutcome(app: App, name: string, result: ForegroundResult, limits: ResolvedLimits | undefined, oomKilled = false): { status: number; limitsHit: string[] } {
  const limitsHit: string[] = [];
  if (result.outputCut) limitsHit.push('output');
  if (result.timedOut) {
    limitsHit.push('timeout');
    app.reporter.error(`${name} timed out after ${limits?.timeout} and was stopped`, 'raise "limits": {"timeout": …} for this tool, or set it to "0"');
    return { status: 124, limitsHit };
  }
  if (result.containerGone) {
    app.reporter.error(`${name} was killed: its warm container was stopped during the call (shim stop, or the runtime removed it)`, 'run the command again: it starts a new one');
    return { status: result.status, limitsHit };
  }
  if (result.status === 137 && limits?.memory && !limits.unenforced.length) {
    if (oomKilled) limitsHit.push('oom');
    app.reporter.error(formatKilled(name, limits.memory, oomKilled), 'raise "limits": {"memory": …} for this tool if it really needs more');
  }
  return { status: result.status, limitsHit };
}

/** Refuses names that could never be a tool (path separators, leading "-", empty…), everywhere. */
export function checkToolName(name: string): void {
  if (!TOOL_NAME_RE.test(name)) {
    throw new UsageError(
      `invalid tool name ${JSON.stringify(name)}`,
      'tool names are letters, digits and . _ + -, start with a letter or digit, and are at most 64 characters',
    );
  }
}

export function imageContext(app: App): ImageContext {
  return { host: app.host, paths: app.paths, settings: settingsOrThrow(app), runtime: app.runtime(), runtimeEnv: app.runtimeEnv(), reporter: app.reporter };
}

export function installContext(app: App, ctx: ImageContext, image: string): InstallContext {
  return {
    host: app.host,
    stateDir: app.paths.stateDir,
    setup: setupOf(app),
    runtime: ctx.runtime,
    runtimeEnv: ctx.runtimeEnv,
    image,
    caBundle: app.caBundle(),
    globalMinReleaseAge: ctx.settings.min_release_age,
    ...(ctx.settings.install_hosts ? { installHosts: ctx.settings.install_hosts } : {}),
    settings: ctx.settings,
    reporter: app.reporter,
    newRunId: app.newRunId,
  };
}

function planFor(
  app: App,
  tool: ResolvedTool,
  image: string,
  binPaths: readonly string[],
  args: readonly string[],
  facts: RunFacts = gatherRunFacts(tool, app.host, app.paths),
  commands?: readonly string[],
  volume = toolVolume(tool.name, tool.tool, setupOf(app)),
  session?: { name: string },
  worktree?: WorktreeMountInput,
): RunPlan {
  const planned = planMounts({ tool: tool.name, gitWritable: tool.git_writable, mounts: facts.mountSources, protectedPaths: facts.protectedPaths, root: facts.root.path, home: facts.home });
  // a worktree session: the project's mounts show its copy instead (checked above as the project itself)
  const mounts = worktree ? planWorktreeMounts(tool.name, planned, worktree) : planned;
  const runtime = app.runtime();
  const settings = settingsOrThrow(app);
  const limits = resolveLimits(tool, settings, limitsEnforceable(runtime));
  const warm = resolveWarm(tool, settings);
  return buildRunPlan({ tool, host: app.host, runtime, image, binPaths, volume, mounts, cwd: worktree ? pathInCopy(facts.cwd, worktree) : facts.cwd, project: facts.root, absentCredentials: facts.absentCredentials, ...(commands ? { commands } : {}), caBundle: app.caBundle(), args, runId: app.newRunId(), setup: setupOf(app), limits, ...(warm ? { warm } : {}), ...(session ? { session } : {}) });
}

/** After the runtime failed to start the tool (125/127), finds out whether shim's own state is stale. */
async function diagnoseLaunchFailure(app: App, ctx: ImageContext, image: string): Promise<void> {
  const exists = await runCaptured({ file: ctx.runtime.path, argv: imageExistsArgv(ctx.runtime, image), env: ctx.runtimeEnv });
  if (exists.exitCode === 0) return;
  forgetImage(ctx);
  app.reporter.error(`the image ${image} is gone (removed outside shim)`, 'run the command again: shim rebuilds it (installed tools are kept)');
}

/** Resolves the tool, builds the image and installs the tool when needed (after a fail-fast plan),
 *  and plans with the install's bin dirs. Shared by the CLI, tool links and `shim mcp`. */
export async function prepareRun(app: App, name: string, args: readonly string[], options: { session?: { name: string }; worktree?: WorktreeMountInput } = {}): Promise<PreparedRun> {
  checkToolName(name);
  const tool = resolveTool(name, app.config(), app.paths.configDir);
  const ctx = imageContext(app);
  // when an image build or an install may come first, plan once before it, so a bad config fails fast
  // and costs nothing; a tool installed for this spec (the hot path) is planned only once, below
  const locked = readLockFile(app.paths.stateDir).tools[tool.name];
  if (locked?.spec !== tool.tool || !locked.installs[ctx.runtime.name]) planFor(app, tool, loadImageChoice(ctx).choice.ref, [], args);
  const image = await ensureImage(ctx);
  const { install, version } = await ensureInstalled(installContext(app, ctx, image), tool);
  await prepareNamedVolumes(tool, { host: app.host, runtime: ctx.runtime, runtimeEnv: ctx.runtimeEnv, stateDir: app.paths.stateDir, setup: setupOf(app), image, reporter: app.reporter });
  const runId = app.newRunId();
  const plan = planFor({ ...app, newRunId: () => runId }, tool, image, install.binPaths, args, undefined, install.commands, install.volume, options.session, options.worktree);
  // "snapshot": true: the tool's writable directories are saved before it can touch them (for a warm
  // call once its container runs: a container that fails to start takes no snapshot)
  const snapshot = async () => {
    const snapshots = tool.snapshot ? await snapshotBeforeRun(app, tool.name, runId, plan.policy.mounts) : [];
    return snapshots.length ? { snapshots } : {};
  };
  const base = { tool, plan, image, version, ctx, skippedScripts: install.skippedScripts ?? [], runId };
  // the values of the plan's bare --env flags go through the runtime's environment, never its argv
  const env = withPassedEnv(ctx.runtimeEnv, plan.passedEnv);
  if (plan.warm) {
    const call = await prepareWarmCall(plan.warm, {
      runtimePath: ctx.runtime.path,
      runtimeEnv: env,
      stateDir: app.paths.stateDir,
      now: Date.now,
      ...(debug(app) ? { onStart: (name: string) => app.reporter.info(`${tool.name}: started warm container ${name} (it stops after ${plan.warm!.idleSeconds} s without a call)`) } : {}),
    });
    // no runtime command: the container's keeper runs the call
    return { ...base, ...(await snapshot()), command: { file: ctx.runtime.path, argv: [], env }, signals: keeperSignals(call.keeperCall), warm: { container: call.container, started: call.started, usedAt: call.usedAt } };
  }
  return { ...base, ...(await snapshot()), command: { file: ctx.runtime.path, argv: plan.argv, env }, signals: plan };
}

/** After a call in a warm container: its end counts as the container's last use. */
export async function warmCallEnded(app: App, run: PreparedRun): Promise<void> {
  if (run.warm && run.plan.warm) await noteWarmCallEnded(app.paths.stateDir, run.plan.warm.key, run.warm.container, run.warm.usedAt, Date.now());
}

/** What the checks after the run compare with, taken just before it (`worktree`: the tool writes its
 *  copy's own .git, so the census before is a full one). */
export function watchOf(app: App, run: PreparedRun, worktree = false): RunWatch {
  const store = snapshotStoreDir(app.host.env, app.host.home);
  return watchRun({ tool: run.tool.name, mounts: run.plan.policy.mounts, runId: run.runId ?? '', snapshots: run.snapshots ?? [], fullCensus: run.tool.git_writable || worktree, store });
}

/** Prints the runtime command a run would use, without building, installing or running anything. */
export function dryRun(app: App, name: string, args: readonly string[], session?: { name: string }): RunPlan {
  checkToolName(name);
  const tool = resolveTool(name, app.config(), app.paths.configDir);
  const ctx = imageContext(app);
  const locked = readLockFile(app.paths.stateDir).tools[tool.name]?.installs[ctx.runtime.name];
  return planFor(app, tool, loadImageChoice(ctx).choice.ref, locked?.binPaths ?? [], args, undefined, locked?.commands, locked?.volume, session);
}

/** Runs `body` with the run's egress proxy up when the plan has one (allow-list mode), and returns what
 *  went through it. shim reports refusals itself, since a tool may turn a 403 into a vague error. */
export async function withEgress<T>(app: App, plan: RunPlan, body: () => Promise<T>): Promise<{ result: T; egress: AuditEgress[] }> {
  const session = plan.proxy ? startEgress(app, plan.proxy) : undefined;
  let result: T;
  try {
    await session?.ready;
    result = await body();
  } catch (e) {
    await session?.stop();
    throw e;
  }
  return { result, egress: (await session?.stop()) ?? [] };
}

function startEgress(app: App, proxy: ProxyPlan) {
  const debug = envFlag(app.host.env, 'SHIM_DEBUG');
  return startEgressProxy(proxy, {
    onDenied: (message) => app.reporter.warn(message),
    onFailed: (message) => app.reporter.error(message, 'run again with SHIM_DEBUG=1 to see the proxy\'s decisions'),
    onWarning: (message) => app.reporter.warn(message),
    ...(debug
      ? { onDecision: (d) => app.reporter.info(`egress ${d.action} ${d.method} ${d.host}:${d.port}${d.address ? ` via ${d.address}` : ''}${d.reason ? ` (${d.reason})` : ''}, ${d.bytesUp} B up, ${d.bytesDown} B down`) }
      : {}),
  }, app.host);
}

/** How much of a tool's stderr is kept to judge whether a skipped install script is to blame. */
const SCRIPT_HINT_TAIL_BYTES = 16 * 1024;

/** After a failed run of a tool whose install skipped some packages' install scripts. */
function skippedScriptsNote(name: string, status: number, skipped: readonly string[]): string {
  const list = skipped.length > 3 ? `${skipped.slice(0, 3).join(', ')} and ${skipped.length - 3} more` : skipped.join(', ');
  return `${name} exited ${status}; its install ran no install scripts of ${list} (shim runs none unless listed): if that is what failed, add "install_scripts": [${JSON.stringify(skipped[0])}] to ${name}`;
}

export async function runTool(app: App, name: string, args: readonly string[], options: { dryRun?: boolean; json?: boolean; via?: 'cli' | 'link'; name?: string } = {}): Promise<number> {
  if (options.json && !options.dryRun) throw new UsageError('--json needs --dry-run (a real run prints the tool\'s own output)', `shim run --dry-run --json ${name}`);
  if (options.dryRun) {
    // with --name: the session's command (its terminal, its container's name)
    const plan = dryRun(app, name, args, options.name ? { name: options.name } : undefined);
    for (const w of plan.warnings) app.reporter.warn(w);
    const warm = plan.warm ? { key: plan.warm.key, idleSeconds: plan.warm.idleSeconds, start: plan.warm.startDisplay, call: plan.warm.callDisplay } : undefined;
    const json = { tool: plan.tool, runtime: plan.runtime.name, command: plan.display, argv: plan.displayArgv, policyHash: plan.policyHash, policy: plan.policy, warm: warm ?? null, warnings: plan.warnings };
    // a warm tool: the container it starts when none is live, then what its keeper runs for each call
    const text = warm ? `# warm: started once (when no container of this policy is live)\n${warm.start}\n# each call: run by the container's keeper over a socket (no runtime command)\n${warm.call}\n` : `${plan.display}\n`;
    // paste-ready: a bare --env NAME takes NAME's value from the environment it runs in
    const bare = Object.keys(plan.passedEnv);
    const note = bare.length ? `# --env without a value (${bare.join(', ')}): the runtime takes the value from its environment, where shim puts it\n` : '';
    const unset = plan.unsetCredentials.map((c) => `# unset: ${c.name} (an optional credential; its source ${c.from} is missing, so the tool does not get it)\n`).join('');
    app.stdout(options.json ? `${JSON.stringify({ ...json, unsetCredentials: plan.unsetCredentials }, null, 2)}\n` : text + note + unset);
    return 0;
  }
  const run = await prepareRun(app, name, args);
  for (const w of run.plan.warnings) app.reporter.warn(w);
  const watch = watchOf(app, run);
  if (debug(app)) {
    if (run.warm) app.reporter.info(`warm call in ${run.warm.container}${run.warm.started ? ' (started by this call)' : ''}, run by its keeper: ${run.plan.warm!.callDisplay}`);
    else app.reporter.info(`run command: ${run.plan.display}${run.plan.coldReason ? ` (runs cold: ${run.plan.coldReason})` : ''}`);
  }
  const onTerminal = app.host.stdinIsTTY || app.host.stdoutIsTTY || app.host.stderrIsTTY;
  const limits = run.plan.limits;
  const startedAt = new Date();
  // while the tool owns a terminal, what shim has to say waits until it exits
  const during = deferReporter(app.reporter, app.host.stdoutIsTTY || app.host.stderrIsTTY);
  const { result, egress } = await withPortForward(app, run.plan, () =>
    withEgress({ ...app, reporter: during.reporter }, run.plan, () =>
      runForeground(run.command, run.signals, onTerminal, {
        timeoutMs: limits?.timeoutMs,
        outputBytes: limits?.outputBytes,
        onOutputCut: () => during.reporter.warn(`${name}: output over the limit (${limits?.output}): the rest is cut`),
        // a failure of a tool with skipped install scripts is judged by what it says (not on a terminal,
        // whose stderr the tool keeps for itself)
        ...(run.skippedScripts.length && !app.host.stderrIsTTY ? { stderrTailBytes: SCRIPT_HINT_TAIL_BYTES } : {}),
      }),
    ),
  );
  during.flush();
  await warmCallEnded(app, run);
  const oomKilled = result.status === 137 && limits?.memory ? await askOomKilled(run.ctx, run.warm?.container ?? run.plan.containerName, startedAt.getTime()) : false;
  const { status, limitsHit } = judgeOutcome(app, name, result, limits, oomKilled);
  const hinted = scriptHintFor({ status, ...(result.stderrTail !== undefined ? { stderrTail: result.stderrTail } : {}) }, run.skippedScripts);
  if (hinted.length) app.reporter.warn(skippedScriptsNote(name, status, hinted));
  const signal = result.status > 128 ? (signalName(result.status - 128) ?? null) : null;
  // a repository the tool made (or whose config or hooks it changed) runs code on the host later; a run
  // that never started takes no snapshot (unless its directory changed after all)
  const { warnings: gitWarnings, snapshots } = await checkAfterRun(watch, status, app.host.env);
  for (const w of gitWarnings) app.reporter.warn(w);
  run.snapshots = snapshots;
  const warnings = [...run.plan.warnings, ...during.warnings, ...gitWarnings];
  const outcome = { startedAt, exitCode: status, signal, durationMs: Date.now() - startedAt.getTime(), limitsHit, egress, warnings };
  appendAudit(app.paths.stateDir, auditRecord(app, run, outcome, options.via ?? 'cli'), (m) => app.reporter.warn(m));
  if (status === 125) await diagnoseLaunchFailure(app, run.ctx, run.image);
  return status;
}
