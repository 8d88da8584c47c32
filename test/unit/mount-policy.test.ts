import { describe, expect, it } from 'vitest';
import { resolveShimPaths } from '../../src/config/paths.js';
import type { MountConfig } from '../../src/config/schema.js';
import { isWithin } from '../../src/path-helpers.js';
import { decideMounts, destinationProblem, protectedCollision, type MountPolicyInput, type MountSourceFacts } from '../../src/plan/mount-policy.js';
import { protectedPathSpecs } from '../../src/plan/protected-paths.js';

const HOME = '/home/u';
const CWD = '/home/u/projects/app';
const PROTECTED = protectedPathSpecs({ SSH_AUTH_SOCK: '/tmp/ssh-abc/agent.1', DOCKER_HOST: 'unix:///srv/docker.sock' }, HOME, resolveShimPaths({}, HOME));

function src(real: string, config: Partial<MountConfig> = {}, extra: Partial<MountSourceFacts> = {}): MountSourceFacts {
  return { config: { src: real, dst: '/workspace', ...config }, expanded: real, real, kind: 'directory', ...extra };
}

function decide(mounts: MountSourceFacts[], overrides: Partial<MountPolicyInput> = {}) {
  return decideMounts({ tool: 't', gitWritable: false, mounts, protectedPaths: PROTECTED, root: CWD, home: HOME, ...overrides });
}

function violations(mounts: MountSourceFacts[], overrides: Partial<MountPolicyInput> = {}) {
  const d = decide(mounts, overrides);
  return d.ok ? [] : d.violations;
}

describe('isWithin', () => {
  it.each([
    ['/a/b', '/a', true],
    ['/a', '/a', true],
    ['/ab', '/a', false],
    ['/a', '/a/b', false],
    ['/x', '/', true],
    ['/a/..b', '/a', true],
  ])('%s within %s: %s', (child, parent, want) => {
    expect(isWithin(child, parent)).toBe(want);
  });
});

