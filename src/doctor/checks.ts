// `shim doctor`, the decisions: from facts gathered elsewhere (src/doctor/facts.ts) to one check per
// line, each pass, fail, warn or skip with a fix for what is wrong. Pure: no file system, no processes.

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface Check {
  id: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export type CgroupVersion = 'v1' | 'v2';

/** The OCI runtime the container runtime uses (runc, crun…), as far as it could be found out. */
export interface OciRuntimeFacts {
  /** "runc", "crun"… (unknown when only a version text was found). */
  name?: string;
  /** Raw version text, e.g. "runc version 1.1.5+ds1\ncommit: …" or "v1.1.12-0-g51d5e94". */
  version?: string;
  /** Where the facts came from, for the message ("podman info", "docker version", "runc --version"). */
  source: string;
  /** The binary, when the runtime named it (used to ask it for its version). */
  path?: string;
}

export type RuntimeFacts =
  | { found: false; reason: string; hint?: string }
  | {
      found: true;
      name: 'podman' | 'docker';
      path: string;
      /** Server version when there is one (docker, podman remote), else the client's. */
      version?: string;
      /** Set when `<runtime> info` failed: nothing else about the runtime is known then. */
      infoError?: string;
      rootless?: boolean;
      cgroupVersion?: CgroupVersion;
      /** Controllers available to the runtime (podman reports the delegated ones when rootless). */
      cgroupControllers?: string[];
      /** docker info: MemoryLimit && PidsLimit. */
      limitsSupported?: boolean;
      oci?: OciRuntimeFacts;
    };

export interface ImageFacts {
  ref: string;
  /** shim's own image (tag = recipe hash, so present means current) or a user image. */
  managed: boolean;
  source: string;
  /** Undefined when it could not be asked (no usable runtime). */
  present?: boolean;
  /** The image could not even be chosen (unreadable recipe…). */
  error?: string;
}

export type LinkKind = 'missing' | 'link' | 'file' | 'other';

export interface ToolLinkFacts {
  name: string;
  /** <bin dir>/<name> */
  file: string;
  kind: LinkKind;
  /** The link's target as written (kind "link"). */
  target?: string;
  /** The link's target exists (kind "link"). */
  targetExists?: boolean;
  /** The link resolves to the running shim (bin/shim.js of this installation). */
  isThisShim?: boolean;
  /** The link points at some copy of shim (possibly another installation, possibly removed). */
  pointsAtShim?: boolean;
  /** What a shell runs for the name: the first executable file on PATH. */
  firstOnPath?: string;
  /** That first executable resolves to shim. */
  firstIsShim?: boolean;
}

export interface ConfigProblemFacts {
  /** Shown relative to the config directory when it lives there. */
  file: string;
  messages: string[];
  /** Tools it seems to define (they cannot run until it is fixed). */
  tools: string[];
  settings: boolean;
}

export interface DoctorFacts {
  runtime: RuntimeFacts;
  /** From /sys/fs/cgroup (undefined when it could not be read). */
  hostCgroup?: CgroupVersion;
  image?: ImageFacts;
  binDir: string;
  binDirOnPath: boolean;
  links: ToolLinkFacts[];
  /** Links in the bin dir that point at shim but name no configured tool. */
  strayLinks: string[];
  configFiles: string[];
  configProblems: ConfigProblemFacts[];
  /** Set when the configuration could not be loaded at all. */
  configError?: string;
  /** The egress proxy's self-test (see egress-self-test.ts). */
  egress: { ok: boolean; detail: string };
}

// ---------------------------------------------------------------------------------------------------
// Versions and the runc advisories

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Release candidate number: 1.4.0-rc.2 → 2 (a release candidate sorts before its release). */
  rc?: number;
}

