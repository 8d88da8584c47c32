// The table of flags a tool's `podman_args` may hold, read by the parser in podman-args.ts (pure data).
// Every flag must be known: either accepted (resource limits, labels, hostname, extra hosts, DNS…),
// accepted with a condition (`--rm` but not `--rm=false`, `--security-opt no-new-privileges` but not
// `seccomp=unconfined`), or refused with the reason and what to use instead; a flag missing here is
// refused. A deny list alone is not enough: podman also accepts its global options after `run`
// (`--runtime /any/host/binary` runs that binary on the host as the OCI runtime, `--hooks-dir`,
// `--module`, `--conmon`…), and each podman release adds flags.

/** Why a flag (or its value) is refused, and what to use instead. */
export interface Refusal {
  why: string;
  instead: string;
}

/** How a flag is parsed and judged. */
export interface FlagSpec {
  /** Takes a value (`--flag v`, `--flag=v`, `-fv`); otherwise a boolean (`--flag`, `--flag=false`). */
  value: boolean;
  /** Undefined: accepted. For booleans the value is "true"/"false" (normalised). */
  verdict?: (value: string) => Refusal | undefined;
}

/** A boolean that is harmful only when set to `bad`. */
const boolean = (bad: 'true' | 'false', why: string, instead: string): FlagSpec => ({ value: false, verdict: (v) => (v === bad ? { why, instead } : undefined) });

/** The way out for what shim refuses: the unsafe switch. */
export const UNSAFE = 'set "unsafe_podman_args": true only if this tool truly needs it (warned on every run)';
const REMOVE = 'remove it';

const MOUNTS: Refusal = { why: 'adds a mount: mounts go through "mounts", where sources are checked against the deny list', instead: 'use "mounts": [{ "src": "...", "dst": "...", "opts": "ro" }]' };
const ENV: Refusal = { why: 'sets variables: they go through "env" and "env_passthrough", where secret-looking names are checked', instead: 'use "env" or "env_passthrough" (and "secrets" for a secret)' };
const NAMESPACE: Refusal = { why: 'changes a namespace shim decides (joining the host\'s lets the tool see or signal host processes and IPC)', instead: REMOVE };
const NETWORK: Refusal = { why: 'changes the network, which shim decides', instead: 'use "network": "none" or "bridge", or allowed_hosts' };
const NETWORK_PART: Refusal = { why: 'belongs to the network, which shim decides', instead: REMOVE };
const USERNS: Refusal = { why: 'changes the user namespace shim decides (keep-id rootless, --user rootful)', instead: REMOVE };
const USER: Refusal = { why: 'changes the user and groups shim decides (your uid and gid, no extra groups)', instead: 'remove it: the tool runs as you, and files it writes are yours' };
const LIFETIME: Refusal = { why: 'changes the container\'s name or lifetime, which shim decides (removed on exit, never detached, signals forwarded)', instead: REMOVE };
const CGROUP: Refusal = { why: 'moves the container out of the cgroup its limits apply to', instead: 'use "limits": { "memory": "2g", "cpus": 1, "pids": 512 }' };
const LIMITS: Refusal = { why: 'sets a limit the tool\'s profile decides (shim must know it to enforce it, report it and refuse hosts that cannot)', instead: 'use "limits": { "memory": "2g", "cpus": 1, "pids": 512 }' };
const HOST_FILE: Refusal = { why: 'makes podman write or read a file at a host path', instead: REMOVE };
const GLOBAL: Refusal = { why: 'is a global podman option: it changes how podman itself runs (OCI runtime binary, storage, hooks run on the host, remote connection)', instead: REMOVE };
const DEVICES: Refusal = { why: 'gives the tool host devices', instead: UNSAFE };
const PORTS: Refusal = { why: 'publishes ports: they go through "ports" (bound to 127.0.0.1, needs "network": "bridge")', instead: 'use "ports"' };

const refused = (r: Refusal, value = true): FlagSpec => ({ value, verdict: () => r });
const ok = (value: boolean): FlagSpec => ({ value });

const SECURITY_OPT_OK = [/^no-new-privileges([=:]true)?$/, /^mask=/];

