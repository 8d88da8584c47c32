// Adversarial mount cases, run for real on rootful podman: every refused probe must exit 125 before
// anything is installed or started, and each has a positive control showing the same probe works when
// it points at something harmless. Outcomes are checked on the host side (files, containers, volumes).
// A fake HOME inside the sandbox root is passed to every run, so the protected paths derive from it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';
import { expectNothingStarted } from './refusal.js';

const tag = Math.random().toString(36).slice(2, 8);
/** Installed once; runs every positive control. */
const PROBE = `mprobe-${tag}`;
/** Never installed: every refused configuration runs under this name, so nothing of it may ever exist. */
const DENY = `mdeny-${tag}`;
const BASE = { tool: 'npm:cowsay', command: 'sh' };
const PROJECT = { src: '.', dst: '/workspace' };

describe('mount policy against real containers (podman)', () => {
  let sb: Sandbox;
  let home: string;
  let normal: string;
  let server: net.Server;
  let sockDir: string;

  const configure = (tool: string, cfg: Record<string, unknown>) => {
    const tools = { [PROBE]: BASE, [DENY]: BASE, [tool]: { ...BASE, ...cfg } };
    fs.writeFileSync(path.join(sb.root, 'config', 'shim', 'config.json'), JSON.stringify(tools, null, 2));
  };
  const run = (tool: string, cfg: Record<string, unknown>, script: string, opts: { cwd?: string; env?: Record<string, string> } = {}) => {
    configure(tool, cfg);
    return sb.run(['shim', 'run', tool, '-c', script], { env: { HOME: home, ...opts.env }, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
  };

  /** Exit 125 naming the mount and the reason, nothing on stdout, and no container or install of DENY. */
  async function expectRefused(r: { exitCode?: number; stdout: unknown; stderr: unknown }, ...fragments: string[]) {
    const stderr = String(r.stderr);
    expect(r.exitCode, stderr).toBe(125);
    expect(String(r.stdout)).toBe('');
    expect(stderr).toContain(`${DENY}.mounts[`);
    for (const f of fragments) expect(stderr).toContain(f);
    await expectNothingStarted(sb, DENY);
  }

  beforeAll(async () => {
    sb = await createSandbox('podman', { [PROBE]: BASE, [DENY]: BASE });
    home = path.join(sb.root, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), 'SSH-SECRET\n');
    fs.mkdirSync(path.join(home, '.aws'));
    fs.writeFileSync(path.join(home, '.aws', 'credentials'), 'AWS-SECRET\n');
    // ~/.gnupg is a link into a dotfiles directory: the directory holding the target is protected too
    fs.mkdirSync(path.join(sb.root, 'dotfiles', 'gnupg'), { recursive: true });
    fs.writeFileSync(path.join(sb.root, 'dotfiles', 'gnupg', 'secring'), 'GPG-SECRET\n');
    fs.symlinkSync(path.join(sb.root, 'dotfiles', 'gnupg'), path.join(home, '.gnupg'));
    normal = path.join(sb.root, 'normal');
    fs.mkdirSync(normal);
    fs.writeFileSync(path.join(normal, 'id_ed25519'), 'CONTROL\n');
    // the project is a git work tree
    fs.mkdirSync(path.join(sb.project, '.git', 'hooks'), { recursive: true });
    fs.writeFileSync(path.join(sb.project, '.git', 'config'), '[core]\n\tbare = false\n');
    // a listening unix socket (an agent)
    sockDir = path.join(sb.root, 'sock');
    fs.mkdirSync(sockDir);
    server = net.createServer((c) => c.end('AGENT\n'));
    await new Promise<void>((resolve) => server.listen(path.join(sockDir, 'agent.sock'), resolve));
    // install the probe tool once (the positive controls need a real run)
    const first = await run(PROBE, {}, 'echo installed');
    expect(first.exitCode, String(first.stderr)).toBe(0);
  });

  afterAll(async () => {
    server?.close();
    await removeToolVolumes(sb, [PROBE, DENY]);
    removeSandbox(sb);
  });

  it('refuses a project symlink pointing at ~/.ssh; the same link to a normal directory works', async () => {
    fs.symlinkSync(path.join(home, '.ssh'), path.join(sb.project, 'cache'));
    fs.symlinkSync(normal, path.join(sb.project, 'cache-ok'));
    const denied = await run(DENY, { mounts: [{ src: './cache', dst: '/data', opts: 'ro' }] }, 'cat /data/id_ed25519');
    await expectRefused(denied, path.join(home, '.ssh'), 'credentials');
    expect(String(denied.stdout)).not.toContain('SSH-SECRET');
    const control = await run(PROBE, { mounts: [{ src: './cache-ok', dst: '/data', opts: 'ro' }] }, 'cat /data/id_ed25519');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('CONTROL\n');
  });

  it('refuses a source symlinked to a file inside ~/.ssh; a link to a normal file works', async () => {
    fs.symlinkSync(path.join(home, '.ssh', 'id_ed25519'), path.join(sb.project, 'key'));
    fs.symlinkSync(path.join(normal, 'id_ed25519'), path.join(sb.project, 'key-ok'));
    const denied = await run(DENY, { mounts: [{ src: './key', dst: '/key', opts: 'ro' }] }, 'cat /key');
    await expectRefused(denied, path.join(home, '.ssh', 'id_ed25519'));
    const control = await run(PROBE, { mounts: [{ src: './key-ok', dst: '/key', opts: 'ro' }] }, 'cat /key');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('CONTROL\n');
  });

  it('refuses the directory holding the target of a symlinked ~/.gnupg', async () => {
    const denied = await run(DENY, { mounts: [{ src: path.join(sb.root, 'dotfiles'), dst: '/d', opts: 'ro' }] }, 'cat /d/gnupg/secring');
    await expectRefused(denied, path.join(sb.root, 'dotfiles', 'gnupg'));
    const control = await run(PROBE, { mounts: [{ src: normal, dst: '/d', opts: 'ro' }] }, 'cat /d/id_ed25519');
    expect(control.stdout).toBe('CONTROL\n');
  });

  it('refuses ".." traversal reaching $HOME and its credentials; ".." to a normal directory works', async () => {
    await expectRefused(await run(DENY, { mounts: [{ src: '../home', dst: '/h', opts: 'ro' }] }, 'ls /h'), `resolves to ${home}`, 'your home directory');
    await expectRefused(await run(DENY, { mounts: [{ src: './../home/.aws', dst: '/a', opts: 'ro' }] }, 'cat /a/credentials'), path.join(home, '.aws'));
    await expectRefused(await run(DENY, { mounts: [{ src: '~/x/../.ssh', dst: '/s', opts: 'ro' }] }, 'ls /s'), path.join(home, '.ssh'));
    const control = await run(PROBE, { mounts: [{ src: '../normal', dst: '/n', opts: 'ro' }] }, 'cat /n/id_ed25519');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('CONTROL\n');
  });

  it('refuses $HOME, its ancestors and / as sources, and "." run from $HOME; "." from the project works', async () => {
    await expectRefused(await run(DENY, { mounts: [{ src: '~', dst: '/h', opts: 'ro' }] }, 'ls /h'), 'your home directory');
    await expectRefused(await run(DENY, { mounts: [{ src: '/', dst: '/host', opts: 'ro' }] }, 'ls /host'), 'the root of the file system');
    await expectRefused(await run(DENY, { mounts: [{ src: sb.root, dst: '/r', opts: 'ro' }] }, 'ls /r'), `resolves to ${sb.root}, which contains`);
    const fromHome = await run(DENY, { mounts: [PROJECT] }, 'ls', { cwd: home });
    await expectRefused(fromHome, `resolves to ${home}`);
    expect(String(fromHome.stderr)).toContain('run the tool from the project directory');
    const control = await run(PROBE, { mounts: [PROJECT] }, 'pwd && test -d .git && echo project');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('/workspace\nproject\n');
  });

  it('lets ~/.aws through only with an allow_sensitive reason', async () => {
    await expectRefused(await run(DENY, { mounts: [{ src: '~/.aws', dst: '/aws', opts: 'ro' }] }, 'cat /aws/credentials'), path.join(home, '.aws'), 'allow_sensitive');
    const allowed = await run(PROBE, { mounts: [{ src: '~/.aws', dst: '/aws', opts: 'ro', allow_sensitive: 'deploys need the AWS profile' }] }, 'cat /aws/credentials');
    expect(allowed.exitCode, String(allowed.stderr)).toBe(0);
    expect(allowed.stdout).toBe('AWS-SECRET\n');
  });

  it('refuses a unix socket and the directory of $SSH_AUTH_SOCK; the same directory is visible otherwise', async () => {
    const sock = path.join(sockDir, 'agent.sock');
    await expectRefused(await run(DENY, { mounts: [{ src: sock, dst: '/agent.sock' }] }, 'test -S /agent.sock'), 'neither a directory nor a regular file');
    const env = { SSH_AUTH_SOCK: sock };
    await expectRefused(await run(DENY, { mounts: [{ src: sockDir, dst: '/s', opts: 'ro' }] }, 'test -S /s/agent.sock', { env }), '$SSH_AUTH_SOCK');
    // positive control: without the agent variable, and with the socket below it allowed explicitly
    // (a socket below a mount is refused too: see nested-git-sockets.test.ts), the socket is reachable
    const control = await run(PROBE, { mounts: [{ src: sockDir, dst: '/s', opts: 'ro', allow_sensitive: 'the probe needs the socket' }] }, 'test -S /s/agent.sock && echo socket-visible');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('socket-visible\n');
  });

  it('refuses destinations over system and shim paths, duplicates, and covering the read-only .git', async () => {
    await expectRefused(await run(DENY, { mounts: [{ src: '../normal', dst: '/etc/profile.d', opts: 'ro' }] }, 'true'), '.dst', 'is inside /etc');
    await expectRefused(await run(DENY, { mounts: [{ src: '../normal', dst: '/mise/installs', opts: 'ro' }] }, 'true'), 'is inside /mise');
    await expectRefused(await run(DENY, { mounts: [PROJECT, { src: '../normal', dst: '/workspace', opts: 'ro' }] }, 'true'), 'already the destination');
    await expectRefused(await run(DENY, { mounts: [PROJECT, { src: '../normal', dst: '/workspace/.git/hooks' }] }, 'true'), 'read-only .git');
    const control = await run(PROBE, { mounts: [PROJECT, { src: '../normal', dst: '/workspace/extra', opts: 'ro' }] }, 'cat /workspace/extra/id_ed25519');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('CONTROL\n');
  });

  it('refuses SELinux relabelling outside the project directory', async () => {
    await expectRefused(await run(DENY, { mounts: [{ src: '../normal', dst: '/n', opts: 'ro,Z' }] }, 'true'), '"Z" (SELinux relabel)', normal);
    const control = await run(PROBE, { mounts: [{ src: '.', dst: '/workspace', opts: 'z' }] }, 'test -d /workspace/.git && echo relabelled-project');
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(control.stdout).toBe('relabelled-project\n');
  });

  it('cannot write outside its mounts; writing inside the project works', async () => {
    const target = `/etc/shim-probe-${tag}`;
    const r = await run(PROBE, { mounts: [PROJECT] }, `echo x > ${target}; echo ok > /workspace/ok-${tag}.txt && echo wrote`);
    expect(r.stderr).toMatch(/read-only file system/i);
    expect(r.stdout).toBe('wrote\n');
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readFileSync(path.join(sb.project, `ok-${tag}.txt`), 'utf8')).toBe('ok\n');
  });

  it('mounts .git read-only over the writable project; git_writable lets hooks be written', async () => {
    const hook = path.join(sb.project, '.git', 'hooks', 'pre-commit');
    const gitConfig = path.join(sb.project, '.git', 'config');
    const before = fs.readFileSync(gitConfig, 'utf8');
    const r = await run(
      PROBE,
      { mounts: [PROJECT] },
      'echo "touch /tmp/pwned" > .git/hooks/pre-commit; echo "[alias] x = !touch /tmp/pwned" >> .git/config; echo fine > normal-file.txt && echo project-write-ok',
    );
    expect(r.stdout).toBe('project-write-ok\n');
    expect(String(r.stderr).match(/read-only file system/gi)?.length).toBe(2);
    expect(fs.existsSync(hook)).toBe(false);
    expect(fs.readFileSync(gitConfig, 'utf8')).toBe(before);
    expect(fs.readFileSync(path.join(sb.project, 'normal-file.txt'), 'utf8')).toBe('fine\n');
    // a writable mount of the .git directory itself is refused too
    await expectRefused(await run(DENY, { mounts: [{ src: './.git', dst: '/g' }] }, 'true'), 'inside a .git directory');
    // positive control: with git_writable the same hook write reaches the host
    const writable = await run(PROBE, { mounts: [PROJECT], git_writable: true }, 'echo "# hook" > .git/hooks/pre-commit && echo hook-written');
    expect(writable.exitCode, String(writable.stderr)).toBe(0);
    expect(writable.stdout).toBe('hook-written\n');
    expect(fs.readFileSync(hook, 'utf8')).toBe('# hook\n');
  });
});