describe('protected sources', () => {
  it.each([
    // [real source, fragment of the reason]
    ['/', 'the root of the file system'],
    ['/etc', 'a system tree'],
    ['/etc/ssl/certs', 'inside /etc'],
    ['/usr/lib', 'inside /usr'],
    ['/proc/1', 'inside /proc'],
    ['/sys', 'a system tree'],
    ['/dev/shm', 'inside /dev'],
    ['/boot', 'a system tree'],
    ['/run/user/1000', 'inside /run'],
    ['/var/run', 'a system tree'],
    ['/var', 'contains /var/'],
    ['/var/lib/docker/volumes', 'inside /var/lib/docker'],
    ['/home/u', 'your home directory'],
    ['/home', 'contains /home/u ($HOME'],
    ['/home/u/.ssh', 'credentials'],
    ['/home/u/.ssh/id_ed25519', 'inside /home/u/.ssh'],
    ['/home/u/.gnupg', 'credentials'],
    ['/home/u/.aws/credentials', 'credentials'],
    ['/home/u/.azure', 'credentials'],
    ['/home/u/.config/gcloud', 'credentials'],
    ['/home/u/.config', 'contains /home/u/.config/'],
    ['/home/u/.kube/config', 'credentials'],
    ['/home/u/.docker', 'credentials'],
    ['/home/u/.config/containers', 'credentials'],
    ['/home/u/.netrc', 'credentials'],
    ['/home/u/.npmrc', 'credentials'],
    ['/home/u/.pypirc', 'credentials'],
    ['/home/u/.git-credentials', 'credentials'],
    ['/home/u/.config/gh/hosts.yml', 'credentials'],
    ['/home/u/.password-store', 'credentials'],
    ['/home/u/.local/share/keyrings', 'credentials'],
    ['/home/u/.mozilla/firefox', 'credentials'],
    ['/home/u/.config/google-chrome', 'credentials'],
    ['/home/u/.config/chromium/Default', 'credentials'],
    ['/home/u/.config/BraveSoftware', 'credentials'],
    ['/home/u/.bashrc', 'persistence point'],
    ['/home/u/.bash_profile', 'persistence point'],
    ['/home/u/.profile', 'persistence point'],
    ['/home/u/.zshrc', 'persistence point'],
    ['/home/u/.zprofile', 'persistence point'],
    ['/home/u/.config/fish/config.fish', 'persistence point'],
    ['/home/u/.config/autostart', 'persistence point'],
    ['/home/u/.config/systemd/user', 'persistence point'],
    ['/home/u/.local/bin', 'persistence point'],
    ['/home/u/.local', 'contains /home/u/.local/'],
    ['/home/u/.config/mise', 'persistence point'],
    ['/home/u/.gitconfig', 'persistence point'],
    ['/home/u/.config/shim', "shim's config directory"],
    ['/home/u/.config/shim/config.d', "shim's config directory"],
    ['/home/u/.local/state/shim', "shim's state directory"],
    ['/home/u/.cache', "contains /home/u/.cache/shim (shim's cache"],
    ['/home/u/.local/share/containers/storage/volumes', 'container runtime storage'],
    ['/tmp/ssh-abc', 'contains /tmp/ssh-abc/agent.1 ($SSH_AUTH_SOCK'],
    ['/srv/docker.sock', '$DOCKER_HOST'],
  ])('refuses %s (%s)', (real, reason) => {
    const v = violations([src(real, { dst: '/data' })]);
    expect(v).toHaveLength(1);
    expect(v[0]!.field).toBe('t.mounts[0].src');
    expect(v[0]!.message).toContain(`resolves to ${real}, which`);
    expect(v[0]!.message).toContain(reason);
    expect(v[0]!.hint).toMatch(/allow_sensitive/);
  });

  it.each([
    ['/home/u/projects'],
    ['/home/u/projects/app'],
    ['/home/u/.cache/pip'],
    ['/home/u/.config/nvim'],
    ['/home/u/.sshfoo'],
    ['/tmp/build'],
    ['/srv/data'],
    ['/var/lib/app'],
    ['/opt/tools'],
  ])('allows %s', (real) => {
    expect(decide([src(real, { dst: '/data' })]).ok).toBe(true);
  });

  it('lets a protected source through with an allow_sensitive reason, and says so nowhere else', () => {
    const d = decide([src('/home/u/.aws', { dst: '/aws', opts: 'ro', allow_sensitive: 'deploys read the profile' })]);
    expect(d).toEqual({ ok: true, mounts: [{ config: { src: '/home/u/.aws', dst: '/aws', opts: 'ro', allow_sensitive: 'deploys read the profile' }, expanded: '/home/u/.aws', real: '/home/u/.aws', dst: '/aws' }] });
  });

  it('never lets a socket or device through, even with allow_sensitive', () => {
    const v = violations([src('/tmp/s.sock', { allow_sensitive: 'please' }, { kind: 'other' })]);
    expect(v.map((x) => x.message)).toEqual(['t.mounts[0].src: "/tmp/s.sock" resolves to /tmp/s.sock, which is neither a directory nor a regular file']);
  });

  it('tells the user to run from the project directory when "." is $HOME', () => {
    const v = violations([src(HOME, { src: '.' })], { root: HOME });
    expect(v[0]!.message).toBe('t.mounts[0].src: "." resolves to /home/u, which is protected ($HOME: your home directory)');
    expect(v[0]!.hint).toMatch(/run the tool from the project directory/);
    // the same hint for "." above $HOME
    expect(violations([src('/home', { src: '.' })], { root: '/home' })[0]!.hint).toMatch(/project directory/);
  });

  it('reports every problem of every mount at once', () => {
    const v = violations([src('/home/u/.ssh'), src(CWD, { dst: '/etc' }), src(CWD, { dst: '/w', opts: 'Z' }, { real: '/srv/x' })]);
    expect(v.map((x) => x.field)).toEqual(['t.mounts[0].src', 't.mounts[1].dst', 't.mounts[2].opts']);
  });

  it('collides by direction: inside only for trees, ancestors for every protected path', () => {
    const home = PROTECTED.find((p) => p.category === 'home')!;
    const ssh = PROTECTED.find((p) => p.label === '~/.ssh')!;
    expect(protectedCollision('/home/u/x', home)).toBeUndefined();
    expect(protectedCollision('/home', home)).toBe('ancestor');
    expect(protectedCollision('/home/u/.ssh/k', ssh)).toBe('inside');
    expect(protectedCollision('/home/u/.ssh', ssh)).toBe('is');
    expect(protectedCollision('/home/u/.ssh2', ssh)).toBeUndefined();
  });
});

