// The host paths no mount may expose without a stated reason: the root, system trees, the home
// directory itself, credentials, places whose contents the host executes later (persistence points),
// shim's own files, the container runtimes' storage and the agent sockets. Listing them is pure
// (protectedPathSpecs); resolving them through symlinks is facts/protected-paths.ts (loadProtectedPaths).
import path from 'node:path';
import type { ShimPaths } from '../config/paths.js';
import type { Env } from '../host.js';
import { socketBase } from './socket-base.js';

export type ProtectedCategory = 'root' | 'system' | 'home' | 'credentials' | 'persistence' | 'shim' | 'runtime' | 'socket';

/**
 * `tree`: the path, everything inside it and every ancestor are protected.
 * `self`: the path and its ancestors only (what lies inside, e.g. ~/projects, may be mounted).
 */
export type ProtectedScope = 'tree' | 'self';

export interface ProtectedPath {
  /** Absolute, normalised host path (a real path when it exists). */
  path: string;
  /** How the user would recognise it, e.g. "~/.ssh" or "$SSH_AUTH_SOCK". */
  label: string;
  category: ProtectedCategory;
  scope: ProtectedScope;
}

/** System trees: the host's programs, configuration, kernel interfaces and devices. */
export const SYSTEM_TREES = ['/etc', '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/sys', '/dev', '/boot', '/run', '/var/run'];

/** Container storage (images, volumes: another tool's install) of the runtimes. */
const RUNTIME_STORAGE = ['/var/lib/containers', '/var/lib/docker', '/var/run/docker.sock', '/run/podman'];

/** Credentials under $HOME. */
export const HOME_CREDENTIALS = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.kube',
  '.docker',
  '.config/containers',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.config/gh',
  '.password-store',
  '.local/share/keyrings',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.pgpass',
  '.vault-token',
  // browser profiles (cookies, saved passwords)
  '.mozilla',
  '.config/google-chrome',
  '.config/chromium',
  '.config/BraveSoftware',
  '.config/microsoft-edge',
  '.config/vivaldi',
  '.config/opera',
];

/** Files and directories under $HOME whose contents the host runs later. */
export const HOME_PERSISTENCE = [
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.profile',
  '.zshrc',
  '.zprofile',
  '.zshenv',
  '.zlogin',
  '.config/fish',
  '.config/autostart',
  '.config/systemd',
  '.config/environment.d',
  '.pam_environment',
  '.local/bin',
  '.config/mise',
  // git configuration runs commands (core.fsmonitor, core.hooksPath, aliases)
  '.gitconfig',
  '.config/git',
];

/** Rootless runtimes keep their images and volumes (tool installs) here. */
const HOME_RUNTIME = ['.local/share/containers', '.local/share/docker'];

/** Every protected path as written (lexical, absolute), before resolving symlinks. Pure. */
export function protectedPathSpecs(env: Env, home: string, paths: ShimPaths): ProtectedPath[] {
  const h = path.resolve(home);
  const under = (rel: string) => path.join(h, rel);
  const specs: ProtectedPath[] = [
    { path: '/', label: '/', category: 'root', scope: 'self' },
    ...SYSTEM_TREES.map((p) => ({ path: p, label: p, category: 'system' as const, scope: 'tree' as const })),
    { path: h, label: '$HOME', category: 'home', scope: 'self' },
    ...HOME_CREDENTIALS.map((rel) => ({ path: under(rel), label: `~/${rel}`, category: 'credentials' as const, scope: 'tree' as const })),
    ...HOME_PERSISTENCE.map((rel) => ({ path: under(rel), label: `~/${rel}`, category: 'persistence' as const, scope: 'tree' as const })),
    ...RUNTIME_STORAGE.map((p) => ({ path: p, label: p, category: 'runtime' as const, scope: 'tree' as const })),
    ...HOME_RUNTIME.map((rel) => ({ path: under(rel), label: `~/${rel}`, category: 'runtime' as const, scope: 'tree' as const })),
    { path: paths.configDir, label: "shim's config directory", category: 'shim', scope: 'tree' },
    { path: paths.binDir, label: "shim's link directory", category: 'shim', scope: 'tree' },
    { path: paths.stateDir, label: "shim's state directory (lock file, audit log)", category: 'shim', scope: 'tree' },
    { path: paths.cacheDir, label: "shim's cache directory (image build context)", category: 'shim', scope: 'tree' },
  ];
  // agent and runtime sockets: the socket itself is refused anyway (not a file or directory); protecting
  // it as a tree also refuses the directories that hold it
  for (const name of ['SSH_AUTH_SOCK', 'GPG_AGENT_INFO']) {
    const value = env[name]?.split(':')[0];
    if (value && path.isAbsolute(value)) specs.push({ path: value, label: `$${name}`, category: 'socket', scope: 'tree' });
  }
  for (const name of ['DOCKER_HOST', 'CONTAINER_HOST']) {
    const m = /^unix:\/\/(\/.*)$/.exec(env[name] ?? '');
    if (m) specs.push({ path: m[1]!, label: `$${name}`, category: 'socket', scope: 'tree' });
  }
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) {
    specs.push({ path: env.XDG_RUNTIME_DIR, label: '$XDG_RUNTIME_DIR (agent, bus and runtime sockets)', category: 'socket', scope: 'tree' });
  } else {
    // shim's own sockets (session supervisors, other runs' lifelines and egress proxies) are then
    // directly in /tmp: /tmp itself may not be mounted, a directory in it may
    specs.push({ path: socketBase(env), label: "/tmp (shim's session, lifeline and egress sockets, with no XDG_RUNTIME_DIR)", category: 'socket', scope: 'self' });
  }
  return specs.map((s) => ({ ...s, path: path.resolve(s.path) }));
}
