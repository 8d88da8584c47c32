// Sessions under attack, on rootless podman (a real unprivileged user, with root as the other user):
// a socket directory made first by someone else, what a session's tool can see of shim's side, where a
// secret passed to it may show up, and a supervisor killed outright. Every "cannot" has its control.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const TOOL = `sessprobe-${tag}`;
const SECRET_VALUE = `sess-secret-${tag}-value`;

describe('sessions under attack on rootless podman', () => {
  let sb: Sandbox;
  let runtimeDir: string;
  const env = () => ({ XDG_RUNTIME_DIR: runtimeDir });
  const containersOf = async (name: string) => (await sb.runtime(['ps', '-a', '--filter', `label=io.shim.session=${name}`, '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    sb = await createSandbox('rootless', { [TOOL]: { tool: 'npm:cowsay', command: 'sh', env: { API_TOKEN: SECRET_VALUE }, secrets: ['API_TOKEN'], mounts: [{ src: '.' }] } });
    runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-sess-rt-'));
    fs.chownSync(runtimeDir, sb.uid, sb.uid);
    fs.chmodSync(runtimeDir, 0o700);
    const r = await sb.run(['shim', 'install', TOOL]);
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const n of ['own', 'probe', 'kill'].map((n) => `${n}-${tag}`)) await sb.run(['shim', 'stop', n], { env: env() });
    await removeToolVolumes(sb, [TOOL]);
    removeSandbox(sb);
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  });

  it("never talks to a socket in a directory another user made first; the user's own directory is used (control)", async () => {
    const squatDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-sess-squat-'));
    fs.chmodSync(squatDir, 0o755);
    const dir = path.join(squatDir, `shim-sessions-${sb.uid}`);
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    const name = `own-${tag}`;
    // root (the other user) listens where the session's socket would be, and counts who connects
    let connections = 0;
    const trap = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => trap.listen(path.join(dir, `${name}.sock`), r));
    fs.chmodSync(path.join(dir, `${name}.sock`), 0o777);
    try {
      const stop = await sb.run(['shim', 'stop', name], { env: { XDG_RUNTIME_DIR: squatDir } });
      expect(stop.exitCode).toBe(2);
      expect(stop.stderr).toContain(`no session named "${name}" is running`);
      const start = await sb.run(['shim', 'run', '-d', '--name', name, TOOL], { env: { XDG_RUNTIME_DIR: squatDir } });
      expect(start.exitCode).not.toBe(0);
      expect(start.stderr).toContain('is not a directory of yours with mode 0700');
      expect(connections).toBe(0);
      expect(await containersOf(name)).toEqual([]);
      // control: the same directory made the user's own, 0700: shim connects to the socket there
      fs.chownSync(dir, sb.uid, sb.uid);
      fs.chmodSync(dir, 0o700);
      await sb.run(['shim', 'stop', name], { env: { XDG_RUNTIME_DIR: squatDir } });
      expect(connections).toBeGreaterThan(0);
    } finally {
      trap.close();
      fs.rmSync(squatDir, { recursive: true, force: true });
    }
  });

  it('refuses to mount /tmp itself when it holds shim\'s sockets (no XDG_RUNTIME_DIR); a directory in it is fine (control)', async () => {
    const refused = await sb.run([TOOL, '-c', 'ls /tmp'], { cwd: '/tmp' });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain("/tmp (shim's session, lifeline and egress sockets");
    const ok = await sb.run([TOOL, '-c', 'pwd']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toBe(sb.project);
  });

  it("gives the session's tool nothing of shim's side: no control socket, no session state; the secret is in its env only", async () => {
    const name = `probe-${tag}`;
    const r = await sb.run(['shim', 'run', '-d', '--name', name, TOOL], { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    const inside = await sb.run(['shim', 'shell', name, '--', 'sh', '-c', 'cat /proc/self/mountinfo; echo ENV=$API_TOKEN'], { env: env() });
    expect(inside.exitCode, inside.stderr).toBe(0);
    // control: the probe sees shim's mounts (the lifeline) and the secret passed to the tool
    expect(inside.stdout).toContain('/run/shim-lifeline');
    expect(inside.stdout).toContain(`ENV=${SECRET_VALUE}`);
    expect(inside.stdout).not.toContain('shim-sessions');
    expect(inside.stdout).not.toContain(path.join(sb.root, 'state'));

    // the value is on no argv (the supervisor's included) and in no file of the session
    const info = JSON.parse(fs.readFileSync(path.join(sb.root, 'state', 'shim', 'sessions', name, 'meta.json'), 'utf8')) as { pid: number };
    expect(fs.readFileSync(`/proc/${info.pid}/cmdline`, 'utf8')).toContain(`shim-session ${name}`);
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmdline = '';
      try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      expect(cmdline, `process ${pid}`).not.toContain(SECRET_VALUE);
    }
    const dir = path.join(sb.root, 'state', 'shim', 'sessions', name);
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).not.toContain(SECRET_VALUE);
    for (const f of fs.readdirSync(dir)) expect(fs.statSync(path.join(dir, f)).mode & 0o077, f).toBe(0);
    await sb.run(['shim', 'stop', name], { env: env() });
  });

  it('ends the container when its supervisor is killed outright (the lifeline), with no stop asked', async () => {
    const name = `kill-${tag}`;
    const r = await sb.run(['shim', 'run', '-d', '--name', name, TOOL], { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await containersOf(name)).toHaveLength(1);
    const info = JSON.parse(fs.readFileSync(path.join(sb.root, 'state', 'shim', 'sessions', name, 'meta.json'), 'utf8')) as { pid: number };
    process.kill(info.pid, 'SIGKILL');
    let left = await containersOf(name);
    for (let i = 0; i < 50 && left.length; i++) {
      await new Promise((res) => setTimeout(res, 200));
      left = await containersOf(name);
    }
    expect(left).toEqual([]);
    const ps = await sb.run(['shim', 'ps', '--json'], { env: env() });
    expect((JSON.parse(ps.stdout) as { sessions: { name: string; state: string }[] }).sessions.find((s) => s.name === name)?.state).toBe('lost');
  });
});
