// `shim doctor <tool>`, the fact gathering: resolves and plans the tool (explain's report says what it
// may reach), asks the runtime about itself and the image, reads the install state, runs a trial
// (`command -v <command>` in a container planned exactly like the tool's own run, egress proxy
// included), and the egress self-test for an allow-list tool. Decisions: src/doctor/tool-checks.ts.
import { setupOf } from '../facts/setup.js';
import type { App } from '../app/with-config-files.js';
import { settingsOrThrow } from '../app/app.js';
import { resolveTool, type ResolvedTool } from '../config/merge.js';
import { explainTool } from '../commands/explain.js';
import { checkToolName, withEgress } from '../commands/run.js';
import { gatherRunFacts } from '../facts/run-facts.js';
import { gatherAbsentCredentials } from '../facts/credentials.js';
import { describeSource } from '../plan/credentials.js';
import type { RuntimeInfo } from '../host.js';
import { readLockFile } from '../install/lockfile.js';
import { prepareNamedVolumes } from '../install/named-volumes.js';
import { installState } from '../install/state.js';
import { resolveLimits } from '../plan/limits.js';
import { planMounts } from '../plan/mount-policy.js';
import { buildRunPlan } from '../plan/run-plan.js';
import { limitsEnforceable } from '../runtime/detect.js';
import { runCaptured } from '../runtime/exec.js';
import { egressSelfTest } from './egress-self-test.js';
import { gatherRuntime, imageFacts, runner } from './facts.js';
import type { ToolDoctorFacts, TrialFacts } from './model.js';

const MARK = 'shim-doctor:';
// prints where the command is, or that it is missing; exits 0 either way once the shell ran
const TRIAL_SCRIPT = `p=$(command -v "$1") && printf '${MARK} found %s\\n' "$p" || printf '${MARK} missing\\n'`;

function errorOf(e: unknown): { message: string; hint?: string } {
  const hint = (e as { hint?: string }).hint;
  return { message: (e as Error).message, ...(hint ? { hint } : {}) };
}

/** Runs the trial in the tool's own sandbox (mounts, network, identity, limits, seccomp, lifeline). */
async function trialRun(app: App, tool: ResolvedTool, runtime: RuntimeInfo, image: string, binPaths: readonly string[], volume: string): Promise<TrialFacts> {
  const facts = gatherRunFacts(tool, app.host, app.paths);
  const mounts = planMounts({ tool: tool.name, gitWritable: tool.git_writable, mounts: facts.mountSources, protectedPaths: facts.protectedPaths, root: facts.root.path, home: facts.home });
  const limits = resolveLimits(tool, settingsOrThrow(app), limitsEnforceable(runtime));
  // the image's shell looks the command up on the tool's own PATH; no warm container is started
  const plan = buildRunPlan({
    tool: { ...tool, command: 'sh' },
    host: { ...app.host, stdinIsTTY: false, stdoutIsTTY: false },
    runtime, image, binPaths, volume, mounts, cwd: facts.cwd, project: facts.root, absentCredentials: facts.absentCredentials, caBundle: app.caBundle(),
    args: ['-c', TRIAL_SCRIPT, 'shim-doctor', tool.command], runId: app.newRunId(), setup: setupOf(app), limits,
  });
  const runtimeEnv = app.runtimeEnv();
  await prepareNamedVolumes(tool, { host: app.host, runtime, runtimeEnv, stateDir: app.paths.stateDir, setup: setupOf(app), image, reporter: app.reporter });
  const { result } = await withEgress(app, plan, () => runCaptured({ file: runtime.path, argv: plan.argv, env: runtimeEnv }, plan.cleanupArgv, plan.lifeline));
  const line = result.stdout.split('\n').find((l) => l.startsWith(MARK))?.slice(MARK.length).trim();
  const output = `${result.stderr}\n${result.stdout}`.trim();
  if (result.exitCode !== 0 || !line) return { exitCode: result.exitCode, output };
  if (line === 'missing') return { exitCode: 0, missing: true, output };
  return { exitCode: 0, found: line.replace(/^found /, ''), output };
}

/** Gathers every fact `shim doctor <tool>` decides on; never throws for a broken tool (that is a fact). */
export async function gatherToolFacts(app: App, name: string): Promise<ToolDoctorFacts> {
  const facts: ToolDoctorFacts = { name };
  let tool: ResolvedTool;
  try {
    checkToolName(name);
    tool = resolveTool(name, app.config(), app.paths.configDir);
    Object.assign(facts, { spec: tool.tool, command: tool.command, origin: tool.provenance.tool ?? 'built-in default' });
  } catch (e) {
    facts.configError = errorOf(e);
    return facts;
  }
  const absent = new Set(gatherAbsentCredentials(tool, app.host));
  facts.absentCredentials = Object.entries(tool.credentials).filter(([n]) => absent.has(n)).map(([n, c]) => ({ name: n, from: describeSource(c.from), optional: Boolean(c.optional) }));
  const settings = app.config().settings;
  const run = runner(app.runtimeEnv());
  const { runtime, facts: rt } = await gatherRuntime(app, settings, run);
  facts.runtime = rt;
  if (!runtime) return facts;
  // planning needs the runtime: a tool that cannot be planned (a refused mount, secret…) is a config error
  try {
    const report = explainTool(app, name);
    facts.reach = {
      network: report.network.mode,
      allowedHosts: report.network.allowedHosts,
      ports: report.network.ports,
      mounts: report.mounts.map(({ src, dst, mode }) => ({ src, dst, mode })),
      env: report.env.map((e) => e.name),
      notEnforced: report.notEnforced,
      warnings: report.warnings,
    };
  } catch (e) {
    facts.configError = errorOf(e);
    return facts;
  }
  const usable = rt.found && rt.infoError === undefined;
  facts.image = await imageFacts(app, runtime, usable, run, settings);
  if (facts.reach.network === 'allowlist') facts.egress = await egressSelfTest(app.host, app.newRunId());
  if (!runtime || !usable || facts.image.error !== undefined) return facts;
  const state = installState(readLockFile(app.paths.stateDir), tool, runtime.name, facts.image.ref);
  if (state.kind !== 'ready') {
    facts.install = { kind: 'stale', reason: state.reason };
    return facts;
  }
  facts.install = { kind: 'ready', version: state.locked.version, ...(state.install.commands ? { commands: state.install.commands } : {}) };
  if (facts.image.present === false) return facts;
  // a required credential without its source stops every run before it starts: credentialsCheck says so
  if (facts.absentCredentials.some((c) => !c.optional)) return facts;
  try {
    facts.trial = await trialRun(app, tool, runtime, facts.image.ref, state.install.binPaths, state.install.volume!);
  } catch (e) {
    facts.trial = { exitCode: -1, output: errorOf(e).message };
  }
  return facts;
}
