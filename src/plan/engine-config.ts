// Decides what of the engine's own configuration would reach shim's containers, from plain facts
// (facts/engine-config.ts): podman's containers.conf keys that add to every container are refused,
// naming file and key; docker's client `proxies` are neutralised with a client config shim owns.
// Pure: no file system here.
import path from 'node:path';
import { ConfigError } from '../errors.js';

/** One `key = value` of a containers.conf, as written. */
export interface ConfEntry {
  file: string;
  /** The table it is in ("containers", "engine", …; "" before any table). */
  table: string;
  key: string;
  /** The value as written (comments removed, whitespace kept). */
  value: string;
}

export interface EngineConfigFacts {
  /** Every containers.conf podman may read (CONTAINERS_CONF alone when set), in order, with the files
   *  that could not be read or understood. */
  podman: { files: string[]; entries: ConfEntry[]; unreadable: { file: string; reason: string }[] };
  /** docker's client config (DOCKER_CONFIG, else ~/.docker), when its config.json parses. */
  docker?: { dir: string; config: Record<string, unknown>; entries: string[] };
}

export interface EngineLeak {
  file: string;
  key: string;
  message: string;
}

/** [containers] keys whose values podman adds to every container and no shim flag takes back. */
const ADDED_TO_EVERY_CONTAINER: Record<string, string> = {
  volumes: 'host directories mounted into every container',
  mounts: 'mounts added to every container',
  devices: 'host devices added to every container',
  env: 'environment variables set in every container',
  annotations: 'OCI annotations on every container (the OCI runtime acts on some)',
  env_host: "the host's whole environment copied into every container",
};
/** [containers] keys naming a namespace: "host" would share the host's with every container. */
const NAMESPACE_KEYS = ['pidns', 'utsns', 'cgroupns', 'ipcns', 'netns', 'userns'];

function isEmptyValue(value: string): boolean {
  const v = value.replace(/\s+/g, '');
  return v === '[]' || v === '""' || v === "''" || v === 'false';
}

/** The containers.conf settings podman would add to shim's containers (shim refuses to run then). */
export function findPodmanLeaks(facts: EngineConfigFacts['podman']): EngineLeak[] {
  const leaks: EngineLeak[] = [];
  for (const u of facts.unreadable) {
    leaks.push({ file: u.file, key: '(file)', message: `${u.file}: ${u.reason}, so shim cannot tell what it adds to containers` });
  }
  for (const e of facts.entries) {
    if (e.table !== 'containers') continue;
    const what = ADDED_TO_EVERY_CONTAINER[e.key];
    if (what && !isEmptyValue(e.value)) {
      leaks.push({ file: e.file, key: `[containers] ${e.key}`, message: `${e.file}: [containers] ${e.key} = ${e.value.trim()} (${what})` });
    } else if (NAMESPACE_KEYS.includes(e.key) && /^["']host["']$/.test(e.value.trim())) {
      leaks.push({ file: e.file, key: `[containers] ${e.key}`, message: `${e.file}: [containers] ${e.key} = "host" (the host's namespace shared with every container)` });
    }
  }
  return leaks;
}

/** Refuses to run when podman's configuration would add to shim's containers, naming every file and key. */
export function checkPodmanConfig(facts: EngineConfigFacts['podman']): void {
  const leaks = findPodmanLeaks(facts);
  if (!leaks.length) return;
  const files = [...new Set(leaks.map((l) => l.file))];
  throw new ConfigError(
    `podman's own configuration would add to every shim container, outside shim's policy:\n${leaks.map((l) => `  ${l.message}`).join('\n')}`,
    `remove ${leaks.length === 1 ? 'that key' : 'those keys'} from ${files.join(', ')} (podman has no flag to take ${leaks.length === 1 ? 'it' : 'them'} back), or set CONTAINERS_CONF for shim to a file without ${leaks.length === 1 ? 'it' : 'them'}`,
  );
}

/** The docker client config shim owns, used instead of the user's when theirs has `proxies`. */
export interface DockerConfigOverride {
  dir: string;
  /** config.json: the user's, without `proxies`. */
  configJson: string;
  /** Everything else of the user's config dir (contexts, cli-plugins, buildx, certificates…), linked. */
  links: { path: string; target: string }[];
}

/** docker's client adds its `proxies` (URLs, often with credentials) to every container's environment
 *  and build: https://docs.docker.com/engine/cli/proxy/ . Returns the config without them, or nothing
 *  when there are none. */
export function planDockerConfig(facts: EngineConfigFacts['docker'], shimDir: string): DockerConfigOverride | undefined {
  if (!facts || facts.config.proxies === undefined) return undefined;
  const { proxies: _dropped, ...rest } = facts.config;
  return {
    dir: shimDir,
    configJson: `${JSON.stringify(rest, null, 2)}\n`,
    links: facts.entries.filter((e) => e !== 'config.json').map((e) => ({ path: path.join(shimDir, e), target: path.join(facts.dir, e) })),
  };
}