describe('destinations', () => {
  it.each([
    ['relative', 'must be an absolute path'],
    ['/', 'must not be "/"'],
    ['/workspace/../etc', 'must be normalised'],
    ['/a//b', 'must be normalised'],
    ['/a/./b', 'must be normalised'],
    ['/proc', 'inside /proc'],
    ['/proc/self', 'inside /proc'],
    ['/sys/fs', 'inside /sys'],
    ['/dev/shm', 'inside /dev'],
    ['/etc', 'inside /etc'],
    ['/etc/resolv.conf', 'inside /etc'],
    ['/etc/shim/ca-bundle.crt', 'inside /etc'],
    ['/usr/local/bin', 'inside /usr'],
    ['/bin', 'inside /bin'],
    ['/sbin/x', 'inside /sbin'],
    ['/lib', 'inside /lib'],
    ['/lib64/ld.so', 'inside /lib64'],
    ['/libx32', 'inside /libx32'],
    ['/run/secrets', 'inside /run'],
    ['/mise', 'inside /mise'],
    ['/mise/installs', 'inside /mise'],
  ])('refuses %s', (dst, why) => {
    const v = violations([src('/srv/data', { dst })]);
    expect(v).toHaveLength(1);
    expect(v[0]!.field).toBe('t.mounts[0].dst');
    expect(v[0]!.message).toContain(why);
    expect(destinationProblem(dst)).toBeDefined();
  });

  it.each(['/workspace', '/workspace/', '/data', '/home/shim/.npmrc', '/tmp', '/tmp/x', '/opt/x', '/var/cache/x', '/library', '/runner', '/procs', '/etcetera'])(
    'allows %s',
    (dst) => {
      expect(destinationProblem(dst)).toBeUndefined();
    },
  );

  it('refuses a duplicate destination (also written with a trailing slash), naming the first', () => {
    const v = violations([src('/srv/a', { dst: '/w' }), src('/srv/b', { dst: '/x' }), src('/srv/c', { dst: '/w/' })]);
    expect(v.map((x) => x.message)).toEqual(['t.mounts[2].dst: /w is already the destination of t.mounts[0]']);
  });

  it('allows nested destinations', () => {
    expect(decide([src('/srv/a', { dst: '/w' }), src('/srv/b', { dst: '/w/sub' })]).ok).toBe(true);
  });
});

describe('options', () => {
  it.each(['z', 'Z', 'ro,z', 'rw,Z'])('allows %s on the project directory', (opts) => {
    expect(decide([src(CWD, { src: '.', opts })]).ok).toBe(true);
  });

  it.each(['z', 'Z', 'ro,Z'])('refuses %s anywhere else', (opts) => {
    const v = violations([src('/srv/data', { opts })]);
    expect(v).toHaveLength(1);
    expect(v[0]!.field).toBe('t.mounts[0].opts');
    expect(v[0]!.message).toMatch(/SELinux relabel\) would change the labels of \/srv\/data on the host; only the project directory/);
  });

  it('refuses relabelling a subdirectory of the project too', () => {
    expect(violations([src(`${CWD}/src`, { opts: 'z' })])[0]!.field).toBe('t.mounts[0].opts');
  });

  it.each(['U', 'rshared', 'suid', 'exec'])('refuses an option outside the allow-list: %s', (o) => {
    expect(violations([src('/srv/data', { opts: `ro,${o}` })]).map((v) => v.message)).toEqual([`t.mounts[0].opts: "${o}" is not allowed`]);
  });
});

