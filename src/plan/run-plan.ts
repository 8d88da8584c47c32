// The seam between deciding and doing: builds the complete runtime command for one tool run.
// Pure: no file system, no clock, no process.*; every flag shim passes is decided here.
import type { ResolvedTool } from '../config/merge.js';
import type { ProjectRoot } from '../facts/project-root.js';
import { envFlag, type HostEnv, type RuntimeInfo } from '../host.js';
import { buildCaBundleArgs, buildCleanupArgv, buildContainerBaseArgs, buildForceKillArgv, buildSignalArgv, buildWatchdogArgv, seccompProfilePath, type ForwardedSignal } from './container.js';
import { RUN_CACHE_ENV, baseEnv, buildToolEnv, isSecretName } from './env.js';
import { planEnvPassing } from './env-passing.js';
import { checkEnvPolicy } from './env-policy.js';
import { checkPodmanArgs } from './podman-args.js';
import { buildIdentityArgs } from './identity.js';
import type { ResolvedLimits } from './limits.js';
import { buildMountArgs, type MountFact } from './mounts.js';
import { LABEL_RUN, LABEL_SESSION, containerName } from './names.js';
import { sessionContainerName } from './session.js';
import { createHash } from 'node:crypto';
import { buildNetworkArgs, decideNetwork, parseExtraPorts, planPorts, type NetworkMode } from './network.js';
import { PROXY_FORWARDER, PROXY_MOUNT_DST, planProxy, withProxyEnv, type ProxyPlan } from './egress.js';
import { PORTS_FORWARDER, buildPortForwardArgs, planPortForward, type PortForwardPlan } from './port-forward.js';
import { mountSpec, shellQuote } from './quote.js';
import { PLACEHOLDER_PREFIX, planCredentials, unsetCredentials, withCredentialEnv } from './credentials.js';
import { terminalEnv } from './terminal-env.js';
import { planWorkdir } from './workdir.js';
import { buildLifelineArgs, lifelineCommand, planLifeline, planWarmLifelineDir, type LifelinePlan } from './lifeline.js';
import { buildWarmStart, dirsToClean, warmObstacle, warmRemoveArgv, type WarmPlan, type WarmRequest } from './warm.js';

/** Where the tool's install volume is mounted (read-only) in the run container. */
export const INSTALL_DIR = '/mise';

export interface RunInputs {
  tool: ResolvedTool;
  host: HostEnv;
  runtime: RuntimeInfo;
  image: string;
  /** Bin directories of the installed tool, recorded at install time. */
  binPaths: readonly string[];
  /** The tool's install volume: the one its install recorded in the lock file (names.ts toolVolume). */
  volume: string;
  mounts: readonly MountFact[];
  /** Real path of the current directory (the working directory follows it into the mounts). */
  cwd: string;
  /** The project root "." stood for, and why (facts/project-root.ts), for explain and the audit log. */
  project?: ProjectRoot;
  /** The commands the installed package provides (recorded at install time), when known. */
  commands?: readonly string[];
  caBundle?: string;
  args: readonly string[];
  runId: string;
  /** The setup the container belongs to (names.ts buildSetupId), put on it as a label. */
  setup: string;
  /** Resource limits of the tool's profile (resolveLimits), or none. */
  limits?: ResolvedLimits;
  /** The tool asked to run warm (resolveWarm), or not. */
  warm?: WarmRequest;
  /** Credentials whose source is missing on the host (facts/credentials.ts): the run goes on without
   *  the optional ones; a required one fails when the executor reads its value. */
  absentCredentials?: readonly string[];
  /** The run is a session (plan/session.ts): its container is named after the session and always has a
   *  terminal (the supervisor's), and it never runs warm. */
  session?: { name: string };
}

