// `shim up` and `shim down`: one link per tool in the bin dir, pointing at shim. Never replaces a
// regular file or a link that points elsewhere; removes only links that point at shim.
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/with-config-files.js';
import { formatProblem, listToolNames } from '../config/merge.js';
import { TOOL_NAME_RE } from '../config/schema.js';

// Names a tool link may not take: shim itself, and the runtimes shim calls.
export const RESERVED = new Set(['shim', 'shim.js', 'shim.mjs', 'podman', 'docker']);

type Existing = { kind: 'missing' } | { kind: 'file' } | { kind: 'link'; target: string };

function inspect(file: string): Existing {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return { kind: 'missing' };
  if (!stat.isSymbolicLink()) return { kind: 'file' };
  return { kind: 'link', target: fs.readlinkSync(file) };
}

/** True when a link target is this shim, or any installed copy of shim (bin/shim.js of a "shim" package). */
export function pointsAtShim(linkFile: string, target: string, shimEntry: string): boolean {
  const absolute = path.resolve(path.dirname(linkFile), target);
  let real = absolute;
  try {
    real = fs.realpathSync(absolute);
  } catch {
    // a dangling link of a moved or removed shim is still shim's to remove
  }
  // a checkout is named shim; the npm package shim-sandbox
  const copy = /(^|\/)shim(-sandbox)?\/bin\/shim\.js$/;
  return real === shimEntry || copy.test(real) || copy.test(absolute);
}

/** The real path, or the path itself when it does not resolve. */
export const realOrSelf = (p: string) => (fs.existsSync(p) ? fs.realpathSync(p) : p);

/** True when `dir` (compared by real path) is one of PATH's entries. */
export function onPath(dir: string, pathVar: string | undefined): boolean {
  return (pathVar ?? '').split(path.delimiter).some((d) => d && realOrSelf(d) === realOrSelf(dir));
}

/** The executable a shell would run for `name` (first match on PATH). */
export function firstOnPath(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function linkUp(app: App): number {
  const { binDir } = app.paths;
  const config = app.config();
  for (const problem of config.problems) app.reporter.warn(`${formatProblem(problem, app.paths.configDir)} (its tools are not linked)`);
  const broken = new Set(config.problems.flatMap((p) => p.tools));
  fs.mkdirSync(binDir, { recursive: true });
  let status = 0;
  // only the user's own tools get links: a project file must never put a `git` or `ls` on your PATH
  const userLayers = config.layers.filter((l) => !l.origin?.startsWith('project:'));
  for (const name of listToolNames(userLayers).filter((n) => !broken.has(n))) {
    if (RESERVED.has(name)) {
      app.reporter.warn(`skip: ${name} (reserved name: a link named ${name} would shadow shim or its runtime)`);
      continue;
    }
    const file = path.join(binDir, name);
    const existing = inspect(file);
    if (existing.kind === 'file') {
      app.reporter.warn(`skip: ${name} (${file} exists and is not a link; shim never replaces it)`);
      status = 1;
      continue;
    }
    if (existing.kind === 'link' && !pointsAtShim(file, existing.target, app.host.shimEntry)) {
      app.reporter.warn(`skip: ${name} (${file} links to ${existing.target}, not to shim)`);
      status = 1;
      continue;
    }
    if (existing.kind === 'link' && path.resolve(binDir, existing.target) === app.host.shimEntry) {
      app.reporter.info(`exists: ${name}`);
    } else {
      // missing, or a link to another (older) copy of shim: point it at this one
      fs.rmSync(file, { force: true });
      fs.symlinkSync(app.host.shimEntry, file);
      app.reporter.info(`linked: ${name} -> ${app.host.shimEntry}`);
    }
    const first = firstOnPath(name, app.host.env.PATH);
    if (first && realOrSelf(first) !== app.host.shimEntry) {
      app.reporter.warn(`${first} comes before ${binDir} on PATH: typing "${name}" runs it unsandboxed`);
    }
  }
  if (!onPath(binDir, app.host.env.PATH)) {
    app.reporter.warn(`${binDir} is not on PATH: add it (before /usr/bin) so the links take effect`);
  }
  return status;
}

export function linkDown(app: App): number {
  const { binDir } = app.paths;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(binDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let removed = 0;
  for (const name of entries.sort()) {
    const file = path.join(binDir, name);
    const existing = inspect(file);
    if (existing.kind !== 'link' || RESERVED.has(name) || !TOOL_NAME_RE.test(name)) continue;
    if (!pointsAtShim(file, existing.target, app.host.shimEntry)) continue;
    fs.unlinkSync(file);
    app.reporter.info(`removed: ${name}`);
    removed++;
  }
  if (!removed) app.reporter.info(`no shim links in ${binDir}`);
  return 0;
}
