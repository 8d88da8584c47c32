// What a plain run checks after its tool ends, sessions check too, on a real runtime: a repository the
// session's tool made is named in `shim logs`, `shim ps --json`, the audit log's end record and the
// supervisor log (after each run of a restarted tool, as soon as it runs again); a session that fails to
// start leaves no new automatic snapshot. Each with its control.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { asUser, createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const MAKER = `maker-${tag}`;
const SNAPPED = `snapped-${tag}`;
const BROKEN = `broken-${tag}`;
const TOOLS = {
  [MAKER]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }] },
  [SNAPPED]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], snapshot: true },
  // its command does not exist in the container: the runtime fails to start it (127)
  [BROKEN]: { tool: 'npm:cowsay', command: 'no-such-command-anywhere', mounts: [{ src: '.' }], snapshot: true },
};

interface PsSession {
  name: string;
  state: string;
  exit: { status: number } | null;
  runId: string;
  snapshots: string[];
  warnings?: string[];
}

export function defineSessionAfterCases(flavour: Flavour): void {
  describe(`after a session's tool ends, on ${flavour}`, () => {
    let sb: Sandbox;
    let data: Record<string, string>;
    const started: string[] = [];
    const shim = (args: string[]) => sb.run(['shim', ...args], { env: data });
    const session = async (name: string): Promise<PsSession | undefined> => {
      const r = await shim(['ps', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { sessions: PsSession[] }).sessions.find((s) => s.name === name);
    };
    /** Starts a detached session; returns what `shim run -d` said. */
    const start = async (name: string, tool: string, ...args: string[]) => {
      started.push(name);
      return shim(['run', '-d', '--name', name, tool, ...args]);
    };
    /** Waits for the session's tool to end by itself (its record then says how). */
    const ended = async (name: string): Promise<PsSession> => {
      let s: PsSession | undefined;
      for (let i = 0; i < 300 && s?.state !== 'exited'; i++) {
        if (i) await new Promise((res) => setTimeout(res, 100));
        s = await session(name);
      }
      expect(s?.state).toBe('exited');
      return s!;
    };
    const supervisorLog = (name: string) => fs.readFileSync(path.join(sb.root, 'state', 'shim', 'sessions', name, 'supervisor.log'), 'utf8');
    const endRecord = async (tool: string, name: string) => {
      const records = JSON.parse((await shim(['log', '--tool', tool, '--json'])).stdout) as { warnings?: string[]; snapshots?: string[]; session?: { name: string; event: string } }[];
      return records.find((r) => r.session?.name === name && r.session.event === 'end');
    };
    /** This sandbox's snapshots (with rootless podman the store is the user's own, shared with others). */
    const snapshots = async () => (JSON.parse((await shim(['snapshot', 'list', '--json'])).stdout) as { id: string; root: string }[]).filter((s) => s.root === fs.realpathSync(sb.project)).map((s) => s.id);
    const snapshotCount = async () => (await snapshots()).length;

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
      // rootless podman keeps its images under XDG_DATA_HOME: there the user's own is kept
      data = flavour === 'rootless' ? {} : { XDG_DATA_HOME: path.join(sb.root, 'data') };
      const r = await shim(['install', MAKER, SNAPPED, BROKEN]);
      expect(r.exitCode, r.stderr).toBe(0);
      // a git project with a commit (a worktree session copies it), as the sandbox's user
      fs.writeFileSync(path.join(sb.project, 'a.txt'), 'one\n');
      if (flavour === 'rootless') await execa('chown', ['-R', `${sb.uid}:${sb.uid}`, sb.project]);
      const who = { GIT_AUTHOR_NAME: 'u', GIT_AUTHOR_EMAIL: 'u@u', GIT_COMMITTER_NAME: 'u', GIT_COMMITTER_EMAIL: 'u@u' };
      for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'first']]) {
        const [cmd, ...rest] = asUser(flavour, ['git', ...args]);
        expect((await execa(cmd!, rest, { cwd: sb.project, reject: false, env: { ...sb.env, ...who }, extendEnv: false })).exitCode).toBe(0);
      }
    });
    afterAll(async () => {
      if (started.length) await shim(['stop', ...started]);
      await shim(['discard', `wt-${tag}`]);
      const ids = sb ? await snapshots() : [];
      if (ids.length) await shim(['snapshot', 'delete', ...ids]);
      await removeToolVolumes(sb, Object.keys(TOOLS));
      removeSandbox(sb);
    });

    it('a repository the tool made is named by shim logs, ps --json, the audit log and the supervisor log (control: a session that makes none names nothing)', async () => {
      const project = fs.realpathSync(sb.project);
      const quiet = `quiet-${tag}`;
      expect((await start(quiet, MAKER, '-c', 'echo quiet')).exitCode).toBe(0);
      expect((await ended(quiet)).warnings ?? []).toEqual([]);
      expect((await shim(['logs', quiet])).stderr).not.toContain('git repository');
      // (a host that cannot enforce limits warns of that in every record)
      expect(((await endRecord(MAKER, quiet))?.warnings ?? []).filter((w) => w.includes('git'))).toEqual([]);

      const name = `made-${tag}`;
      const repo = path.join(project, `made-${tag}`, '.git');
      const r = await start(name, MAKER, '-c', `git init -q made-${tag} && git -C made-${tag} config core.fsmonitor 'touch ../fsmonitor-ran #'`);
      expect(r.exitCode, r.stderr).toBe(0);
      const warning = `${MAKER} made a git repository: ${repo}`;
      expect((await ended(name)).warnings).toEqual([expect.stringContaining(warning)]);
      const logs = await shim(['logs', name]);
      expect(logs.exitCode, logs.stderr).toBe(0);
      expect(logs.stderr).toContain(warning);
      expect((JSON.parse((await shim(['logs', '--json', name])).stdout) as { warnings: string[] }).warnings).toEqual([expect.stringContaining(warning)]);
      expect((await endRecord(MAKER, name))?.warnings).toContainEqual(expect.stringContaining(warning));
      expect(supervisorLog(name)).toContain(warning);
      fs.rmSync(path.dirname(repo), { recursive: true, force: true });
    });

    it('shim restart: what the tool made before it is named as soon as the tool runs again, and once only', async () => {
      const name = `again-${tag}`;
      const repo = path.join(fs.realpathSync(sb.project), `again-${tag}`, '.git');
      const r = await start(name, MAKER, '-c', `[ -d again-${tag}/.git ] || git init -q again-${tag}; exec sleep 600`);
      expect(r.exitCode, r.stderr).toBe(0);
      for (let i = 0; i < 300 && !fs.existsSync(path.join(repo, 'HEAD')); i++) await new Promise((res) => setTimeout(res, 100));
      expect(fs.existsSync(path.join(repo, 'HEAD'))).toBe(true);
      // control: while the tool runs nothing is said yet (the census is taken when it ends)
      expect((await session(name))?.warnings ?? []).toEqual([]);
      const restart = await shim(['restart', name]);
      expect(restart.exitCode, restart.stderr).toBe(0);
      const running = await session(name);
      expect(running?.state).toBe('running');
      expect(running?.warnings).toEqual([expect.stringContaining(`${MAKER} made a git repository: ${repo}`)]);
      expect(supervisorLog(name)).toContain(`made a git repository: ${repo}`);
      expect((await shim(['stop', name])).exitCode).toBe(0);
      // the end finds nothing new: the warning is not repeated
      expect((await ended(name)).warnings).toHaveLength(1);
      expect((await endRecord(MAKER, name))?.warnings?.filter((w) => w.includes('git repository'))).toHaveLength(1);
      fs.rmSync(path.dirname(repo), { recursive: true, force: true });
    });

    it("a worktree session's tool commits in its copy, whose own .git is its to write: only a repository it made is named", async () => {
      const name = `wt-${tag}`;
      started.push(name);
      const r = await shim(['run', '-d', '--name', name, '--worktree', MAKER, '-c', 'echo w > w.txt && git add w.txt && git commit -qm w && git init -q inner']);
      expect(r.exitCode, r.stderr).toBe(0);
      const copy = fs.realpathSync(path.join(sb.root, 'state', 'shim', 'worktrees', name, 'tree'));
      expect((await ended(name)).warnings).toEqual([expect.stringContaining(`${MAKER} made a git repository: ${path.join(copy, 'inner', '.git')}`)]);
    });

    it('a session that fails to start leaves no new snapshot (control: one that starts keeps its own; a tool exiting 127 after a change keeps its)', async () => {
      const notes = path.join(sb.project, `notes-${tag}`);
      // changed since the last snapshot, so a snapshot now is a new one
      fs.writeFileSync(notes, `${Date.now()}\n`);
      if (flavour === 'rootless') fs.chownSync(notes, sb.uid, sb.uid);
      const count = await snapshotCount();
      const broken = `broken-${tag}`;
      // refused at its start, or ended at once: either way it ends with the runtime's status
      await start(broken, BROKEN);
      const s = await ended(broken);
      expect(s.exit?.status).toBeGreaterThanOrEqual(125);
      expect(s.snapshots).toEqual([]);
      expect(await snapshotCount()).toBe(count);
      expect((await endRecord(BROKEN, broken))?.snapshots).toBeUndefined();
      // restore by its run id says so (its start record still names the snapshot taken)
      const restore = await shim(['snapshot', 'restore', (await session(broken))!.runId]);
      expect(restore.exitCode).toBe(2);
      expect(restore.stderr).toContain('failed to start and its snapshot was dropped');

      // control: the same tree before a session that starts gets a new snapshot, kept
      const ok = `ok-${tag}`;
      expect((await start(ok, SNAPPED, '-c', 'true')).exitCode).toBe(0);
      expect((await ended(ok)).snapshots).toHaveLength(1);
      expect(await snapshotCount()).toBe(count + 1);
      // control: exiting 127 after changing a file is not a failed start: its new snapshot stays
      fs.writeFileSync(notes, 'again\n');
      const liar = `liar-${tag}`;
      expect((await start(liar, SNAPPED, '-c', `echo wrecked > notes-${tag}; exit 127`)).exitCode).toBe(0);
      const l = await ended(liar);
      expect(l.exit?.status).toBe(127);
      expect(l.snapshots).toHaveLength(1);
      expect(await snapshotCount()).toBe(count + 2);
    });
  });
}