export interface RunPlan {
  tool: string;
  runtime: RuntimeInfo;
  /** Arguments for the runtime binary. */
  argv: string[];
  /** Values of the bare `--env NAME` flags in argv (env-passing.ts): the executor puts exactly these
   *  into the runtime's environment, and no tool value is ever on argv. */
  passedEnv: Record<string, string>;
  /** The same command, shell-quoted, with secret values redacted. Paste-ready: a bare `--env NAME`
   *  takes its value from the environment of the shell it is pasted into. */
  display: string;
  /** The redacted command as an argv array (runtime path first), for --json. */
  displayArgv: string[];
  containerName: string;
  /** The tool's install volume, mounted read-only at /mise. */
  volume: string;
  /** Runs only when shim was signalled, to make sure no container of the run is left. */
  cleanupArgv: string[];
  /** Delivers a forwarded signal to the container (see buildSignalArgv). */
  signalArgv: Record<ForwardedSignal, string[]>;
  /** Kills the container outright (after a timeout's grace period). */
  forceKillArgv: string[];
  /** Removes the container if shim dies without finishing (see buildWatchdogArgv). */
  watchdogArgv: string[];
  /** The socket shim holds while the container runs; the container ends when it closes (plan/lifeline.ts). */
  lifeline: LifelinePlan;
  /** The resolved limits (timeout and output are enforced by shim itself). */
  limits?: ResolvedLimits;
  warnings: string[];
  /** Identifies the policy (everything but the run's own name, labels and the tool's arguments). */
  policyHash: string;
  /** What the run is allowed, for explain and the audit log. */
  policy: RunPolicy;
  /** The egress proxy to start before the container (allow-list mode only). */
  proxy?: ProxyPlan;
  /** The TCP ports shim forwards to the container's loopback, listening before the container starts. */
  portForward?: PortForwardPlan;
  /** This call runs in a warm container (argv is then the cold equivalent, for display). */
  warm?: WarmPlan;
  /** Why a tool that is warm runs cold this time. */
  coldReason?: string;
  /** The working directory in the container (the current directory's place there, or `workdir`). */
  workdir: string;
  project?: ProjectRoot;
  /** Optional credentials left out because their source is missing: the tool does not get them. */
  unsetCredentials: { name: string; from: string }[];
}

export interface RunPolicy {
  network: NetworkMode;
  /** The hosts the proxy lets through (allow-list mode), exactly as configured. */
  allowedHosts: string[];
  ports: string[];
  mounts: { src: string; dst: string; mode: 'ro' | 'rw' }[];
  /** Names of every variable set in the container. */
  env: string[];
}

/** NAME=value of each passed variable, for hashing only (never shown). */
const assignments = (env: Readonly<Record<string, string>>) => Object.entries(env).map(([k, v]) => `${k}=${v}`);

/** Redacts the value of every env assignment (`--env N=v`, `-e N=v`, `--env=N=v`, also in podman_args)
 *  whose name is secret-looking or whose value came from the host. */
export function redactArgv(argv: readonly string[], hidden: ReadonlySet<string>): string[] {
  const redact = (assignment: string) => {
    const eq = assignment.indexOf('=');
    const name = assignment.slice(0, eq);
    return eq > 0 && (hidden.has(name) || isSecretName(name)) ? `${name}=***` : assignment;
  };
  return argv.map((arg, i) => {
    if (argv[i - 1] === '--env' || argv[i - 1] === '-e') return redact(arg);
    const inline = /^(--env=|-e=?)(.*)$/s.exec(arg);
    return inline ? `${inline[1]}${redact(inline[2]!)}` : arg;
  });
}

// Exits 127 with the message in $1 unless the command ($2) exists; else execs it, so the tool is the
// same process as without the check.
const COMMAND_CHECK = 'm=$1; shift; command -v "$1" >/dev/null 2>&1 || { printf "%s\\n" "$m" >&2; exit 127; }; exec "$@"';

/** The command the container starts. A bare name the package does not provide (from the image, such as
 *  sh, or a typo) is checked first, so a missing one exits 127 naming the package's commands instead of
 *  failing inside the runtime's init. */
export function commandArgv(tool: Pick<ResolvedTool, 'command' | 'tool' | 'name'>, commands: readonly string[] | undefined): string[] {
  if (!commands?.length || commands.includes(tool.command) || tool.command.includes('/')) return [tool.command];
  const message = `shim: "${tool.command}" is not a command of ${tool.tool} or of the image; the package provides: ${commands.join(', ')} (set "command" of ${tool.name} to one of them)`;
  return ['sh', '-c', COMMAND_CHECK, 'shim-command-check', message, tool.command];
}