/** Finds the first x.y.z (optionally -rc.N / -rcN) in a version text; undefined when there is none. */
export function parseVersion(text: string | undefined): Version | undefined {
  if (!text) return undefined;
  const m = /(\d+)\.(\d+)\.(\d+)(?:-rc\.?(\d+))?/.exec(text);
  if (!m) return undefined;
  const v: Version = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
  if (m[4] !== undefined) v.rc = Number(m[4]);
  return v;
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}${v.rc !== undefined ? `-rc.${v.rc}` : ''}`;
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  const d = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (d) return d;
  if (a.rc === b.rc) return 0;
  if (a.rc === undefined) return 1;
  if (b.rc === undefined) return -1;
  return a.rc - b.rc;
}

export interface RuncAdvisory {
  cves: string[];
  /** First fixed version of each release line (major.minor); a line below every listed one has no fix. */
  fixedIn: string[];
}

export const RUNC_ADVISORIES: readonly RuncAdvisory[] = [
  { cves: ['CVE-2024-21626'], fixedIn: ['1.1.12'] },
  { cves: ['CVE-2025-31133', 'CVE-2025-52565', 'CVE-2025-52881'], fixedIn: ['1.2.8', '1.3.3', '1.4.0-rc.2'] },
];

/** True when `v` is affected: below the fix of its own line, or on a line older than every fixed one.
 *  Lines newer than every fixed one are not affected. */
export function isAffected(v: Version, fixedIn: readonly string[]): boolean {
  const fixes = fixedIn.map((f) => parseVersion(f)!).sort(compareVersions);
  const sameLine = fixes.find((f) => f.major === v.major && f.minor === v.minor);
  if (sameLine) return compareVersions(v, sameLine) < 0;
  const lowest = fixes[0]!;
  return compareVersions(v, { major: lowest.major, minor: lowest.minor, patch: 0, rc: 0 }) < 0;
}

/** The CVEs a runc version is affected by (empty when none). */
export function runcCves(v: Version): string[] {
  return RUNC_ADVISORIES.filter((a) => isAffected(v, a.fixedIn)).flatMap((a) => a.cves);
}

// ---------------------------------------------------------------------------------------------------
// The checks

const INSTALL_RUNTIME = 'install podman (recommended, e.g. "apt-get install podman") or docker, and make sure it is on PATH';

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

export function cgroupCheck(rt: RuntimeFacts, hostCgroup: CgroupVersion | undefined): Check {
  const u = usable(rt);
  const version = u?.cgroupVersion ?? hostCgroup;
  const label = version ? `cgroup ${version}` : 'cgroup version unknown';
  const note = ' (shim does not apply limits yet)';
  if (!u) return { id: 'cgroup', status: 'skip', message: `${label}; whether limits are enforceable needs a runtime: ${NO_RUNTIME}` };
  const toV2 = 'boot with cgroup v2 (kernel command line systemd.unified_cgroup_hierarchy=1), the default of current distributions';
  if (u.rootless && version === 'v1') {
    return { id: 'cgroup', status: 'warn', message: `${label}: rootless ${u.name} cannot enforce resource limits on cgroup v1${note}`, fix: toV2 };
  }
  if (u.name === 'docker' && u.limitsSupported === false) {
    return { id: 'cgroup', status: 'warn', message: `${label}: docker reports no memory or pids limit support${note}`, fix: version === 'v1' ? toV2 : 'enable the memory and pids cgroup controllers' };
  }
  if (u.rootless && u.name === 'podman') {
    if (!u.cgroupControllers) return { id: 'cgroup', status: 'warn', message: `${label}: podman did not report its delegated cgroup controllers${note}` };
    const missing = LIMIT_CONTROLLERS.filter((c) => !u.cgroupControllers!.includes(c));
    if (missing.length) {
      return {
        id: 'cgroup',
        status: 'warn',
        message: `${label}: the ${missing.join(', ')} controller${missing.length > 1 ? 's are' : ' is'} not delegated to your user, so those limits cannot be enforced${note}`,
        fix: 'delegate them: a systemd drop-in /etc/systemd/system/user@.service.d/delegate.conf with "[Service]\\nDelegate=cpu cpuset io memory pids", then log in again',
      };
    }
  }
  if (!version) return { id: 'cgroup', status: 'warn', message: `${label}: could not tell whether limits are enforceable${note}` };
  return { id: 'cgroup', status: 'pass', message: `${label}: resource limits enforceable${note}` };
}

function ociName(oci: OciRuntimeFacts): string | undefined {
  if (oci.name) return oci.name;
  const m = /^\s*([a-z][a-z0-9-]*) version/i.exec(oci.version ?? '');
  return m?.[1]?.toLowerCase();
}

export function runcCheck(rt: RuntimeFacts): Check {
  const u = usable(rt);
  if (!u) return { id: 'runc', status: 'skip', message: NO_RUNTIME };
  const thresholds = 'runc 1.1.12 fixes CVE-2024-21626; 1.2.8, 1.3.3 and 1.4.0-rc.2 fix CVE-2025-31133, CVE-2025-52565 and CVE-2025-52881';
  const oci = u.oci;
  const name = oci ? ociName(oci) : undefined;
  if (name && !/runc/.test(name)) {
    return { id: 'runc', status: 'pass', message: `${u.name} uses ${name}${oci?.version ? ` ${formatVersionText(oci.version)}` : ''}, not runc: the runc container-escape CVEs do not apply` };
  }
  const version = parseVersion(oci?.version);
  if (!version) {
    return {
      id: 'runc',
      status: 'warn',
      message: `could not determine the runc version${oci?.version ? ` from ${JSON.stringify(firstLine(oci.version))}` : ''}`,
      fix: `run "runc --version" and compare: ${thresholds}`,
    };
  }
  const cves = runcCves(version);
  const shown = `runc ${formatVersionText(oci!.version!)}`;
  if (!cves.length) return { id: 'runc', status: 'pass', message: `${shown} (from ${oci!.source}): not affected by ${RUNC_ADVISORIES.flatMap((a) => a.cves).join(', ')}` };
  return {
    id: 'runc',
    status: 'fail',
    message: `${shown} (from ${oci!.source}) is affected by container-escape ${cves.length > 1 ? 'CVEs' : 'CVE'} ${cves.join(', ')}`,
    fix: `upgrade runc (${thresholds}); distribution packages may carry the fixes under an older version number: check your distribution's security tracker`,
  };
}

