// `shim doctor`'s two kinds of value: the facts gathered about this machine (src/doctor/facts.ts) and
// the checks decided from them (src/doctor/checks.ts). Types only, so both sides share them.
import type { EngineConfigFacts } from '../plan/engine-config.js';

/** How one check came out. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One line of doctor's report: what was checked, how it came out, and what to do when it failed. */
export interface Check {
  id: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

/** The cgroup hierarchy of the host or the runtime. */
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
  /** The distribution package holding the binary, when a package manager owns it. */
  package?: PackageFacts;
}

/** A distribution package (dpkg or rpm) and the CVE ids its changelog names (backported fixes). */
export interface PackageFacts {
  manager: 'dpkg' | 'rpm';
  name: string;
  /** The package's full version, e.g. "1.1.5+ds1-1+deb12u1". */
  version: string;
  /** Where the changelog was read (a file, or the rpm query). */
  changelog: string;
  /** CVE ids the changelog names, sorted, unique. */
  cves: string[];
}

/** The container runtime: not found (and why), or what it said about itself. */
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

/** The image tools run in, and whether the runtime has it. */
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

/** What is at a tool's path in the bin dir. */
export type LinkKind = 'missing' | 'link' | 'file' | 'other';

/** One configured tool's link in the bin dir and what its name resolves to on PATH. */
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

/** One config file that does not validate. */
export interface ConfigProblemFacts {
  /** Shown relative to the config directory when it lives there. */
  file: string;
  messages: string[];
  /** Tools it seems to define (they cannot run until it is fixed). */
  tools: string[];
  settings: boolean;
}

/** Everything doctor looked at, gathered once by src/doctor/facts.ts. */
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
  /** Whether a session's supervisor can hold a pseudo-terminal here (see session-self-test.ts). */
  sessions: { ok: boolean; detail: string };
  /** The engine's own configuration that could reach containers (facts/engine-config.ts). */
  engineConfig?: EngineConfigFacts;
}

/** What the tool may reach, from explain's report (src/commands/explain.ts). */
export interface ToolReachFacts {
  network: string;
  allowedHosts: string[];
  ports: string[];
  mounts: { src: string; dst: string; mode: 'ro' | 'rw' }[];
  env: string[];
  notEnforced: string[];
  warnings: string[];
}

/** The trial run: `command -v <command>` in a container planned like the tool's own run. */
export interface TrialFacts {
  exitCode: number;
  /** Where the command was found in the container; undefined when the script did not run. */
  found?: string;
  /** The script ran and the command was not found. */
  missing?: boolean;
  /** The run's output (stderr, then stdout), for a failure. */
  output: string;
}

/** Everything `shim doctor <tool>` decides on (src/doctor/tool-facts.ts). */
export interface ToolDoctorFacts {
  name: string;
  /** The tool could not be resolved or planned. */
  configError?: { message: string; hint?: string };
  spec?: string;
  command?: string;
  /** Where the tool's "tool" field comes from (a config file). */
  origin?: string;
  runtime?: RuntimeFacts;
  image?: ImageFacts;
  install?: { kind: 'ready'; version: string; commands?: string[] } | { kind: 'stale'; reason: string };
  trial?: TrialFacts;
  /** The egress self-test, for an allow-list tool only. */
  egress?: { ok: boolean; detail: string };
  reach?: ToolReachFacts;
  /** The tool's credentials whose source is missing here: required ones stop every run, optional ones
   *  are left unset. `from` as shim shows it (a cmd: source's command is not). */
  absentCredentials?: { name: string; from: string; optional: boolean }[];
}