/** Builds the runtime command for running a tool with the given arguments. */
export function buildRunPlan(input: RunInputs): RunPlan {
  const { tool, host, runtime } = input;
  const name = input.session ? sessionContainerName(input.session.name, input.runId) : containerName('run', tool.name, input.runId);
  const network = decideNetwork(tool, envFlag(host.env, 'SHIM_ALLOW_NETWORK'), input.limits?.profile ?? tool.profile);
  const ports = planPorts(tool, parseExtraPorts(host.env.SHIM_EXTRA_PORTS), network.mode);
  // refused before anything else is decided: a secret without `secrets`, a host socket, a shim-owned
  // name, or podman_args that undo the sandbox (unless unsafe_podman_args, which warns)
  checkEnvPolicy(tool);
  const argWarnings = checkPodmanArgs(tool);
  const credentials = planCredentials(tool, network.mode, input.runId, new Set(input.absentCredentials));
  const proxy = network.mode === 'allowlist' ? planProxy(host, tool.name, tool.allowed_hosts, input.runId, { credentials, caBundle: input.caBundle }) : undefined;
  const interactive = input.session ? true : host.stdinIsTTY && host.stdoutIsTTY;
  // a warm container serves calls with and without a terminal alike: its flags stay the same for both
  const terminal = terminalEnv(host.env, interactive && !input.warm, Boolean(input.session));
  // the CA bundle only where TLS can happen: with no network it is dead weight, and NODE_EXTRA_CA_CERTS
  // costs every Node process in the container the parse of a whole bundle (~40 ms: bench B9)
  const caBundle = network.mode === 'none' ? undefined : input.caBundle;
  const tooled = buildToolEnv(tool, host.env, { ...baseEnv(input.binPaths, Boolean(caBundle)), ...RUN_CACHE_ENV, ...terminal });
  const { fromHost } = tooled;
  const env = proxy ? withProxyEnv(withCredentialEnv(tooled.env, credentials)) : tooled.env;
  const lifeline = planLifeline(host, input.runId);
  // only a tool with TCP ports pays for the forwarder (a directory, a socket, its in-container end)
  const portForward = ports.forwards.length ? planPortForward(host, input.runId, ports.forwards) : undefined;

  // the container's own flags, before and after the call's stdin/terminal flag (a warm container has none)
  const [run, ...head] = [
    ...buildContainerBaseArgs(runtime, name, tool.name, input.runId, undefined, seccompProfilePath(host), input.setup),
    ...(input.limits?.args ?? []),
    ...(input.session ? ['--label', `${LABEL_SESSION}=${input.session.name}`] : []),
  ];
  const workdir = planWorkdir(tool.workdir, input.mounts, input.cwd);
  const mountTail = [
    ...buildIdentityArgs(runtime, host.uid, host.gid),
    ...buildNetworkArgs(network.mode, ports.published),
    '--mount',
    mountSpec(['type=volume', `src=${input.volume}`, `dst=${INSTALL_DIR}`, 'ro']),
    ...buildCaBundleArgs(caBundle),
    ...(proxy ? ['--mount', mountSpec(['type=bind', `src=${proxy.socketDir}`, `dst=${PROXY_MOUNT_DST}`, 'ro'])] : []),
    ...(portForward ? buildPortForwardArgs(portForward) : []),
    ...buildMountArgs(input.mounts, runtime, tool.name),
  ];
  // tool values go as bare `--env NAME` (their values in passedEnv), shim's constants as NAME=value
  const passing = planEnvPassing(env, new Set([...Object.keys(tool.env), ...fromHost]), host.env, tool);
  const envTail = [...passing.args, ...tool.podman_args];
  const tail = [...mountTail, '--workdir', workdir, ...envTail];
  const argv = [
    run!,
    ...head,
    // -i forwards piped stdin; -t only when both ends are terminals, so redirected output stays clean
    interactive ? '-it' : '-i',
    ...buildLifelineArgs(lifeline),
    ...tail,
    input.image,
    ...lifelineCommand(),
    ...(portForward ? [PORTS_FORWARDER] : []),
    ...(proxy ? [PROXY_FORWARDER] : []),
    ...commandArgv(tool, input.commands),
    ...input.args,
  ];
  const displayArgv = [runtime.path, ...redactArgv(argv, new Set(fromHost))];
  const display = shellQuote(displayArgv);
  // the run's own name and label are left out of a policy, and so is the proxy's socket directory,
  // which is named after the run
  const ownOnly = (args: readonly string[]) => args.filter((a, i) => a !== name && !a.startsWith(`${LABEL_RUN}=`) && !a.startsWith(`${LABEL_SESSION}=`) && args[i - 1] !== '--name' && !(proxy && a.includes(proxy.socketDir)) && !a.includes(`${PLACEHOLDER_PREFIX}${input.runId}`) && !a.includes(lifeline.dir) && !(portForward && a.includes(portForward.socketDir)));
  const policyArgv = ownOnly(argv.slice(0, argv.length - input.args.length));
  // a warm container outlives the call whose shim forwards its ports: a tool with ports runs cold
  const warmStop = () => (portForward ? 'ports: shim forwards them for one call' : warmObstacle(tool, input.warm!, network.mode === 'allowlist', { isTTY: host.stdinIsTTY, interactive }));
  const coldReason = input.session ? undefined : input.warm ? warmStop() : undefined;
  const displayOf = (a: readonly string[]) => shellQuote([runtime.path, ...redactArgv(a, new Set(fromHost))]);
  // a warm container serves every directory of the project: each call sets its own working directory
  const warm = input.warm && !input.session && !coldReason ? planWarm(input, [run!, ...head, ...mountTail, ...envTail], { coldName: name, ownOnly, display: displayOf, quote: (a) => shellQuote(redactArgv(a, new Set(fromHost))), interactive, workdir, passedEnv: passing.env }) : undefined;
  const policy: RunPolicy = {
    network: network.mode,
    allowedHosts: proxy?.allowedHosts ?? [],
    ports: ports.shown,
    mounts: input.mounts.flatMap((m) => [
      { src: m.volume ? `volume:${m.volume}` : m.real, dst: m.dst, mode: m.config.opts?.split(',').includes('ro') ? ('ro' as const) : ('rw' as const) },
      ...(m.gitOverlays ?? []).map((g) => ({ src: g.src, dst: g.dst, mode: 'ro' as const })),
    ]),
    env: Object.keys(env),
  };
  return {
    tool: tool.name,
    runtime,
    argv,
    display,
    displayArgv,
    containerName: name,
    volume: input.volume,
    cleanupArgv: buildCleanupArgv(name),
    passedEnv: passing.env,
    signalArgv: buildSignalArgv(name),
    forceKillArgv: buildForceKillArgv(name),
    watchdogArgv: buildWatchdogArgv(runtime.path, name, proxy?.socketDir, lifeline.dir, portForward?.socketDir),
    lifeline,
    ...(input.limits ? { limits: input.limits } : {}),
    warnings: [...network.warnings, ...argWarnings, ...(input.limits?.warnings ?? [])],
    policyHash: createHash('sha256').update([...policyArgv, ...(proxy?.allowedHosts ?? []), ...assignments(passing.env)].join('\0')).digest('hex'),
    policy,
    ...(proxy ? { proxy } : {}),
    ...(portForward ? { portForward } : {}),
    ...(warm ? { warm } : {}),
    ...(coldReason ? { coldReason } : {}),
    workdir,
    ...(input.project ? { project: input.project } : {}),
    unsetCredentials: unsetCredentials(tool, new Set(input.absentCredentials)),
  };
}

