// `shim doctor <tool>`, the decisions: config valid, runtime and image, installed and current, its
// command in the install, a trial run in its own sandbox, the egress self-test (allow-list tools), and
// what it may reach. One check per line, a fix under each failure. Pure.
import { egressCheck, imageCheck, runtimeCheck } from './checks.js';
import type { Check, ToolDoctorFacts, ToolReachFacts } from './model.js';

const NETWORK: Record<string, string> = {
  none: 'no network (loopback only)',
  bridge: 'full outbound network (network "bridge")',
  allowlist: "only the allowed hosts, through shim's egress proxy",
};

/** "reach": what the tool may touch, one line each: network, hosts, ports, mounts, variables. */
export function reachCheck(reach: ToolReachFacts): Check {
  const lines = [
    `network: ${NETWORK[reach.network] ?? reach.network}`,
    ...(reach.network === 'allowlist' ? [`hosts: ${reach.allowedHosts.join(', ') || 'none'}`] : []),
    ...(reach.ports.length ? [`published ports: ${reach.ports.join(', ')}`] : []),
    `mounts (--> read-only, <--> read-write):${reach.mounts.length ? '' : ' none'}`,
    ...reach.mounts.map((m) => `  ${m.src} ${m.mode === 'ro' ? '-->' : '<-->'} ${m.dst}`),
    `variables: ${reach.env.join(', ') || 'none'}`,
    ...reach.notEnforced.map((n) => `not enforced: ${n}`),
  ];
  return { id: 'reach', status: 'pass', message: `what it may reach:\n${lines.join('\n')}` };
}

function commandCheck(f: ToolDoctorFacts, name: string): Check {
  const id = 'command';
  const cmd = f.command!;
  const install = f.install;
  if (install?.kind !== 'ready') return { id, status: 'skip', message: `"${cmd}": the tool is not installed (see "install")` };
  const listed = install.commands;
  const setIt = (list: readonly string[]) => `set "command" of ${name} to one of ${list.join(', ')}`;
  if (listed?.includes(cmd)) return { id, status: 'pass', message: `"${cmd}" is a command of ${f.spec} ${install.version}` };
  const trial = f.trial;
  if (trial?.found) {
    const where = listed?.length ? ` (not of ${f.spec}, which provides ${listed.join(', ')})` : '';
    return { id, status: 'pass', message: `"${cmd}" is found in the tool's container at ${trial.found}${where}` };
  }
  if (trial?.missing || (listed && !trial)) {
    if (listed?.length) return { id, status: 'fail', message: `"${cmd}" is not a command of ${f.spec} ${install.version} or of the image; the package provides: ${listed.join(', ')}`, fix: setIt(listed) };
    return { id, status: 'fail', message: `"${cmd}" is not found in the tool's container`, fix: `check "command" of ${name} (the package's commands are recorded by a new install: "shim install --force ${name}")` };
  }
  return { id, status: 'skip', message: `"${cmd}": the install record names no commands and the trial run did not tell (see "trial")` };
}

/** "credentials": a required one whose source is missing fails (every run would stop before it starts);
 *  optional ones left unset are said. None when nothing is missing. */
function credentialsCheck(f: ToolDoctorFacts, name: string): Check | undefined {
  const absent = f.absentCredentials ?? [];
  if (!absent.length) return undefined;
  const required = absent.filter((c) => !c.optional);
  const unset = absent.filter((c) => c.optional).map((c) => `${c.name} is unset (optional; ${c.from} is missing)`);
  if (!required.length) return { id: 'credentials', status: 'pass', message: `${unset.join('; ')}: the tool runs without ${unset.length > 1 ? 'them' : 'it'}` };
  const sources = required.map((c) => `${c.name} (from ${c.from})`).join(', ');
  const envs = required.filter((c) => c.from.startsWith('env:')).map((c) => c.from.slice(4));
  return {
    id: 'credentials',
    status: 'fail',
    message: `the required credential${required.length > 1 ? 's' : ''} ${sources} ${required.length > 1 ? 'have' : 'has'} no value here: every run of ${name} stops before it starts${unset.length ? `; ${unset.join('; ')}` : ''}`,
    fix: `${envs.length ? `export ${envs.join(', ')} before running ${name}, or ` : ''}mark ${required.length > 1 ? 'them' : 'it'} "optional": true in credentials of ${name} if ${name} can sign in another way`,
  };
}

function trialCheck(f: ToolDoctorFacts, name: string): Check {
  const id = 'trial';
  const t = f.trial;
  if (!t && f.absentCredentials?.some((c) => !c.optional)) return { id, status: 'skip', message: 'not run: a required credential has no value (see "credentials")' };
  if (!t) return { id, status: 'skip', message: f.install?.kind === 'ready' ? 'the image is missing (see "image")' : 'nothing to run: the tool is not installed (see "install")' };
  if (t.found || t.missing) return { id, status: 'pass', message: `a container with ${name}'s sandbox (its mounts, network, identity, limits) started and ran "command -v ${f.command}" in it` };
  const tail = t.output.split('\n').slice(-8).join('\n');
  return {
    id,
    status: 'fail',
    message: `a container with ${name}'s sandbox did not run (exit ${t.exitCode})${tail ? `:\n${tail}` : ''}`,
    fix: `run "SHIM_DEBUG=1 shim run ${name}" to see the runtime command and its errors; "shim explain ${name}" shows the plan`,
  };
}

/** Every check of one tool, in display order. */
export function evaluateTool(f: ToolDoctorFacts): Check[] {
  const { name } = f;
  if (f.configError) {
    return [{ id: 'config', status: 'fail', message: f.configError.message, fix: f.configError.hint ?? `fix the configuration of ${name}` }];
  }
  const checks: Check[] = [{ id: 'config', status: 'pass', message: `"${name}": ${f.spec}, command "${f.command}" (from ${f.origin}); its run plans without error` }];
  const rt = f.runtime;
  if (rt) checks.push(runtimeCheck(rt));
  if (!rt || !rt.found || rt.infoError !== undefined) return checks;
  checks.push(imageCheck(f.image, rt));
  const install = f.install;
  if (!install) checks.push({ id: 'install', status: 'skip', message: 'the image could not be chosen (see "image")' });
  else if (install.kind === 'ready') checks.push({ id: 'install', status: 'pass', message: `${f.spec} ${install.version} is installed for ${rt.name} and current (the lock file, the image and the volume agree)` });
  else checks.push({ id: 'install', status: 'fail', message: `${f.spec} is not installed and current: ${install.reason}`, fix: `run "shim install ${name}" (or run ${name} once: its first run installs it)` });
  const credentials = credentialsCheck(f, name);
  if (credentials) checks.push(credentials);
  checks.push(commandCheck(f, name), trialCheck(f, name));
  if (f.egress) checks.push(egressCheck(f.egress));
  if (f.reach) {
    checks.push(reachCheck(f.reach));
    for (const w of f.reach.warnings) checks.push({ id: 'plan', status: 'warn', message: w });
  }
  return checks;
}