describe('.git overlay', () => {
  const gitDir = { kind: 'directory' as const, real: `${CWD}/.git` };

  it('adds a read-only .git over a writable mount holding one', () => {
    const d = decide([src(CWD, { src: '.' }, { git: gitDir })]);
    expect(d.ok && d.mounts[0]!.gitOverlays).toEqual([{ src: `${CWD}/.git`, dst: '/workspace/.git' }]);
  });

  it('overlays a .git file (worktree pointer) too, at a normalised destination', () => {
    const d = decide([src(CWD, { dst: '/w/' }, { git: { kind: 'file', real: `${CWD}/.git` } })]);
    expect(d.ok && d.mounts[0]!.gitOverlays).toEqual([{ src: `${CWD}/.git`, dst: '/w/.git' }]);
  });

  it.each([
    ['read-only mount', { opts: 'ro' }, {}],
    ['git_writable', {}, { gitWritable: true }],
  ])('adds none for a %s', (_, config, overrides) => {
    const d = decide([src(CWD, config, { git: gitDir })], overrides);
    expect(d.ok && d.mounts[0]!.gitOverlays).toBeUndefined();
    expect(d.ok).toBe(true);
  });

  it('adds none without a .git', () => {
    const d = decide([src(CWD)]);
    expect(d.ok && 'gitOverlays' in d.mounts[0]!).toBe(false);
  });

  it('refuses a .git that is a symbolic link or a special file over a writable mount', () => {
    const link = violations([src(CWD, {}, { git: { kind: 'symlink', real: '/srv/elsewhere' } })]);
    expect(link[0]!.message).toBe(`t.mounts[0].src: ${CWD}/.git is a symbolic link, so it cannot be mounted read-only over the writable project`);
    expect(violations([src(CWD, {}, { git: { kind: 'other', real: `${CWD}/.git` } })])[0]!.message).toContain('special file');
    // read-only, the link is harmless
    expect(decide([src(CWD, { opts: 'ro' }, { git: { kind: 'symlink', real: '/home/u/.ssh' } })]).ok).toBe(true);
  });

  it('never overlays a protected .git target (a planted link resolving into ~/.ssh)', () => {
    const v = violations([src(CWD, {}, { git: { kind: 'directory', real: '/home/u/.ssh' } })]);
    expect(v[0]!.message).toContain('resolves to /home/u/.ssh, which is protected');
  });

  it('refuses a writable mount of a .git directory or anything inside one, unless git_writable', () => {
    for (const real of [`${CWD}/.git`, `${CWD}/.git/hooks`]) {
      const v = violations([src(real, { dst: '/g' })]);
      expect(v.map((x) => x.field)).toEqual(['t.mounts[0].src']);
      expect(v[0]!.message).toContain('inside a .git directory');
      expect(decide([src(real, { dst: '/g', opts: 'ro' })]).ok).toBe(true);
      expect(decide([src(real, { dst: '/g' })], { gitWritable: true }).ok).toBe(true);
    }
  });

  it.each(['/workspace/.git', '/workspace/.git/hooks'])('refuses another mount at or under the overlay (%s), listed before or after', (dst) => {
    const other = src('/srv/x', { dst });
    const project = src(CWD, {}, { git: gitDir });
    for (const [mounts, index] of [
      [[project, other], 1],
      [[other, project], 0],
    ] as const) {
      const v = violations([...mounts]);
      expect(v.map((x) => x.field)).toContain(`t.mounts[${index}].dst`);
      expect(v.map((x) => x.message).join('\n')).toContain('the read-only .git of');
    }
    // with git_writable there is no overlay to cover
    expect(decide([project, other], { gitWritable: true }).ok).toBe(true);
  });
});

