// What lies below a mounted directory, for real on rootful podman: every .git below a writable mount is
// read-only (a nested repository's .git directory and a submodule's .git file, not only the top one),
// and a directory holding a live unix socket is refused, naming the socket. Each refusal has a positive
// control: git_writable lets the same writes through, and with the refusal bypassed (allow_sensitive)
// the same socket answers from inside the container, as it does on the host.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';
import { expectNothingStarted } from './refusal.js';

const tag = Math.random().toString(36).slice(2, 8);
const PROBE = `nprobe-${tag}`;
const DENY = `ndeny-${tag}`;
const BASE = { tool: 'npm:cowsay', command: 'sh' };
const PROJECT = { src: '.', dst: '/workspace' };

describe('nested .git and sockets below mounts (podman)', () => {
  let sb: Sandbox;
  let home: string;

  const run = (tool: string, cfg: Record<string, unknown>, script: string) => {
    const tools = { [PROBE]: BASE, [DENY]: BASE, [tool]: { ...BASE, ...cfg } };
    fs.writeFileSync(path.join(sb.root, 'config', 'shim', 'config.json'), JSON.stringify(tools, null, 2));
    return sb.run(['shim', 'run', tool, '-c', script], { env: { HOME: home } });
  };
  const hostFile = (rel: string) => path.join(sb.project, rel);

  beforeAll(async () => {
    sb = await createSandbox('podman', { [PROBE]: BASE, [DENY]: BASE });
    home = path.join(sb.root, 'home');
    fs.mkdirSync(home);
    // the project: a repository holding a nested repository (sub/) and a submodule (mod/, whose .git
    // file points into the top .git/modules)
    for (const d of ['.git/hooks', '.git/modules/mod/hooks', 'sub/.git/hooks', 'mod']) fs.mkdirSync(hostFile(d), { recursive: true });
    fs.writeFileSync(hostFile('mod/.git'), 'gitdir: ../.git/modules/mod\n');
    const first = await run(PROBE, {}, 'echo installed');
    expect(first.exitCode, String(first.stderr)).toBe(0);
  });

  afterAll(async () => {
    await removeToolVolumes(sb, [PROBE, DENY]);
    removeSandbox(sb);
  });

  // the planted hook runs at the user's next checkout in sub/; the rewritten .git file makes mod/ a
  // repository whose git dir (hooks, core.fsmonitor) the tool wrote itself
  const ATTACK = [
    'echo "touch /tmp/pwned" > sub/.git/hooks/post-checkout',
    'echo "[core] fsmonitor = touch /tmp/pwned" >> sub/.git/config',
    'echo "gitdir: /workspace/evil" > mod/.git',
    'echo tried',
  ].join('; ');

  it("makes a nested repository's .git and a submodule's .git file read-only; git_writable lets the same writes through", async () => {
    const r = await run(PROBE, { mounts: [PROJECT] }, ATTACK);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toBe('tried\n');
    expect(String(r.stderr).match(/read-only file system/gi)?.length).toBe(3);
    expect(fs.existsSync(hostFile('sub/.git/hooks/post-checkout'))).toBe(false);
    expect(fs.existsSync(hostFile('sub/.git/config'))).toBe(false);
    expect(fs.readFileSync(hostFile('mod/.git'), 'utf8')).toBe('gitdir: ../.git/modules/mod\n');
    // positive control: the same script, with git_writable, reaches the host
    const control = await run(PROBE, { mounts: [PROJECT], git_writable: true }, ATTACK);
    expect(control.exitCode, String(control.stderr)).toBe(0);
    expect(String(control.stderr)).not.toMatch(/read-only/i);
    expect(fs.readFileSync(hostFile('sub/.git/hooks/post-checkout'), 'utf8')).toBe('touch /tmp/pwned\n');
    expect(fs.readFileSync(hostFile('mod/.git'), 'utf8')).toBe('gitdir: /workspace/evil\n');
    fs.rmSync(hostFile('sub/.git/hooks/post-checkout'));
    fs.rmSync(hostFile('sub/.git/config'));
    fs.writeFileSync(hostFile('mod/.git'), 'gitdir: ../.git/modules/mod\n');
  });

  it('refuses a project holding a live unix socket, naming it; bypassed, the socket answers in the container as on the host', async () => {
    fs.mkdirSync(hostFile('tmp'), { recursive: true });
    const sock = hostFile('tmp/ide.sock');
    const server = net.createServer((c) => c.end('IDE-IPC\n'));
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      // positive control on the host: the socket is live
      const fromHost = await new Promise<string>((resolve, reject) => {
        let got = '';
        net.connect(sock).on('data', (d) => (got += d)).on('end', () => resolve(got)).on('error', reject);
      });
      expect(fromHost).toBe('IDE-IPC\n');
      const probe = 'socat - UNIX-CONNECT:/workspace/tmp/ide.sock </dev/null';
      for (const opts of ['rw', 'ro']) {
        const denied = await run(DENY, { mounts: [{ ...PROJECT, opts }] }, probe);
        expect(denied.exitCode, String(denied.stderr)).toBe(125);
        expect(String(denied.stdout)).toBe('');
        expect(String(denied.stderr)).toContain(`${DENY}.mounts[0].src`);
        expect(String(denied.stderr)).toContain(`holds a unix socket at ${sock}`);
        expect(String(denied.stderr)).toContain('narrower');
        await expectNothingStarted(sb, DENY);
      }
      // positive control: with the refusal bypassed, the tool reaches what listens on the host
      const bypassed = await run(PROBE, { mounts: [{ ...PROJECT, opts: 'ro', allow_sensitive: 'probe: the socket is reachable' }] }, probe);
      expect(bypassed.exitCode, String(bypassed.stderr)).toBe(0);
      expect(bypassed.stdout).toBe('IDE-IPC\n');
    } finally {
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(sock, { force: true });
    }
  });
});