/** The warm container of this policy and this call, which its keeper runs. */
function planWarm(
  input: RunInputs,
  containerArgs: string[],
  how: { coldName: string; ownOnly: (a: readonly string[]) => string[]; display: (argv: readonly string[]) => string; quote: (argv: readonly string[]) => string; interactive: boolean; workdir: string; passedEnv: Record<string, string> },
): WarmPlan {
  const { tool } = input;
  const { ownOnly, display } = how;
  const idleSeconds = input.warm!.idleSeconds;
  // the key covers the runtime and every flag of the container, image and idle time included, and the
  // values of its bare --env flags (another value needs another container)
  const identity = [input.runtime.name, ...ownOnly(containerArgs), input.image, String(idleSeconds), ...assignments(how.passedEnv)];
  const key = createHash('sha256').update(identity.join('\0')).digest('hex').slice(0, 16);
  const name = containerName('warm', tool.name, input.runId);
  const lifelineDir = planWarmLifelineDir(input.host, key);
  const mountDsts = [INSTALL_DIR, ...input.mounts.flatMap((m) => [m.dst, ...(m.gitOverlays ?? []).map((g) => g.dst)])];
  const cleanDirs = dirsToClean(mountDsts, tool.podman_args, tool.unsafe_podman_args);
  const startArgv = buildWarmStart(containerArgs.map((a) => (a === how.coldName ? name : a)), input.image, key, idleSeconds, lifelineDir, input.runId, cleanDirs);
  const argv = [...commandArgv(tool, input.commands), ...input.args];
  return {
    key,
    idleSeconds,
    name,
    tag: input.runId,
    startArgv,
    startDisplay: display(startArgv),
    callDisplay: `cd ${how.quote([how.workdir])} && ${how.quote(argv)}`,
    pidArgv: ['inspect', '--format', '{{.State.Pid}}', name],
    removeArgv: warmRemoveArgv(input.runtime.name, [name]),
    cwd: how.workdir,
    argv,
    terminal: how.interactive,
    // the container has none of its own (its flags serve every call): a call on a terminal brings them
    terminalEnv: terminalEnv(input.host.env, how.interactive, false),
    callId: input.runId,
    lifelineDir,
  };
}
