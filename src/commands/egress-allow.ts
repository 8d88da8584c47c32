// `shim allow <tool> [host…] [--json]`: adds hosts to a tool's allow-list through the drop-in
// config.d/50-allow-<tool>.json (never the user's own files) and prints the drop-in's diff. Without
// hosts it folds an edit of the user's own list into the drop-in. See plan/allow-drop-in.ts for why
// the drop-in holds the whole list.
import path from 'node:path';
import type { App } from '../app/with-config-files.js';
import { allowedHostIssue } from '../config/schema.js';
import { ConfigError, UsageError } from '../errors.js';
import { withLock, writeFileAtomic } from '../lock.js';
import { planAllowDropIn } from '../plan/allow-drop-in.js';
import { nonPublicReason } from '../plan/host-scope.js';
import { loadAllowState, type AllowState } from './allow-state.js';

export interface AllowOptions {
  json?: boolean;
  /** List hosts that are not the public internet (loopback, private networks, cloud metadata) anyway. */
  force?: boolean;
}

/** "127.0.0.1:6379 (a loopback address), 10.0.0.1 (…)": each host with what it reaches. */
function describeNonPublic(list: readonly { h: string; why: string }[]): string {
  return list.map(({ h, why }) => `${h} (${why})`).join(', ');
}

/** Adds `hosts` to the tool's allow-list. Every caller (the CLI, the web UI) goes through here, so a host
 *  that is not the public internet is refused here unless `force`, and listed with a warning if it is. */
export async function allowCommand(app: App, tool: string, hosts: readonly string[], options: AllowOptions): Promise<number> {
  // what an entry reaches is told first: an IPv6 literal such as ::ffff:169.254.169.254 is both invalid
  // and the metadata service, and the user should hear the second
  const problems = hosts.map((h) => ({ h, issue: allowedHostIssue(h), scope: nonPublicReason(h) })).filter((p) => p.issue);
  if (problems.some((p) => p.scope)) {
    throw new UsageError(
      `${tool}: cannot allow ${problems.map((p) => `${JSON.stringify(p.h)} (${p.scope ?? p.issue})`).join(', ')}: allowed_hosts holds host names and IPv4 addresses only`,
      'a tool asking for these is probing your machine or network, not the internet',
    );
  }
  if (problems.length) {
    throw new UsageError(
      `not a valid allowed_hosts entry: ${problems.map((p) => `${JSON.stringify(p.h)} (${p.issue})`).join(', ')}`,
      'write a lower-case host name ("registry.example.com"), "*.example.com", or either with a port ("registry.example.com:8443")',
    );
  }
  // a configured tool (its name checked by the config schema) before its name is used in a path
  loadAllowState(app, tool);
  // two shim allow of one tool at once: the second reads the drop-in the first wrote, so neither's
  // hosts are lost
  const { state, plan } = await withLock(path.join(app.paths.stateDir, `allow-${tool}.lock`), async () => {
    const state = loadAllowState(app, tool);
    refuseUnlessAllowList(state);
    if (!hosts.length && !state.existing) {
      throw new UsageError(`shim allow ${tool}: name at least one host to allow`, `e.g. shim allow ${tool} registry.example.com (shim suggest ${tool} lists the hosts it was refused)`);
    }
    const plan = planAllowDropIn({ tool, base: state.base, hosts, label: state.label, ...(state.existing ? { existing: state.existing } : {}) });
    const nonPublic = plan.added.map((h) => ({ h, why: nonPublicReason(h) })).filter((p): p is { h: string; why: string } => p.why !== undefined);
    if (nonPublic.length && !options.force) {
      throw new UsageError(
        `${tool}: refusing to allow ${describeNonPublic(nonPublic)}: not the internet. A tool that asks for these may be probing your machine, your network or the cloud metadata service (where cloud credentials are handed out)`,
        `if ${tool} really needs ${nonPublic.length === 1 ? 'it' : 'them'}, run again with --force: shim allow --force ${tool} ${nonPublic.map((p) => p.h).join(' ')}`,
      );
    }
    if (nonPublic.length) app.reporter.warn(`${tool} may now reach ${describeNonPublic(nonPublic)}, which ${nonPublic.length === 1 ? 'is' : 'are'} not the internet (--force)`);
    if (plan.changed) {
      try {
        // temp file + rename in the same directory: a reader sees the old file or the new one, never
        // a part; the temp name does not end in .json, so a run listing config.d never reads it
        writeFileAtomic(state.file, plan.text, { file: 0o600, dir: 0o700 });
      } catch (e) {
        throw new ConfigError(`cannot write ${state.file}: ${(e as Error).message}`, `check that ${app.paths.configDropInDir} is writable`);
      }
    }
    return { state, plan };
  });
  if (options.json) {
    const report = { tool, file: state.label, changed: plan.changed, added: plan.added, alreadyAllowed: plan.alreadyAllowed, folded: plan.stale, allowedHosts: plan.allowedHosts, diff: plan.diff };
    app.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  if (plan.alreadyAllowed.length) app.reporter.info(`already allowed for ${tool}: ${plan.alreadyAllowed.join(', ')}`);
  if (!plan.changed) {
    app.reporter.info(`no change: ${state.label} already holds ${tool}'s allow-list (${plan.allowedHosts.join(', ')})`);
    return 0;
  }
  app.stdout(plan.diff);
  const what = [plan.added.length ? `added ${plan.added.join(', ')}` : '', plan.stale ? 'folded in the edit of your own list' : ''].filter(Boolean).join('; ');
  app.reporter.info(`${state.existing ? 'updated' : 'wrote'} ${state.file}${what ? `: ${what}` : ''}; ${tool} may now reach ${plan.allowedHosts.join(', ')}`);
  return 0;
}

/** shim allow extends an allow-list; it never turns "none" or "bridge" into one. */
function refuseUnlessAllowList(state: AllowState): void {
  const { tool } = state;
  if (state.network === 'none') {
    throw new ConfigError(
      `${tool} has no allow-list: its network is "none" [${state.networkOrigin}], so it reaches no host at all, and shim allow only extends an existing list`,
      `to let it reach a few hosts, add "allowed_hosts": ["host", …] to the ${tool} entry of your config.json (shim explain ${tool} shows where its settings come from)`,
    );
  }
  if (state.network === 'bridge') {
    throw new ConfigError(
      `${tool} has full network ("network": "bridge" [${state.networkOrigin}]): nothing is refused, so there is nothing to allow`,
      `to limit it to a few hosts instead, replace "network": "bridge" by "allowed_hosts": ["host", …] in the ${tool} entry of ${state.networkOrigin}`,
    );
  }
  if (state.overriddenBy) {
    throw new ConfigError(
      `${state.overriddenBy} sets ${tool}'s allowed_hosts and comes after ${state.label}, so the drop-in would have no effect`,
      `add the hosts to allowed_hosts in ${state.overriddenBy}`,
    );
  }
}
