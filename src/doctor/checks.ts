// `shim doctor`, the decisions: from facts gathered elsewhere (src/doctor/facts.ts) to one check per
// line, each pass, fail, warn or skip with a fix for what is wrong. Pure: no file system, no processes.
import type { CgroupVersion, Check, DoctorFacts, ImageFacts, RuntimeFacts, ToolLinkFacts } from './model.js';
import { runcCheck } from './runc-check.js';
export { runcCheck };
import { findPodmanLeaks, type EngineConfigFacts } from '../plan/engine-config.js';

const INSTALL_RUNTIME = 'install podman (recommended, e.g. "apt-get install podman") or docker, and make sure it is on PATH';

/** "runtime": a container runtime was found and answers `info`. */
export function runtimeCheck(rt: RuntimeFacts): Check {
  if (!rt.found) return { id: 'runtime', status: 'fail', message: rt.reason, fix: rt.hint ?? INSTALL_RUNTIME };
  const what = `${rt.name} ${rt.version ?? '(version unknown)'} at ${rt.path}`;
  if (rt.infoError !== undefined) {
    const fix =
      rt.name === 'docker'
        ? 'start the docker daemon (e.g. "systemctl start docker") and make sure you may use it (the docker group, or rootless docker), or use podman'
        : `run "podman info" to see what is wrong (e.g. "podman system migrate" after an upgrade, or missing subuid/subgid ranges for rootless podman)`;
    return { id: 'runtime', status: 'fail', message: `${what} found, but "${rt.name} info" failed: ${firstLine(rt.infoError)}`, fix };
  }
  return { id: 'runtime', status: 'pass', message: what };
}

/** Facts about a runtime that answered `info`, or undefined (dependent checks are skipped then). */
function usable(rt: RuntimeFacts) {
  return rt.found && rt.infoError === undefined ? rt : undefined;
}

const NO_RUNTIME = 'no usable container runtime (see "runtime")';

/** "rootless": whether the runtime runs rootless (rootful is a warning). */
export function rootlessCheck(rt: RuntimeFacts): Check {
  const u = usable(rt);
  if (!u) return { id: 'rootless', status: 'skip', message: NO_RUNTIME };
  if (u.rootless === undefined) return { id: 'rootless', status: 'warn', message: `could not tell whether ${u.name} runs rootless` };
  if (u.rootless) return { id: 'rootless', status: 'pass', message: `${u.name} runs rootless: a container escape gets only your own rights` };
  return {
    id: 'rootless',
    status: 'warn',
    message: `${u.name} runs as root (rootful): tools still run as your user, but a container escape would get root`,
    fix: u.name === 'podman' ? 'run shim as a normal user (rootless podman)' : 'use rootless podman (or rootless docker)',
  };
}

const LIMIT_CONTROLLERS = ['cpu', 'memory', 'pids'];

/** "cgroup": whether the runtime can enforce resource limits on this host. */
export function cgroupCheck(rt: RuntimeFacts, hostCgroup: CgroupVersion | undefined): Check {
  const u = usable(rt);
  const version = u?.cgroupVersion ?? hostCgroup;
  const label = version ? `cgroup ${version}` : 'cgroup version unknown';
  if (!u) return { id: 'cgroup', status: 'skip', message: `${label}; whether limits are enforceable needs a runtime: ${NO_RUNTIME}` };
  const toV2 = 'boot with cgroup v2 (kernel command line systemd.unified_cgroup_hierarchy=1), the default of current distributions';
  if (u.rootless && version === 'v1') {
    return { id: 'cgroup', status: 'warn', message: `${label}: rootless ${u.name} cannot enforce resource limits on cgroup v1`, fix: toV2 };
  }
  if (u.name === 'docker' && u.limitsSupported === false) {
    return { id: 'cgroup', status: 'warn', message: `${label}: docker reports no memory or pids limit support`, fix: version === 'v1' ? toV2 : 'enable the memory and pids cgroup controllers' };
  }
  if (u.rootless && u.name === 'podman') {
    if (!u.cgroupControllers) return { id: 'cgroup', status: 'warn', message: `${label}: podman did not report its delegated cgroup controllers` };
    const missing = LIMIT_CONTROLLERS.filter((c) => !u.cgroupControllers!.includes(c));
    if (missing.length) {
      return {
        id: 'cgroup',
        status: 'warn',
        message: `${label}: the ${missing.join(', ')} controller${missing.length > 1 ? 's are' : ' is'} not delegated to your user, so those limits cannot be enforced`,
        fix: 'delegate them: a systemd drop-in /etc/systemd/system/user@.service.d/delegate.conf with "[Service]\\nDelegate=cpu cpuset io memory pids", then log in again',
      };
    }
  }
  if (!version) return { id: 'cgroup', status: 'warn', message: `${label}: could not tell whether limits are enforceable` };
  return { id: 'cgroup', status: 'pass', message: `${label}: resource limits enforceable` };
}

