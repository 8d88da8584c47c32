// `shim mcp [--root DIR]`: serves the Model Context Protocol over stdio (the official SDK, bundled in
// its own chunk and loaded only for this command). Tools run with exactly the plan and policy of the
// CLI (prepareRun), non-interactively, with stdin from the request, a time limit and capped output;
// every run is audited with via "mcp". stdout is the protocol channel: shim's own messages go to stderr.
import os from 'node:os';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createApp, type App } from '../app/with-config-files.js';
import { appendAudit } from '../audit/log.js';
import { auditRecord } from '../audit/from-run.js';
import { resolveTool } from '../config/merge.js';
import { ShimError } from '../errors.js';
import { explainTool } from '../commands/explain.js';
import { collectTools } from '../commands/list.js';
import { checkToolName, dryRun, prepareRun, warmCallEnded, watchOf, withEgress } from '../commands/run.js';
import { checkAfterRun } from '../snapshot/after-run.js';
import { withPortForward } from '../commands/run-ports.js';
import type { PreparedRun } from '../runtime/prepared-run.js';
import { runLimited } from '../runtime/exec-for-mcp.js';
import {
  DEFAULT_TIMEOUT_S,
  MAX_OUTPUT_BYTES,
  MAX_TIMEOUT_S,
  mountSummary,
  loadCallCwd,
  loadServerRoot,
  runResultJson,
  safetyProblems,
  stdinProgramArgs,
} from './tools.js';
import { registerSessionTools } from './session-tools.js';

const timeoutSchema = z
  .number()
  .positive()
  .max(MAX_TIMEOUT_S)
  .optional()
  .describe(`time limit in seconds (default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S}); the tool then gets SIGTERM, and SIGKILL 5 s later`);

const RESULT_DOC =
  'Returns JSON {exit_code, signal, stdout, stderr, truncated, duration_ms, timed_out, limits_hit, warnings}: exit_code is the tool\'s own ' +
  `(128+N after signal N); stdout and stderr are capped at ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB each (truncated: true beyond); signal is "SIGTERM" ` +
  '(or "SIGKILL") when shim stopped the run, with timed_out: true after the time limit; warnings are what shim warns of (a git repository the ' +
  'tool made or whose config or hooks it changed, which runs commands on the host as soon as git runs there).';

function text(value: unknown, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }], ...(isError ? { isError: true } : {}) };
}

