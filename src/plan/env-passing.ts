// How each container variable reaches the runtime without its value on the runtime's command line
// (pure). `/proc/<pid>/cmdline` of the podman/docker client is readable by every local user, its
// environment (`/proc/<pid>/environ`) only by the same user and root. So a tool's values (`env`,
// `env_passthrough`) are passed as a bare `--env NAME`, which podman and docker copy from their own
// environment (https://docs.podman.io/en/latest/markdown/podman-run.1.html#env-e-env,
// https://docs.docker.com/reference/cli/docker/container/run/#env), and the plan carries the values
// the executor puts into that environment, exactly: a host variable of the same name never gets in.
// shim's own constants (HOME, PATH, the CA, cache and proxy variables, the install helper's lists)
// stay `NAME=value`: they are no secret, and HOME, PATH, SSL_CERT_FILE and the proxy variables must
// keep the runtime's own values, since the runtime reads them itself.
import { ConfigError } from '../errors.js';
import { isSecretName } from './env.js';
import { RUNTIME_SET_NAMES } from './runtime-env.js';

/** Names the runtime client reads from its own environment (podman, docker, the helpers they start,
 *  Go's runtime, the C library and its loader): a tool value under one of these would configure the
 *  runtime itself (LD_PRELOAD, CONTAINERS_CONF, DOCKER_HOST…), so it cannot go through that
 *  environment. Every name runtimeEnv (runtime-env.ts) sets for the runtime is one of them. */
const CLIENT_PREFIXES = ['LD_', 'MALLOC_', 'DOCKER_', 'BUILDKIT_', 'BUILDX_', 'CONTAINER', 'PODMAN_', 'BUILDAH_', 'STORAGE_', 'XDG_', '_CONTAINERS_', 'SSL_CERT_', 'DBUS_', 'LISTEN_', 'NOTIFY_'];
const CLIENT_NAMES = new Set([
  'HOME', 'PATH', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL',
  'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY',
  'GODEBUG', 'GOGC', 'GOMAXPROCS', 'GOMEMLIMIT', 'GOTRACEBACK', 'GORACE', 'GOCOVERDIR', 'GOFIPS140',
  'GCONV_PATH', 'GLIBC_TUNABLES', 'LOCALDOMAIN', 'RES_OPTIONS', 'HOSTALIASES',
  'REGISTRY_AUTH_FILE', 'REGISTRIES_CONFIG_PATH',
]);

/** True when the runtime client itself reads `name` from its environment (case-insensitive). */
export function readByRuntime(name: string): boolean {
  const upper = name.toUpperCase();
  return CLIENT_NAMES.has(upper) || CLIENT_PREFIXES.some((p) => upper.startsWith(p));
}

export interface EnvPassing {
  /** The `--env` flags: `NAME` for a value taken from the runtime's environment, `NAME=value` for shim's own. */
  args: string[];
  /** The value of every bare `--env NAME`: the executor puts exactly these into the runtime's environment. */
  env: Record<string, string>;
}

/**
 * Splits the container's variables into argv flags and the runtime's environment. `toolNames` are the
 * names whose values come from the tool's config or the host (env, env_passthrough); the rest are
 * shim's constants. A tool value goes bare, unless the runtime reads that name itself: then it goes
 * bare only when it is the host's own value (the runtime's environment holds it already, so nothing
 * changes for the runtime), else it goes on argv, which a secret may not (a ConfigError).
 */
export function planEnvPassing(
  env: Readonly<Record<string, string>>,
  toolNames: ReadonlySet<string>,
  hostEnv: Readonly<Record<string, string | undefined>>,
  tool: { name: string; secrets: readonly string[] },
): EnvPassing {
  const args: string[] = [];
  const passed: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const bare = toolNames.has(name) && (!readByRuntime(name) || (hostEnv[name] === value && !RUNTIME_SET_NAMES.includes(name)));
    if (bare) {
      args.push('--env', name);
      passed[name] = value;
      continue;
    }
    if (toolNames.has(name) && (tool.secrets.includes(name) || isSecretName(name))) {
      throw new ConfigError(
        `${tool.name}: ${name} is a secret, and podman/docker read ${name} themselves, so its value could only be passed on their command line (readable by every user in /proc)`,
        `pass it through the host environment unchanged (env_passthrough), or under another name`,
      );
    }
    args.push('--env', `${name}=${value}`);
  }
  return { args, env: passed };
}