/** "image": shim's image (or the user's) exists in the runtime. */
export function imageCheck(image: ImageFacts | undefined, rt: RuntimeFacts): Check {
  if (!image) return { id: 'image', status: 'skip', message: 'no image could be chosen' };
  if (image.error !== undefined) return { id: 'image', status: 'fail', message: `cannot choose the image: ${image.error}`, fix: 'reinstall shim (its image recipe, containerfiles/, is unreadable), or set SHIM_IMAGE' };
  if (!usable(rt) || image.present === undefined) return { id: 'image', status: 'skip', message: `${image.ref}: ${NO_RUNTIME}` };
  const runtime = rt.found ? rt.name : 'the runtime';
  if (image.managed) {
    if (image.present) return { id: 'image', status: 'pass', message: `${image.ref} is present and current (its tag is the recipe hash)` };
    return { id: 'image', status: 'fail', message: `${image.ref} (the current recipe) is not built for ${runtime}`, fix: 'run "shim rebuild" (or any tool: the first run builds it)' };
  }
  if (image.present) return { id: 'image', status: 'pass', message: `${image.ref} (from ${image.source}) is present; shim cannot tell whether a user image is current` };
  return { id: 'image', status: 'fail', message: `${image.ref} (from ${image.source}) does not exist in ${runtime}`, fix: `build or pull ${image.ref}, or unset ${image.source} to use shim's own image` };
}

/** "bin-dir": the directory of the tool links is on PATH. */
export function binDirCheck(facts: Pick<DoctorFacts, 'binDir' | 'binDirOnPath'>): Check {
  if (facts.binDirOnPath) return { id: 'bin-dir', status: 'pass', message: `${facts.binDir} is on PATH` };
  return {
    id: 'bin-dir',
    status: 'fail',
    message: `${facts.binDir} is not on PATH: the tool links have no effect`,
    fix: `add it before /usr/bin, e.g. 'export PATH="${facts.binDir}:$PATH"' in your shell profile`,
  };
}

/** "link:<tool>": the tool's link in the bin dir points at this shim. */
export function linkCheck(link: ToolLinkFacts): Check {
  const id = `link:${link.name}`;
  const up = 'run "shim up"';
  switch (link.kind) {
    case 'missing':
      return { id, status: 'fail', message: `${link.file} does not exist`, fix: up };
    case 'file':
      return { id, status: 'fail', message: `${link.file} is a regular file, not a link to shim`, fix: `remove or rename ${link.file} (shim never replaces it), then ${up}` };
    case 'other':
      return { id, status: 'fail', message: `${link.file} is not a link to shim`, fix: `remove ${link.file}, then ${up}` };
    case 'link':
      if (link.isThisShim) return { id, status: 'pass', message: `${link.file} -> shim` };
      if (link.pointsAtShim) {
        return {
          id,
          status: 'fail',
          message: `${link.file} -> ${link.target}: ${link.targetExists ? 'another copy of shim' : 'a copy of shim that no longer exists'}`,
          fix: `${up} (it re-points shim's links at this copy)`,
        };
      }
      return {
        id,
        status: 'fail',
        message: `${link.file} -> ${link.target}${link.targetExists ? '' : ', which does not exist'}: not shim`,
        fix: `remove ${link.file} (shim never replaces a link pointing elsewhere), then ${up}`,
      };
  }
}

/** "path:<tool>": typing the tool's name runs shim, not the tool unsandboxed. */
export function pathCheck(link: ToolLinkFacts, facts: Pick<DoctorFacts, 'binDir' | 'binDirOnPath'>): Check {
  const id = `path:${link.name}`;
  if (link.firstOnPath && link.firstIsShim) return { id, status: 'pass', message: `"${link.name}" resolves to shim (${link.firstOnPath})` };
  if (link.firstOnPath) {
    return {
      id,
      status: 'fail',
      message: `"${link.name}" resolves to ${link.firstOnPath}: typing it runs the tool unsandboxed`,
      fix: facts.binDirOnPath && link.kind === 'link' && link.isThisShim ? `put ${facts.binDir} before ${dirnameOf(link.firstOnPath)} on PATH` : `fix "link:${link.name}" and "bin-dir", and put ${facts.binDir} before ${dirnameOf(link.firstOnPath)} on PATH`,
    };
  }
  return { id, status: 'skip', message: `"${link.name}" is not found on PATH (see "link:${link.name}" and "bin-dir")` };
}

function dirnameOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i > 0 ? file.slice(0, i) : '/';
}

/** One "links" line for the tools whose link and PATH order are right; a "link:<tool>" and "path:<tool>"
 *  pair for each tool where something is wrong. */
export function linkChecks(facts: Pick<DoctorFacts, 'binDir' | 'binDirOnPath' | 'links'>): Check[] {
  const good: string[] = [];
  const wrong: Check[] = [];
  for (const link of facts.links) {
    const pair = [linkCheck(link), pathCheck(link, facts)];
    if (pair.every((c) => c.status === 'pass')) good.push(link.name);
    else wrong.push(...pair);
  }
  const folded: Check[] = good.length
    ? [{ id: 'links', status: 'pass', message: `${good.length === 1 ? `the link of ${good[0]}` : `the ${good.length} links`} in ${facts.binDir} ${good.length === 1 ? 'points' : 'point'} at this shim and ${good.length === 1 ? 'comes' : 'come'} first on PATH${good.length > 1 ? ` (${good.join(', ')})` : ''}` }]
    : [];
  return [...folded, ...wrong];
}

