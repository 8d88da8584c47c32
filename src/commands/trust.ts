// `shim trust [--revoke] [--show]`: trusts the current project's .shim.json (records the sha256 of the
// exact bytes read, and their content for later diffs) and prints what that trust grants beyond your
// own config; --revoke forgets it; --show prints the state without changing anything.
import type { App } from '../app/with-config-files.js';
import path from 'node:path';
import { loadConfig, parseToolText, type ConfigLayer } from '../config/load.js';
import { formatProblem } from '../config/merge.js';
import { anchorMounts, loadProjectFile, readProjectFile } from '../config/project.js';
import { findProjectFile } from '../config/project-file.js';
import { formatWidening, type ProjectContext } from '../config/project-state.js';
import { analyzeProjectTools } from '../config/project-widening.js';
import { trustedEntry, trustStoreFile, updateTrustStore } from '../config/trust.js';
import { ConfigError, UsageError } from '../errors.js';

export interface TrustOptions {
  revoke?: boolean;
  show?: boolean;
}

function projectContext(app: App): { ctx: ProjectContext; below: ConfigLayer[] } {
  // the user's own layers only: a project is compared with your config, never with itself
  const user = loadConfig(app.paths);
  const ctx: ProjectContext = {
    cwd: app.host.cwd,
    home: app.host.home,
    uid: app.host.uid,
    stateDir: app.paths.stateDir,
    settings: user.settingsProblem ? {} : user.settings,
    configDir: app.paths.configDir,
  };
  return { ctx, below: user.layers };
}

const list = (lines: string[]) => lines.map((l) => `  ${l}\n`).join('');

export async function trustCommand(app: App, opts: TrustOptions = {}): Promise<number> {
  if (opts.revoke && opts.show) throw new UsageError('--revoke and --show cannot be combined');
  const file = findProjectFile(app.host.cwd, app.host.home);
  if (!file) {
    throw new UsageError(`no .shim.json in ${app.host.cwd} or the directories above it`, 'run `shim trust` from inside the project that holds the .shim.json');
  }
  const stateDir = app.paths.stateDir;

  if (opts.revoke) {
    let had = false;
    await updateTrustStore(stateDir, (store) => {
      had = Object.prototype.hasOwnProperty.call(store.projects, file);
      delete store.projects[file];
    });
    app.stdout(had ? `no longer trusted: ${file} (only its narrowing settings apply)\n` : `${file} was not trusted\n`);
    return 0;
  }

  const { ctx, below } = projectContext(app);
  if (opts.show) {
    const { state } = loadProjectFile(file, ctx, below);
    const lines = [`${file}: ${state.status}${state.trustedAt ? ` (trusted ${state.trustedAt})` : ''}${state.refusal ? `: it ${state.refusal}` : ''}`];
    if (state.ignored.length) lines.push('ignored until trusted:', ...state.ignored.map((w) => `  ${formatWidening(w)}`));
    if (state.sinceTrusted.length) lines.push('widened since you trusted it:', ...state.sinceTrusted.map((w) => `  ${formatWidening(w)}`));
    app.stdout(`${lines.join('\n')}\n`);
    return 0;
  }

  const read = readProjectFile(file, app.host.uid);
  if ('refusal' in read) throw new ConfigError(`cannot trust ${file}: it ${read.refusal}`, 'only a regular file you own, not writable by group or others, can be trusted');
  const { result, value } = parseToolText(file, read.text);
  if ('messages' in result) {
    throw new ConfigError(`cannot trust ${file}, it is invalid:\n${formatProblem(result, app.paths.configDir)}`, 'fix the file, then run `shim trust` again');
  }
  const root = path.dirname(file);
  const tools = anchorMounts(result.tools, root);
  const grants = analyzeProjectTools(tools, below, { ...ctx, root });
  const previous = trustedEntry(stateDir, file);
  if (previous?.sha256 === read.sha256) {
    app.stdout(`${file} is already trusted (since ${previous.trusted_at})\n`);
    return 0;
  }
  let since: string[] = [];
  if (previous) {
    const old = parseToolText(file, JSON.stringify(previous.content)).result;
    const oldLayer: ConfigLayer = { file, tools: 'messages' in old ? new Map() : anchorMounts(old.tools, root) };
    since = analyzeProjectTools(tools, [...below, oldLayer], { ...ctx, root }).map(formatWidening);
  }
  await updateTrustStore(stateDir, (store) => {
    store.projects[file] = { sha256: read.sha256, trusted_at: new Date().toISOString(), content: value! };
  });
  let out = `trusted ${file} (sha256 ${read.sha256.slice(0, 12)}…), recorded in ${trustStoreFile(stateDir)}\n`;
  if (previous) {
    out += since.length ? `widened since the version you trusted on ${previous.trusted_at}:\n${list(since)}` : `it widens nothing compared with the version you trusted on ${previous.trusted_at}\n`;
  }
  out += grants.length
    ? `this grants, beyond your own config:\n${list(grants.map(formatWidening))}`
    : 'it grants nothing beyond your own config (it only adds narrow tools or narrows yours)\n';
  out += 'any change to the file makes it untrusted again; `shim trust --revoke` forgets it\n';
  app.stdout(out);
  return 0;
}