/** The version as the runtime printed it, first line, without the "runc version " prefix. */
function formatVersionText(text: string): string {
  return firstLine(text).replace(/^\s*[a-z][a-z0-9-]* version\s+/i, '').trim();
}

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

export function binDirCheck(facts: Pick<DoctorFacts, 'binDir' | 'binDirOnPath'>): Check {
  if (facts.binDirOnPath) return { id: 'bin-dir', status: 'pass', message: `${facts.binDir} is on PATH` };
  return {
    id: 'bin-dir',
    status: 'fail',
    message: `${facts.binDir} is not on PATH: the tool links have no effect`,
    fix: `add it before /usr/bin, e.g. 'export PATH="${facts.binDir}:$PATH"' in your shell profile`,
  };
}

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

export function strayLinkCheck(name: string, binDir: string): Check {
  return {
    id: `link:${name}`,
    status: 'warn',
    message: `${binDir}/${name} points at shim, but no tool "${name}" is configured`,
    fix: `remove it ("shim down" then "shim up" rebuilds the links), or configure ${name}`,
  };
}

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

export function egressCheck(test: DoctorFacts['egress']): Check {
  if (test.ok) return { id: 'egress', status: 'pass', message: `egress proxy self-test: ${test.detail}` };
  return {
    id: 'egress',
    status: 'fail',
    message: `egress proxy self-test failed: ${test.detail}`,
    fix: 'tools with allowed_hosts cannot run until it passes: check that XDG_RUNTIME_DIR (or /tmp) is writable and that this Node.js supports the permission model (Node 20.19 or later)',
  };
}

/** Every check, in display order. */
export function evaluate(facts: DoctorFacts): Check[] {
  const checks: Check[] = [
    runtimeCheck(facts.runtime),
    rootlessCheck(facts.runtime),
    cgroupCheck(facts.runtime, facts.hostCgroup),
    runcCheck(facts.runtime),
    imageCheck(facts.image, facts.runtime),
    binDirCheck(facts),
  ];
  for (const link of facts.links) checks.push(linkCheck(link), pathCheck(link, facts));
  for (const name of facts.strayLinks) checks.push(strayLinkCheck(name, facts.binDir));
  checks.push(...configChecks(facts), egressCheck(facts.egress));
  return checks;
}

export function doctorOk(checks: readonly Check[]): boolean {
  return !checks.some((c) => c.status === 'fail');
}

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

/** ✓/✗/!/– lines, continuation lines indented, a "fix:" line under each failure and warning. */
export function formatHuman(checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    const [first, ...rest] = c.message.split('\n');
    lines.push(`${MARK[c.status]} ${c.id}: ${first}`);
    for (const r of rest) lines.push(`    ${r}`);
    if (c.fix && (c.status === 'fail' || c.status === 'warn')) lines.push(`  fix: ${c.fix}`);
  }
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const failed = count('fail');
  const warned = count('warn');
  const warnings = `${warned} warning${warned === 1 ? '' : 's'}`;
  lines.push('', failed ? `${failed} of ${checks.length} checks failed${warned ? `, ${warnings}` : ''}` : `no check failed${warned ? ` (${warnings})` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(checks: readonly Check[]): string {
  return `${JSON.stringify({ ok: doctorOk(checks), checks }, null, 2)}\n`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