export async function mcpCommand(app: App, options: { root?: string }): Promise<number> {
  const root = loadServerRoot(app.host.cwd, options.root);
  const reporter = app.reporter;
  /** An App for one call, in `cwd`, never on a terminal; anything it would print goes to stderr. */
  const appIn = (cwd: string): App =>
    createApp({ ...app.host, cwd, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false, projectCeiling: root }, reporter, (t) => reporter.raw(t));

  const shutdown = new AbortController();
  const active = new Set<Promise<unknown>>();
  // image builds and installs are done one at a time (two calls for one new tool install it once)
  let preparing: Promise<unknown> = Promise.resolve();
  const prepareSerially = (callApp: App, tool: string, args: readonly string[]): Promise<PreparedRun> => {
    const next = preparing.then(() => prepareRun(callApp, tool, args));
    preparing = next.catch(() => {});
    return next;
  };

  /** Runs a prepared tool with limits and audits it. */
  const execute = async (callApp: App, run: PreparedRun, stdin: string | undefined, timeoutS: number | undefined, cancelled: AbortSignal): Promise<CallToolResult> => {
    for (const w of run.plan.warnings) reporter.warn(w);
    const watch = watchOf(callApp, run);
    const startedAt = new Date();
    const { result, egress } = await withPortForward(callApp, run.plan, () =>
      withEgress(callApp, run.plan, () =>
        runLimited(run.command, run.signals, {
          stdin,
          timeoutMs: (timeoutS ?? DEFAULT_TIMEOUT_S) * 1000,
          maxOutputBytes: MAX_OUTPUT_BYTES,
          // the server shuts down, or the client cancelled the request (e.g. its own request timeout)
          abort: AbortSignal.any([shutdown.signal, cancelled]),
        }),
      ),
    );
    await warmCallEnded(callApp, run);
    // as after a plain run: repositories the tool made or changed, and no snapshot of a failed start
    const after = await checkAfterRun(watch, result.exitCode, callApp.host.env);
    for (const w of after.warnings) reporter.warn(w);
    run.snapshots = after.snapshots;
    const warnings = [...run.plan.warnings, ...after.warnings];
    appendAudit(
      app.paths.stateDir,
      auditRecord(callApp, run, { startedAt, exitCode: result.exitCode, signal: result.signal, durationMs: result.durationMs, limitsHit: result.limitsHit, egress, warnings }, 'mcp'),
      reporter.warn,
    );
    // text only, no structuredContent copy: capped output may still be megabytes once JSON-escaped
    return text(runResultJson(result, warnings));
  };

  /** Turns shim's errors into tool errors (the server keeps serving), and tracks the call for shutdown. */
  const guarded = <A>(handler: (args: A, cancelled: AbortSignal) => Promise<CallToolResult>) => {
    return async (args: A, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
      if (shutdown.signal.aborted) return text('shim mcp is shutting down', true);
      const call = (async () => {
        try {
          return await handler(args, extra.signal);
        } catch (e) {
          if (e instanceof ShimError) return text(`${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`, true);
          reporter.error(`internal error: ${(e as Error)?.stack ?? String(e)}`, 'this is a bug in shim; please report it');
          return text(`internal error in shim: ${(e as Error)?.message ?? String(e)}`, true);
        }
      })();
      active.add(call);
      try {
        return await call;
      } finally {
        active.delete(call);
      }
    };
  };

  const server = new McpServer({ name: 'shim', version: app.host.version });

  const listTools = guarded(async () => {
    const listApp = appIn(root);
    const config = listApp.config();
    const tools = collectTools(listApp).map((t) => {
      if (t.error) return { ...t, command: null, mounts: [], safe: false };
      const tool = resolveTool(t.name, config, listApp.paths.configDir);
      // from the config (execute_code decides on the plan, which SHIM_ALLOW_NETWORK may widen)
      const safe = safetyProblems(tool, tool).length === 0;
      return { ...t, command: tool.command, mounts: tool.mounts.map(mountSummary), safe };
    });
    return text({ root, tools });
  });
  server.registerTool(
    'list_tools',
    {
      description:
        'Lists the tools configured for shim (each runs in its own container): name, tool spec, network mode ("none" = no network), ' +
        'mounts ("src -> dst (ro|rw)"; "." is the directory a run happens in), locked version, whether it is installed, and whether ' +
        'execute_code may use it ("safe"). Tools whose config is broken are listed with an error.',
      annotations: { readOnlyHint: true },
    },
    // no input schema: the SDK calls this with the request's extra only
    (extra) => listTools({}, extra),
  );

  server.registerTool(
    'run_tool',
    {
      description:
        'Runs a configured tool (see list_tools) in its container, exactly as `shim run <tool> <args…>` would: same mounts, network ' +
        'and environment policy. Not interactive: stdin is the given text (or empty). cwd (absolute, or relative to the server\'s root ' +
        `${root}) must be inside that root; it is the directory "." mounts refer to. ${RESULT_DOC}`,
      inputSchema: {
        tool: z.string().describe('name of a configured tool'),
        args: z.array(z.string()).default([]).describe('arguments passed to the tool unchanged'),
        stdin: z.string().optional().describe('text given to the tool on stdin'),
        cwd: z.string().optional().describe('working directory on the host (default: the root)'),
        timeout_s: timeoutSchema,
      },
      annotations: { destructiveHint: true, openWorldHint: false },
    },
    guarded(async ({ tool, args, stdin, cwd, timeout_s }, cancelled) => {
      checkToolName(tool);
      const callApp = appIn(loadCallCwd(root, cwd));
      const run = await prepareSerially(callApp, tool, args ?? []);
      return execute(callApp, run, stdin, timeout_s, cancelled);
    }),
  );

  server.registerTool(
    'execute_code',
    {
      description:
        'Runs a code snippet with a configured language tool: `language` is the name of a tool in list_tools (e.g. "python", "node", ' +
        '"bash"), and the code goes to its interpreter on stdin. Only tools marked "safe" are used: no mounts, network "none", no ports, ' +
        'no podman_args and no secrets (until shim has named profiles, that is what the "safe" profile means); the snippet sees no host files, ' +
        `no secrets and has no network. ${RESULT_DOC}`,
      inputSchema: {
        language: z.string().describe('name of a safe configured tool, e.g. "python", "node", "bash"'),
        code: z.string().describe('the program, passed on stdin'),
        timeout_s: timeoutSchema,
      },
      annotations: { openWorldHint: false },
    },
    guarded(async ({ language, code, timeout_s }, cancelled) => {
      checkToolName(language);
      const callApp = appIn(root);
      const refuse = (problems: string[]) =>
        text(`"${language}" is not a safe tool for execute_code: ${problems.join('; ')}. Configure a tool without mounts, with network "none", no ports, no podman_args and no secrets (run_tool can still run this one).`, true);
      const tool = resolveTool(language, callApp.config(), callApp.paths.configDir);
      const args = stdinProgramArgs(tool.command);
      // decide on the plan before building or installing anything, and again on the plan that will run
      const problems = safetyProblems(tool, dryRun(callApp, language, args).policy);
      if (problems.length) return refuse(problems);
      const run = await prepareSerially(callApp, language, args);
      const again = safetyProblems(run.tool, run.plan.policy);
      if (again.length) return refuse(again);
      return execute(callApp, run, code, timeout_s, cancelled);
    }),
  );

  server.registerTool(
    'explain_tool',
    {
      description:
        'Explains a configured tool: effective config with the origin of each field, network, mounts, variable names (never values), ' +
        'what is enforced and what is not, and the exact runtime command (secrets redacted). Builds, installs and runs nothing.',
      inputSchema: { tool: z.string().describe('name of a configured tool') },
      annotations: { readOnlyHint: true },
    },
    guarded(async ({ tool }) => {
      checkToolName(tool);
      return text(explainTool(appIn(root), tool));
    }),
  );

  registerSessionTools(server, { root, appIn, callCwd: (cwd) => loadCallCwd(root, cwd), guarded, text });

  const transport = new StdioServerTransport();
  const stdinClosed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
  });
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled ??= sig;
    shutdown.abort();
    process.stdin.destroy();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  transport.onerror = (e) => reporter.warn(`MCP transport: ${e.message}`);
  try {
    await server.connect(transport);
    reporter.info(`MCP server ready on stdio (root ${root})`);
    await stdinClosed;
    // the client is gone: stop what still runs (its containers are removed), then close
    shutdown.abort();
    await Promise.allSettled([...active]);
    await server.close();
    return signalled ? 128 + (os.constants.signals[signalled] ?? 0) : 0;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