/** Long flags (without "--"). */
export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  // the limits a profile sets go through "limits"; finer cgroup knobs are accepted
  memory: refused(LIMITS),
  'memory-swap': refused(LIMITS),
  'memory-reservation': ok(true),
  'memory-swappiness': ok(true),
  cpus: refused(LIMITS),
  'cpu-shares': ok(true),
  'cpu-period': ok(true),
  'cpu-quota': ok(true),
  'cpuset-cpus': ok(true),
  'cpuset-mems': ok(true),
  'pids-limit': refused(LIMITS),
  ulimit: ok(true),
  'shm-size': ok(true),
  'blkio-weight': ok(true),
  'blkio-weight-device': ok(true),
  'device-read-bps': ok(true),
  'device-read-iops': ok(true),
  'device-write-bps': ok(true),
  'device-write-iops': ok(true),
  'oom-score-adj': ok(true),
  'cap-drop': ok(true),
  hostname: ok(true),
  'add-host': ok(true),
  dns: ok(true),
  'dns-option': ok(true),
  'dns-search': ok(true),
  'stop-signal': ok(true),
  'stop-timeout': ok(true),
  timeout: ok(true),
  tz: ok(true),
  umask: ok(true),
  label: {
    value: true,
    verdict: (v) =>
      /^io\.shim\./i.test(v) ? { why: 'sets an io.shim.* label, which is shim\'s own (it finds, signals and removes its containers by them)', instead: 'use another label key' } : undefined,
  },
  'no-hosts': ok(false),
  'no-healthcheck': ok(false),
  'read-only-tmpfs': ok(false),
  interactive: ok(false),
  tty: ok(false),
  quiet: ok(false),
  // accepted with a condition
  rm: boolean('false', 'keeps the container after the run', 'remove it: shim removes every run container'),
  'read-only': boolean('false', 'makes the root file system writable', 'remove it; write to /tmp, HOME or a mount'),
  // shim's own init is PID 1 (the lifeline, plan/lifeline.ts): the runtime's would take its place, and
  // the lifeline, no longer PID 1, could be stopped by the tool
  init: refused({ why: 'puts the runtime\'s init in place of shim\'s own, the container\'s lifeline (its PID 1, which the tool cannot stop)', instead: REMOVE }, false),
  'http-proxy': boolean('true', 'copies the host\'s proxy variables (which may hold credentials) into the container', 'remove it; pass what the tool needs with "env"'),
  'oom-kill-disable': boolean('true', 'disables the OOM killer, so a runaway tool can exhaust the host\'s memory', REMOVE),
  'security-opt': {
    value: true,
    verdict: (v) =>
      SECURITY_OPT_OK.some((re) => re.test(v))
        ? undefined
        : { why: 'can turn off seccomp, SELinux/AppArmor confinement, /proc masking or no-new-privileges', instead: 'only "no-new-privileges" and "mask=…" are accepted; anything else needs "unsafe_podman_args": true' },
  },
  systemd: { value: true, verdict: (v) => (v === 'false' ? undefined : { why: 'systemd mode mounts cgroups and tmpfs and changes the stop signal', instead: REMOVE }) },
  // refused
  privileged: boolean('true', 'turns off every protection (capabilities, seccomp, device isolation, /proc masking)', 'nothing: shim runs tools unprivileged'),
  'cap-add': refused({ why: 'gives the tool capabilities shim dropped', instead: UNSAFE }),
  'seccomp-policy': refused({ why: 'can take the seccomp profile from the image', instead: REMOVE }),
  network: refused(NETWORK),
  net: refused(NETWORK),
  'network-alias': refused(NETWORK_PART),
  ip: refused(NETWORK_PART),
  ip6: refused(NETWORK_PART),
  'mac-address': refused(NETWORK_PART),
  pid: refused(NAMESPACE),
  ipc: refused(NAMESPACE),
  uts: refused(NAMESPACE),
  cgroupns: refused(NAMESPACE),
  pod: refused({ why: 'joins a pod and shares its namespaces', instead: REMOVE }),
  'pod-id-file': refused({ why: 'joins a pod and shares its namespaces', instead: REMOVE }),
  userns: refused(USERNS),
  uidmap: refused(USERNS),
  gidmap: refused(USERNS),
  subuidname: refused(USERNS),
  subgidname: refused(USERNS),
  user: refused(USER),
  'group-add': refused(USER),
  hostuser: refused(USER),
  volume: refused(MOUNTS),
  mount: refused(MOUNTS),
  tmpfs: refused(MOUNTS),
  'volumes-from': refused(MOUNTS),
  'image-volume': refused(MOUNTS),
  rootfs: boolean('true', 'uses a host directory as the container\'s root file system', REMOVE),
  device: refused(DEVICES),
  'device-cgroup-rule': refused(DEVICES),
  gpus: refused(DEVICES),
  env: refused(ENV),
  'env-file': refused(ENV),
  'env-merge': refused(ENV),
  unsetenv: refused(ENV),
  'unsetenv-all': boolean('true', ENV.why, ENV.instead),
  'env-host': boolean('true', 'copies the whole host environment (every token and password in it)', 'use "env_passthrough" with exact names (and "secrets")'),
  secret: refused({ why: 'mounts a podman secret', instead: 'pass a secret with "env_passthrough" and list it in "secrets"' }),
  entrypoint: refused({ why: 'replaces the command shim runs', instead: 'use "command"' }),
  workdir: refused({ why: 'replaces the working directory shim sets', instead: 'use "workdir"' }),
  name: refused(LIFETIME),
  replace: boolean('true', LIFETIME.why, LIFETIME.instead),
  detach: boolean('true', LIFETIME.why, LIFETIME.instead),
  restart: refused(LIFETIME),
  requires: refused({ why: 'starts other containers', instead: REMOVE }),
  pull: refused({ why: 'makes podman pull images; shim runs only its own local image (--pull=never)', instead: REMOVE }),
  sysctl: refused({ why: 'sets kernel parameters', instead: REMOVE }),
  'cgroup-parent': refused(CGROUP),
  cgroups: refused(CGROUP),
  'init-path': refused({ why: 'runs a host binary as the container\'s init', instead: REMOVE }),
  annotation: refused({ why: 'annotations can change how the OCI runtime sets up the container (e.g. run.oci.keep_original_groups)', instead: 'use --label for metadata' }),
  'label-file': refused({ why: 'reads labels from a host file', instead: 'use --label' }),
  publish: refused(PORTS),
  expose: refused(PORTS),
  'publish-all': boolean('true', PORTS.why, PORTS.instead),
  cidfile: refused(HOST_FILE),
  'conmon-pidfile': refused(HOST_FILE),
  pidfile: refused(HOST_FILE),
  'preserve-fds': refused({ why: 'passes shim\'s open file descriptors into the container', instead: REMOVE }),
  'log-driver': refused({ why: 'changes where the tool\'s output goes (passthrough hands over the terminal)', instead: REMOVE }),
  // podman's global options, accepted after `run` too
  ...Object.fromEntries(
    ['runtime', 'runtime-flag', 'conmon', 'root', 'runroot', 'storage-driver', 'storage-opt', 'hooks-dir', 'module', 'connection', 'url', 'identity', 'log-level', 'tmpdir', 'volumepath', 'imagestore', 'ssh', 'db-backend', 'config', 'cdi-spec-dir', 'network-cmd-path', 'network-config-dir', 'cgroup-manager', 'events-backend', 'registries-conf'].map(
      (f) => [f, refused(GLOBAL)],
    ),
  ),
  ...Object.fromEntries(['remote', 'syslog', 'transient-store'].map((f) => [f, refused(GLOBAL, false)])),
};

/** Short flags of `podman run` and `docker run` → long names. */
export const SHORT_FLAGS: Readonly<Record<string, string>> = {
  m: 'memory',
  l: 'label',
  h: 'hostname',
  i: 'interactive',
  t: 'tty',
  q: 'quiet',
  d: 'detach',
  e: 'env',
  p: 'publish',
  P: 'publish-all',
  u: 'user',
  v: 'volume',
  w: 'workdir',
};

/** Short flags whose meaning differs between podman's commands: refused, with the long spelling. */
export const AMBIGUOUS_SHORT: Readonly<Record<string, string>> = {
  c: 'podman run reads -c as --cpu-shares, the podman command as --connection; write --cpu-shares',
};