/** "link:<name>": a warning for a link to shim that names no configured tool. */
export function strayLinkCheck(name: string, binDir: string): Check {
  return {
    id: `link:${name}`,
    status: 'warn',
    message: `${binDir}/${name} points at shim, but no tool "${name}" is configured`,
    fix: `remove it ("shim down" then "shim up" rebuilds the links), or configure ${name}`,
  };
}

/** "config" (or one "config:<file>" per broken file): the configuration is valid. */
export function configChecks(facts: Pick<DoctorFacts, 'configFiles' | 'configProblems' | 'configError'>): Check[] {
  if (facts.configError !== undefined) return [{ id: 'config', status: 'fail', message: `cannot read the configuration: ${facts.configError}`, fix: 'check the permissions of the config directory' }];
  if (!facts.configProblems.length) {
    const n = facts.configFiles.length;
    return [{ id: 'config', status: 'pass', message: n ? `${n} config file${n > 1 ? 's' : ''} valid (${facts.configFiles.join(', ')})` : 'no config files yet (nothing is configured)' }];
  }
  return facts.configProblems.map((p) => ({
    id: `config:${p.file}`,
    status: 'fail' as const,
    message: p.messages.map((m) => `${p.file}: ${m}`).join('\n'),
    fix: p.settings
      ? `fix ${p.file}: until then no tool runs`
      : `fix ${p.file}${p.tools.length ? `: until then ${p.tools.join(', ')} cannot run` : ''}`,
  }));
}

/** "egress": the egress proxy's self-test passed. */
export function egressCheck(test: DoctorFacts['egress']): Check {
  if (test.ok) return { id: 'egress', status: 'pass', message: `egress proxy self-test: ${test.detail}` };
  return {
    id: 'egress',
    status: 'fail',
    message: `egress proxy self-test failed: ${test.detail}`,
    fix: 'tools with allowed_hosts cannot run until it passes: check that XDG_RUNTIME_DIR (or /tmp) is writable and that this Node.js supports the permission model (Node 20.19 or later)',
  };
}

/** "sessions": a session's supervisor can hold the tool's terminal here. */
export function sessionsCheck(test: DoctorFacts['sessions']): Check {
  if (test.ok) return { id: 'sessions', status: 'pass', message: `sessions: ${test.detail}` };
  return {
    id: 'sessions',
    status: 'fail',
    message: `sessions cannot run: ${test.detail}`,
    fix: 'shim run --name and tools with "session": true need the @lydell/node-pty package shim depends on (prebuilt for Linux x64 and arm64): reinstall shim with npm, and check that /dev/ptmx is usable',
  };
}

/** "engine-config": whether the runtime's own configuration would add to shim's containers. */
export function engineConfigCheck(engine: EngineConfigFacts | undefined, rt: RuntimeFacts): Check {
  const id = 'engine-config';
  if (!engine || !rt.found) return { id, status: 'skip', message: NO_RUNTIME };
  if (rt.name === 'podman') {
    const leaks = findPodmanLeaks(engine.podman);
    if (leaks.length) {
      return {
        id,
        status: 'fail',
        message: `podman's configuration adds to every container, so shim refuses to run: ${leaks.map((l) => l.message).join('; ')}`,
        fix: `remove those keys from ${[...new Set(leaks.map((l) => l.file))].join(', ')}, or set CONTAINERS_CONF for shim to a file without them`,
      };
    }
    return { id, status: 'pass', message: `no containers.conf adds volumes, mounts, devices, env, annotations or host namespaces (read: ${engine.podman.files.join(', ') || 'none'})` };
  }
  if (engine.docker?.config.proxies !== undefined) {
    return { id, status: 'pass', message: `${engine.docker.dir}/config.json has "proxies": shim runs docker with its own copy of that config without them, so they never reach a container (nor shim's image build)` };
  }
  return { id, status: 'pass', message: "docker's client config adds no proxies to containers" };
}

/** Every check, in display order. */
export function evaluate(facts: DoctorFacts): Check[] {
  const checks: Check[] = [
    runtimeCheck(facts.runtime),
    rootlessCheck(facts.runtime),
    cgroupCheck(facts.runtime, facts.hostCgroup),
    runcCheck(facts.runtime),
    imageCheck(facts.image, facts.runtime),
    engineConfigCheck(facts.engineConfig, facts.runtime),
    binDirCheck(facts),
  ];
  checks.push(...linkChecks(facts));
  for (const name of facts.strayLinks) checks.push(strayLinkCheck(name, facts.binDir));
  checks.push(...configChecks(facts), egressCheck(facts.egress), sessionsCheck(facts.sessions));
  return checks;
}

/** True when no check failed (doctor exits 0). */
export function doctorOk(checks: readonly Check[]): boolean {
  return !checks.some((c) => c.status === 'fail');
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
