import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveShimPaths } from '../../src/config/paths.js';
import { protectedPathSpecs } from '../../src/plan/protected-paths.js';
import { loadProtectedPaths } from '../../src/facts/protected-paths.js';
import { realpathLoose } from '../../src/facts/realpath.js';
import { tempDir } from './tmp.js';

const paths = (home: string, env: Record<string, string> = {}) => resolveShimPaths(env, home);

describe('protectedPathSpecs', () => {
  const specs = protectedPathSpecs({}, '/home/u', paths('/home/u'));
  const labels = specs.map((s) => s.label);

  it('protects /, the system trees and $HOME itself (not its inside)', () => {
    expect(specs.find((s) => s.path === '/')).toMatchObject({ category: 'root', scope: 'self' });
    for (const p of ['/etc', '/usr', '/proc', '/sys', '/dev', '/boot', '/run', '/var/run']) expect(specs.find((s) => s.path === p)).toMatchObject({ category: 'system', scope: 'tree' });
    expect(specs.find((s) => s.path === '/home/u')).toMatchObject({ category: 'home', scope: 'self', label: '$HOME' });
  });

  it.each([
    '~/.ssh', '~/.gnupg', '~/.aws', '~/.azure', '~/.config/gcloud', '~/.kube', '~/.docker', '~/.config/containers', '~/.netrc', '~/.npmrc',
    '~/.pypirc', '~/.git-credentials', '~/.config/gh', '~/.password-store', '~/.local/share/keyrings', '~/.mozilla', '~/.config/google-chrome',
    '~/.config/chromium', '~/.config/BraveSoftware',
  ])('protects the credentials %s as a tree', (label) => {
    expect(specs.find((s) => s.label === label)).toMatchObject({ category: 'credentials', scope: 'tree', path: path.join('/home/u', label.slice(2)) });
  });

  it.each(['~/.bashrc', '~/.bash_profile', '~/.profile', '~/.zshrc', '~/.zprofile', '~/.config/fish', '~/.config/autostart', '~/.config/systemd', '~/.local/bin', '~/.config/mise'])(
    'protects the persistence point %s',
    (label) => {
      expect(specs.find((s) => s.label === label)).toMatchObject({ category: 'persistence', scope: 'tree' });
    },
  );

  it("protects shim's own directories where ShimPaths puts them", () => {
    const custom = protectedPathSpecs({}, '/home/u', paths('/home/u', { XDG_CONFIG_HOME: '/cfg', SHIM_BIN_DIR: '/opt/links', XDG_STATE_HOME: '/st', XDG_CACHE_HOME: '/ca' }));
    const shim = custom.filter((s) => s.category === 'shim').map((s) => s.path);
    expect(shim).toEqual(['/cfg/shim', '/opt/links', '/st/shim', '/ca/shim']);
  });

  it('protects the agent and runtime sockets named by the environment', () => {
    const env = { SSH_AUTH_SOCK: '/tmp/ssh-x/agent.9', DOCKER_HOST: 'unix:///var/tmp/d.sock', CONTAINER_HOST: 'ssh://h/run/x', XDG_RUNTIME_DIR: '/xdg' };
    const sockets = protectedPathSpecs(env, '/home/u', paths('/home/u')).filter((s) => s.category === 'socket');
    expect(sockets.map((s) => [s.label, s.path])).toEqual([
      ['$SSH_AUTH_SOCK', '/tmp/ssh-x/agent.9'],
      ['$DOCKER_HOST', '/var/tmp/d.sock'],
      ['$XDG_RUNTIME_DIR (agent, bus and runtime sockets)', '/xdg'],
    ]);
    // relative or empty values are ignored; without XDG_RUNTIME_DIR, /tmp holds shim's own sockets and
    // may not be mounted itself (a directory in it may)
    expect(protectedPathSpecs({ SSH_AUTH_SOCK: 'rel/sock', XDG_RUNTIME_DIR: '' }, '/home/u', paths('/home/u')).filter((s) => s.category === 'socket')).toEqual([
      { path: '/tmp', label: "/tmp (shim's session, lifeline and egress sockets, with no XDG_RUNTIME_DIR)", category: 'socket', scope: 'self' },
    ]);
  });

  it('has every path absolute and normalised', () => {
    for (const s of protectedPathSpecs({}, '/home/u/', paths('/home/u/'))) expect(path.resolve(s.path)).toBe(s.path);
    expect(labels).not.toContain('~/projects');
  });
});

describe('loadProtectedPaths (real file system)', () => {
  const root = tempDir('shim-protected-');
  const home = path.join(root, 'home');
  fs.mkdirSync(path.join(root, 'dotfiles', 'ssh'), { recursive: true });
  fs.mkdirSync(path.join(root, 'cfg', 'gh'), { recursive: true });
  fs.mkdirSync(home);
  fs.symlinkSync(path.join(root, 'dotfiles', 'ssh'), path.join(home, '.ssh'));
  fs.symlinkSync(path.join(root, 'cfg'), path.join(home, '.config'));
  const resolved = loadProtectedPaths({}, home, paths(home));
  const byLabel = (label: string) => resolved.filter((p) => p.label === label).map((p) => p.path);

  it('protects both the link and the target of a symlinked ~/.ssh', () => {
    expect(byLabel('~/.ssh')).toEqual([path.join(home, '.ssh'), path.join(root, 'dotfiles', 'ssh')]);
  });

  it('resolves a missing protected path through its existing parent, and keeps the lexical path', () => {
    // ~/.config is a link to cfg/; gcloud does not exist
    expect(byLabel('~/.config/gcloud')).toEqual([path.join(home, '.config', 'gcloud'), path.join(root, 'cfg', 'gcloud')]);
    expect(byLabel('~/.aws')).toEqual([path.join(home, '.aws')]);
  });

  it('realpathLoose keeps the missing rest as written', () => {
    expect(realpathLoose(path.join(home, '.config', 'a', 'b'))).toBe(path.join(root, 'cfg', 'a', 'b'));
    expect(realpathLoose('/definitely/not/here')).toBe('/definitely/not/here');
  });

  it('has no duplicates', () => {
    const keys = resolved.map((p) => `${p.path}\0${p.label}\0${p.scope}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