describe('nested .git and sockets below a mount (the bounded walk)', () => {
  const tree = (extra: Partial<NonNullable<MountSourceFacts['tree']>> = {}): NonNullable<MountSourceFacts['tree']> => ({ gits: [], sockets: [], complete: true, limit: 100, ...extra });
  const nested = tree({ gits: [{ rel: 'sub/.git', kind: 'directory' }, { rel: 'mod/.git', kind: 'file' }] });

  it('overlays every nested .git (directory or submodule file) read-only, after the top one', () => {
    const d = decide([src(CWD, {}, { git: { kind: 'directory', real: `${CWD}/.git` }, tree: nested })]);
    expect(d.ok && d.mounts[0]!.gitOverlays).toEqual([
      { src: `${CWD}/.git`, dst: '/workspace/.git' },
      { src: `${CWD}/sub/.git`, dst: '/workspace/sub/.git' },
      { src: `${CWD}/mod/.git`, dst: '/workspace/mod/.git' },
    ]);
  });

  it.each([
    ['read-only mount', { opts: 'ro' }, {}],
    ['git_writable', {}, { gitWritable: true }],
  ])('overlays none for a %s', (_, config, overrides) => {
    const d = decide([src(CWD, config, { tree: nested })], overrides);
    expect(d.ok && d.mounts[0]!.gitOverlays).toBeUndefined();
  });

  it('refuses a nested .git that is a symbolic link', () => {
    const v = violations([src(CWD, {}, { tree: tree({ gits: [{ rel: 'sub/.git', kind: 'symlink' }] }) })]);
    expect(v.map((x) => x.message)).toEqual([`t.mounts[0].src: ${CWD}/sub/.git is a symbolic link, so it cannot be mounted read-only over the writable mount`]);
  });

  it('refuses a mount holding a socket, naming it, read-only or not; allow_sensitive lets it through', () => {
    const sockets = tree({ sockets: [`${CWD}/tmp/agent.sock`, `${CWD}/b.sock`] });
    for (const opts of ['rw', 'ro']) {
      const v = violations([src(CWD, { opts }, { tree: sockets })]);
      expect(v.map((x) => x.message)).toEqual([`t.mounts[0].src: "${CWD}" resolves to ${CWD}, which holds a unix socket at ${CWD}/tmp/agent.sock (and 1 more): a tool could connect to whatever listens there`]);
      expect(v[0]!.hint).toContain('narrower');
    }
    expect(decide([src(CWD, { allow_sensitive: 'the tool talks to its daemon' }, { tree: sockets })]).ok).toBe(true);
  });

  it('fails closed when the walk stopped at its bound, unless nothing below needs checking', () => {
    const partial = tree({ complete: false, limit: 7 });
    expect(violations([src(CWD, {}, { tree: partial })])[0]!.message).toContain('holds more than 7 entries');
    expect(violations([src(CWD, { opts: 'ro' }, { tree: partial })])[0]!.message).toContain('holds more than 7 entries');
    expect(violations([src(CWD, { allow_sensitive: 'x' }, { tree: partial })])[0]!.message).toContain('nested .git');
    expect(decide([src(CWD, { opts: 'ro', allow_sensitive: 'x' }, { tree: partial })]).ok).toBe(true);
    expect(decide([src(CWD, { allow_sensitive: 'x' }, { tree: partial })], { gitWritable: true }).ok).toBe(true);
  });

  it('refuses another mount covering a nested .git overlay', () => {
    const v = violations([src(CWD, {}, { tree: nested }), src('/srv/data', { dst: '/workspace/sub/.git/hooks' })]);
    expect(v.map((x) => x.message)).toEqual(['t.mounts[1].dst: /workspace/sub/.git/hooks would cover /workspace/sub/.git, the read-only .git of t.mounts[0]']);
  });
});
