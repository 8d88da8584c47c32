// The install phase: installs a tool into its own volume in a container with registry network and
// nothing of the user's, once; concurrent first runs wait for the one install.
import path from 'node:path';
import type { ResolvedTool } from '../config/merge.js';
import { RuntimeError } from '../errors.js';
import type { HostEnv, RuntimeInfo } from '../host.js';
import { withLock } from '../lock.js';
import { buildInstallPlan, parseInstallOutput } from '../plan/install-plan.js';
import type { Reporter } from '../report.js';
import { runCaptured } from '../runtime/exec.js';
import { readStamp, staleReason, stampPath, writeStamp, type InstallStamp } from './stamps.js';

export interface InstallContext {
  host: HostEnv;
  stateDir: string;
  runtime: RuntimeInfo;
  runtimeEnv: Record<string, string>;
  image: string;
  caBundle?: string;
  reporter: Reporter;
  newRunId: () => string;
}

async function install(ctx: InstallContext, tool: ResolvedTool, why: string): Promise<InstallStamp> {
  const plan = buildInstallPlan({ tool, host: ctx.host, runtime: ctx.runtime, image: ctx.image, caBundle: ctx.caBundle, runId: ctx.newRunId() });
  if (ctx.host.env.SHIM_DEBUG) ctx.reporter.info(`install command: ${plan.display}`);
  ctx.reporter.info(`installing ${tool.name} (${tool.tool}, ${why})…`);
  const out = await runCaptured({ file: ctx.runtime.path, argv: plan.argv, env: ctx.runtimeEnv }, plan.cleanupArgv);
  const parsed = out.exitCode === 0 ? parseInstallOutput(out.stdout) : undefined;
  if (!parsed) {
    ctx.reporter.raw(out.stderr.trim().split('\n').slice(-30).join('\n'));
    throw new RuntimeError(
      `installing ${tool.name} (${tool.tool}) failed (exit ${out.exitCode}); its output is above`,
      `check the spec "${tool.tool}" and that the package registry is reachable; run "shim install ${tool.name}" to retry`,
    );
  }
  return { spec: tool.tool, image: ctx.image, version: parsed.version, binPaths: parsed.binPaths, installedAt: new Date().toISOString() };
}

/** Returns the tool's install stamp, installing first when it is missing or stale (or `force`). */
export async function ensureInstalled(ctx: InstallContext, tool: ResolvedTool, force = false): Promise<InstallStamp> {
  const file = stampPath(ctx.stateDir, ctx.runtime.name, tool.name);
  const current = () => {
    const stamp = readStamp(file);
    return !force && !staleReason(stamp, tool.tool, ctx.image) ? stamp : undefined;
  };
  const fresh = current();
  if (fresh) return fresh;
  return withLock(
    path.join(ctx.stateDir, 'locks', `install-${ctx.runtime.name}-${tool.name}`),
    async () => {
      // another shim may have installed it while this one waited
      const done = current();
      if (done) return done;
      const why = force ? 'reinstall requested' : staleReason(readStamp(file), tool.tool, ctx.image)!;
      const stamp = await install(ctx, tool, why);
      writeStamp(file, stamp);
      return stamp;
    },
    () => ctx.reporter.info(`waiting for another shim to finish installing ${tool.name}…`),
  );
}
