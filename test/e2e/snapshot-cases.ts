// Snapshots on a real runtime: an agent-like tool (sh with the project writable and "snapshot": true)
// edits, deletes, creates and chmods files through the container; diff names each change, restore (by
// run id, from the audit log) brings the tree back exactly and leaves git-ignored files alone.
// (Pause and resume: pause-cases.ts.)
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const AGENT = `agent-${tag}`;
const BROKEN = `broken-${tag}`;
const TOOLS = {
  [AGENT]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], snapshot: true },
  // its command does not exist in the container: the runtime fails to start it (127)
  [BROKEN]: { tool: 'npm:cowsay', command: 'no-such-command-anywhere', mounts: [{ src: '.' }], snapshot: true },
};

interface Record_ {
  time: string;
  runId: string;
  exitCode: number;
  snapshots?: string[];
}

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

export function defineSnapshotCases(flavour: Flavour): void {
  describe(`snapshots on ${flavour}`, () => {
    let sb: Sandbox;
    let data: Record<string, string>;
    const shim = (args: string[]) => sb.run(['shim', ...args], { env: data });

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
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

    /** The newest audit record of `tool`. */
    async function lastRecord(tool: string): Promise<Record_> {
      const records = JSON.parse((await shim(['log', '--tool', tool, '--json'])).stdout) as Record_[];
      return records.sort((a, b) => a.time.localeCompare(b.time)).at(-1)!;
    }
    const snapshotCount = async () => (JSON.parse((await shim(['snapshot', 'list', '--json'])).stdout) as unknown[]).length;

    it('a repository made in a run is named after it, and restore removes it (control: host git runs its fsmonitor)', async () => {
      const p = sb.project;
      const marker = path.join(p, 'fsmonitor-ran');
      const agent = await sb.run([AGENT, '-c', "git init -q sub && git -C sub config core.fsmonitor 'touch ../fsmonitor-ran #' && echo x > sub/file"], { env: data });
      expect(agent.exitCode, agent.stderr).toBe(0);
      expect(agent.stderr).toContain(`made a git repository: ${path.join(fs.realpathSync(p), 'sub', '.git')}`);
      // control: the hazard is real, host git in sub/ runs the tool's command
      const [git, ...gitArgs] = asUser(flavour, ['git', '-C', path.join(p, 'sub'), 'status']);
      execFileSync(git!, gitArgs, { stdio: 'ignore' });
      expect(fs.existsSync(marker)).toBe(true);
      fs.rmSync(marker);
      const { runId } = await lastRecord(AGENT);
      const restore = await shim(['snapshot', 'restore', runId]);
      expect(restore.exitCode, restore.stderr).toBe(0);
      expect(restore.stderr).toContain(`removed ${path.join(fs.realpathSync(p), 'sub', '.git')}`);
      expect(fs.existsSync(path.join(p, 'sub'))).toBe(false);
    });

    it('a run that fails to start takes no snapshot (control: a run that starts takes one; a failing tool that changed files keeps its)', async () => {
      const p = sb.project;
      // changed since the last snapshot, so a snapshot now would be a new one
      fs.writeFileSync(path.join(p, 'edited-on-host'), `${Date.now()}\n`);
      const count = await snapshotCount();
      const broken = await sb.run([BROKEN], { env: data });
      expect(broken.exitCode).toBeGreaterThanOrEqual(125);
      expect((await lastRecord(BROKEN)).snapshots).toBeUndefined();
      expect(await snapshotCount()).toBe(count);
      // control: the same tree before a run that starts gets a new snapshot
      const ok = await sb.run([AGENT, '-c', 'true'], { env: data });
      expect(ok.exitCode, ok.stderr).toBe(0);
      expect(await snapshotCount()).toBe(count + 1);
      // control: exiting 127 after changing a file is not a failed start: its new snapshot is kept
      fs.writeFileSync(path.join(p, 'edited-on-host'), 'again\n');
      const liar = await sb.run([AGENT, '-c', 'echo wrecked > README; exit 127'], { env: data });
      expect(liar.exitCode).toBe(127);
      expect((await lastRecord(AGENT)).snapshots).toHaveLength(1);
      expect(await snapshotCount()).toBe(count + 2);
    });

    it('a run on an unchanged tree adds no snapshot: its record names the previous one', async () => {
      const first = await sb.run([AGENT, '-c', 'true'], { env: data });
      expect(first.exitCode, first.stderr).toBe(0);
      const a = await lastRecord(AGENT);
      const count = await snapshotCount();
      const second = await sb.run([AGENT, '-c', 'true'], { env: data });
      expect(second.exitCode, second.stderr).toBe(0);
      const b = await lastRecord(AGENT);
      expect(b.runId).not.toBe(a.runId);
      expect(b.snapshots).toEqual(a.snapshots);
      expect(await snapshotCount()).toBe(count);
    });

    it('restore saves what the tool hid within the snapshot cap: refused over it with nothing changed (control: under it, saved and the undo brings it back)', async () => {
      const p = sb.project;
      fs.writeFileSync(path.join(p, 'mine.txt'), 'mine\n');
      const agent = await sb.run([AGENT, '-c', 'echo wrecked > mine.txt; head -c 3145728 /dev/urandom > planted.bin; echo planted.bin >> .gitignore'], { env: data });
      expect(agent.exitCode, agent.stderr).toBe(0);
      const { runId } = await lastRecord(AGENT);
      const count = await snapshotCount();
      const small = await sb.run(['shim', 'snapshot', 'restore', runId], { env: { ...data, SHIM_SNAPSHOT_MAX_BYTES: String(2 * 1024 ** 2) } });
      expect(small.exitCode).not.toBe(0);
      expect(small.stderr).toContain('planted.bin (3.0 MiB)');
      expect(small.stderr).toMatch(/over the cap of 0\.00 GiB \(2097152 bytes\)[\s\S]*raise SHIM_SNAPSHOT_MAX_BYTES/);
      expect(fs.readFileSync(path.join(p, 'mine.txt'), 'utf8')).toBe('wrecked\n');
      expect(fs.readFileSync(path.join(p, '.gitignore'), 'utf8')).toBe('build/\nplanted.bin\n');
      expect(await snapshotCount()).toBe(count);
      // control: under the cap the restore goes through, and restoring its "before" brings the file back
      const restore = await shim(['snapshot', 'restore', runId, '--json']);
      expect(restore.exitCode, restore.stderr).toBe(0);
      expect(fs.existsSync(path.join(p, 'planted.bin'))).toBe(false);
      expect(fs.readFileSync(path.join(p, 'mine.txt'), 'utf8')).toBe('mine\n');
      const { before } = (JSON.parse(restore.stdout) as { before: string }[])[0]!;
      expect((await shim(['snapshot', 'restore', before])).exitCode).toBe(0);
      expect(fs.statSync(path.join(p, 'planted.bin')).size).toBe(3145728);
      expect((await shim(['snapshot', 'restore', runId])).exitCode).toBe(0);
    });

    it('a created snapshot prints its id', async () => {
      const created = await shim(['snapshot', 'create', '--name', 'manual']);
      expect(created.exitCode, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}\n$/);
    });
  });
}
