// Snapshots and pause on a real runtime: an agent-like tool (sh with the project writable and
// "snapshot": true) edits, deletes, creates and chmods files; diff names each change, restore (by run
// id, from the audit log) brings the tree back exactly and leaves git-ignored files alone; pause freezes
// a ticking warm call (its file stops growing) and resume thaws it. Rootless podman on cgroup v1 refuses.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const AGENT = `agent-${tag}`;
const TICKER = `ticker-${tag}`;
const TOOLS = {
  [AGENT]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], snapshot: true },
  [TICKER]: { tool: 'npm:cowsay', command: 'sh', warm: true, mounts: [{ src: '.' }] },
};

/** Every non-ignored file of the tree: path, mode, content (or symlink target). */
function state(root: string): string[] {
  const out = execFileSync('git', ['-C', root, 'ls-files', '--cached', '--others', '--exclude-standard', '-z']).toString().split('\0').filter(Boolean);
  return out.sort().flatMap((p) => {
    const abs = path.join(root, p);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return [];
    return [`${p} ${(st.mode & 0o7777).toString(8)} ${st.isSymbolicLink() ? `-> ${fs.readlinkSync(abs)}` : fs.readFileSync(abs, 'utf8')}`];
  });
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

/** Waits until the file has more than n lines (a liveness bound of 2 minutes, not a speed check). */
async function untilMoreThan(file: string, n: number): Promise<number> {
  for (let i = 0; i < 1200; i++) {
    const now = lines(file);
    if (now > n) return now;
    await sleep(100);
  }
  throw new Error(`${file} never grew past ${n} lines (it has ${lines(file)})`);
}

describe('snapshots and pause on podman', () => {
  let sb: Sandbox;
  let data: Record<string, string>;
  const shim = (args: string[]) => sb.run(['shim', ...args], { env: data });

  beforeAll(async () => {
    sb = await createSandbox('podman', TOOLS);
    data = { XDG_DATA_HOME: path.join(sb.root, 'data') };
    const p = sb.project;
    execFileSync('git', ['init', '-q', p]);
    fs.writeFileSync(path.join(p, '.gitignore'), 'build/\n');
    fs.mkdirSync(path.join(p, 'src'));
    fs.mkdirSync(path.join(p, 'build'));
    fs.writeFileSync(path.join(p, 'src', 'main.js'), 'console.log(1)\n');
    fs.writeFileSync(path.join(p, 'README'), 'hello\n');
    fs.writeFileSync(path.join(p, 'run.sh'), '#!/bin/sh\necho hi\n');
    fs.writeFileSync(path.join(p, 'build', 'out.js'), 'built 1\n');
    fs.symlinkSync('README', path.join(p, 'readme-link'));
  });
  afterAll(async () => {
    await shim(['stop']);
    await removeToolVolumes(sb, Object.keys(TOOLS));
    removeSandbox(sb);
  });

  it('snapshots before the run, diff names each change, restore by run id brings the tree back and leaves ignored files alone', async () => {
    const p = sb.project;
    const saved = state(p);
    const agent = await sb.run([AGENT, '-c', 'echo changed >> src/main.js; rm README; echo new > notes.txt; mkdir -p gen && echo g > gen/x; chmod 755 run.sh; echo built 2 > build/out.js; ln -sf run.sh readme-link'], { env: data });
    expect(agent.exitCode, agent.stderr).toBe(0);
    expect(state(p)).not.toEqual(saved);

    // the audit record names the run and its snapshot, and `shim log` shows it
    const log = await shim(['log', '--tool', AGENT, '--json']);
    const [record] = JSON.parse(log.stdout) as { runId: string; snapshots: string[] }[];
    expect(record!.snapshots).toHaveLength(1);
    const id = record!.snapshots[0]!;
    expect((await shim(['log', '--tool', AGENT])).stdout).toContain(`snapshot ${id}`);
    const list = JSON.parse((await shim(['snapshot', 'list', '--json'])).stdout) as { id: string; runId?: string; root: string }[];
    expect(list.find((s) => s.id === id)).toMatchObject({ runId: record!.runId, root: fs.realpathSync(p) });

    const diff = await shim(['snapshot', 'diff', id, '--json']);
    expect(diff.exitCode, diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({
      added: ['gen/x', 'notes.txt'],
      changed: ['readme-link', 'src/main.js'],
      deleted: ['README'],
      modeChanged: [{ path: 'run.sh', from: '0644', to: '0755' }],
    });

    const restore = await shim(['snapshot', 'restore', record!.runId]);
    expect(restore.exitCode, restore.stderr).toBe(0);
    expect(state(p)).toEqual(saved);
    expect(fs.existsSync(path.join(p, 'gen'))).toBe(false);
    // git-ignored: neither saved nor touched
    expect(fs.readFileSync(path.join(p, 'build', 'out.js'), 'utf8')).toBe('built 2\n');
    // and a second diff finds nothing
    expect(JSON.parse((await shim(['snapshot', 'diff', id, '--json'])).stdout)).toMatchObject({ added: [], changed: [], deleted: [], modeChanged: [] });
  });

  it('a created snapshot prints its id; a name that is not pausable is refused listing what is', async () => {
    const created = await shim(['snapshot', 'create', '--name', 'manual']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}\n$/);
    const refused = await shim(['pause', 'no-such-thing']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/can be paused|no warm containers are up/);
  });

  it('pause stops a ticking warm call and resume restarts it', async () => {
    const ticks = path.join(sb.project, 'ticks.txt');
    const call = sb.run([TICKER, '-c', 'i=0; while :; do i=$((i+1)); echo $i >> ticks.txt; sleep 0.2; done'], { env: data });
    // positive control: it ticks before the pause
    await untilMoreThan(ticks, 3);
    const paused = await shim(['pause', TICKER]);
    expect(paused.exitCode, paused.stderr).toBe(0);
    const atPause = lines(ticks);
    await sleep(1500);
    expect(lines(ticks)).toBe(atPause);
    const resumed = await shim(['resume', TICKER]);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    // and again after the resume
    await untilMoreThan(ticks, atPause + 2);
    await shim(['stop', TICKER]);
    // the call ends with its container (killed by the stop)
    expect((await call).exitCode).not.toBe(0);
    fs.rmSync(ticks, { force: true });
  });
});

describe('pause on rootless podman', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('rootless', {});
  });
  afterAll(() => removeSandbox(sb));

  it('refuses on cgroup v1 with the reason, and reaches the container lookup on cgroup v2', async () => {
    const r = await sb.run(['shim', 'pause', 'anything']);
    if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) expect(r.stderr).toMatch(/no warm containers are up/);
    else expect(r.stderr).toMatch(/rootless podman cannot pause containers on this host: it uses cgroup v1/);
    expect(r.exitCode).not.toBe(0);
  });
});
