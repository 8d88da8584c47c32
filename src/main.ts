// Entry point: gathers host facts once, dispatches a tool link (argv0 is a tool name) before any
// parser is loaded, otherwise runs the CLI; the single place that turns errors into exit codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { ExitCode, errorJson, isShimError } from './errors.js';
import type { HostEnv } from './host.js';
import { colorLevel, createReporter, splitNoColor } from './report.js';

declare const __SHIM_VERSION__: string | undefined;
/** True in dist/link.cjs, the bundle bin/shim.js loads for tool links only (the CLI is left out of it). */
declare const __SHIM_LINK_ONLY__: boolean | undefined;

function gatherHost(): HostEnv {
  // dist/shim.mjs, dist/link.cjs (bundled) or src/main.ts (tests): the package root is one level up
  const packageRoot = path.resolve(typeof __SHIM_LINK_ONLY__ === 'boolean' ? __dirname : import.meta.dirname, '..');
  const entry = path.join(packageRoot, 'bin', 'shim.js');
  const user = os.userInfo();
  return {
    cwd: process.cwd(),
    home: process.env.HOME || user.homedir,
    uid: user.uid,
    gid: user.gid,
    env: process.env,
    // isatty, not process.stdin.isTTY: that would build the three stdio streams on every call
    stdinIsTTY: tty.isatty(0),
    stdoutIsTTY: tty.isatty(1),
    stderrIsTTY: tty.isatty(2),
    arch: process.arch,
    shimEntry: fs.existsSync(entry) ? fs.realpathSync(entry) : entry,
    packageRoot,
    version: typeof __SHIM_VERSION__ === 'string' ? __SHIM_VERSION__ : '0.0.0-dev',
    node: { path: process.execPath, version: process.versions.node },
  };
}

/** Names under which shim is itself, not a tool link (`shim up` never creates links with these names). */
export const CLI_NAMES = new Set(['shim', 'shim.js', 'shim.mjs']);

/** The tool name when shim was invoked through a link, else undefined. */
export function linkedToolName(argv1: string | undefined): string | undefined {
  const base = path.basename(argv1 ?? 'shim');
  return CLI_NAMES.has(base) ? undefined : base;
}

async function main(): Promise<number> {
  const host = gatherHost();
  const tool = linkedToolName(process.argv[1]);
  // through a link every argument is the tool's: --no-color is looked for on shim's own command line only
  const { noColor, argv } = tool === undefined ? splitNoColor(process.argv.slice(2)) : { noColor: false, argv: process.argv.slice(2) };
  const reporter = createReporter((t) => process.stderr.write(t), colorLevel(host.env, host.stderrIsTTY, noColor));
  const stdout = (t: string) => process.stdout.write(t);
  try {
    if (tool !== undefined) {
      // a link loads neither the CLI parser nor, with a current config cache, the schema validator
      const [{ createLinkApp }, { runLink }] = await Promise.all([import('./app/with-config-cache.js'), import('./commands/session.js')]);
      return await runLink(await createLinkApp(host, reporter, stdout), tool, argv);
    }
    // written out where it is used, so the link bundle's build (the constant defined) drops the CLI
    if (typeof __SHIM_LINK_ONLY__ === 'boolean') throw new Error('dist/link.cjs runs tool links only (bin/shim.js loads dist/shim.mjs for the CLI)');
    else {
      const [{ createApp }, { runCli }] = await Promise.all([import('./app/with-config-files.js'), import('./cli.js')]);
      return await runCli(createApp(host, reporter, stdout), argv);
    }
  } catch (e) {
    if (isShimError(e)) {
      const json = typeof __SHIM_LINK_ONLY__ !== 'boolean' && tool === undefined && (await import('./cli.js')).wantsJson(argv);
      if (json) process.stdout.write(`${JSON.stringify(errorJson(e))}\n`);
      else reporter.error(e.message, e.hint);
      return e.exitCode;
    }
    reporter.error(`internal error: ${(e as Error)?.stack ?? String(e)}`, 'this is a bug in shim; please report it with the command you ran');
    return ExitCode.launcherFailed;
  }
}

// no top-level await: the same entry is bundled as ESM (dist/shim.mjs) and CommonJS (dist/link.cjs)
void main().then((code) => {
  process.exitCode = code;
});
