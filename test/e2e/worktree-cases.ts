// Worktree sessions on a real runtime: two sessions of one tool on one project at once, each on a copy of
// its own (the user's uncommitted file there, the other's change not), the user's tree and .git untouched
// until apply, diff exactly each one's work, apply --branch with the agent's commit, apply refused for a
// file the user changed meanwhile and for a copy changed since its diff was shown, every git trap the agent plants inert on the host (each with a control
// showing plain git runs it), discard leaving nothing; and the restart policy.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asUser, createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';
import { TRAP_NAMES, plantTrapsScript, trapControls } from './worktree-traps.js';

const tag = Math.random().toString(36).slice(2, 8);
const WT = `wt-${tag}`;
const RS = `rs-${tag}`;
const TOOLS = {
  [WT]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], worktree: true },
  [RS]: { tool: 'npm:cowsay', command: 'sh', restart: 'on-failure', restart_delay: '1s', restart_max_delay: '2s' },
};

interface PsRow {
  name: string;
  state: string;
  branch: string | null;
  changed: number | null;
  restarts: number;
  exit: { status: number } | null;
}

/** Every file below `dir` (links as their target) with its content: what "untouched" is compared by. */
function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, r);
      if (e.isDirectory()) walk(r);
      else out[r] = e.isSymbolicLink() ? `-> ${fs.readlinkSync(full)}` : `${(fs.lstatSync(full).mode & 0o777).toString(8)} ${fs.readFileSync(full).toString('base64')}`;
    }
  };
  walk('');
  return out;
}

export function defineWorktreeCases(flavour: Flavour): void {
  describe(`worktree sessions on ${flavour}`, () => {
    let sb: Sandbox;
    const names = ['a', 'b', 'c', 'r1', 'r0', 'rr', 'd'].map((n) => `${n}-${tag}`);
    const [A, B, C, R1, R0, RR, D] = names as [string, string, string, string, string, string, string];
    const shim = async (...argv: string[]) => sb.run(['shim', ...argv]);
    /** Plain git as the sandbox's user (the user's own commands, or the controls of the traps). */
    const git = async (cwd: string, ...args: string[]) => {
      const [cmd, ...rest] = asUser(sb.flavour, ['git', ...args]);
      return execa(cmd!, rest, { cwd, reject: false, env: { ...sb.env, GIT_AUTHOR_NAME: 'u', GIT_AUTHOR_EMAIL: 'u@u', GIT_COMMITTER_NAME: 'u', GIT_COMMITTER_EMAIL: 'u@u' }, extendEnv: false });
    };
    const ps = async (): Promise<PsRow[]> => {
      const r = await shim('ps', '--json');
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { sessions: PsRow[] }).sessions;
    };
    /** Polls until `check` holds (the session's tool runs on its own time); fails with the last value. */
    const until = async <T>(what: string, get: () => Promise<T>, check: (v: T) => boolean): Promise<T> => {
      let last: T | undefined;
      for (const end = Date.now() + 120_000; Date.now() < end; ) {
        last = await get();
        if (check(last)) return last;
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`waited for ${what}; last: ${JSON.stringify(last)}`);
    };
    const logsOf = async (name: string) => String((await shim('logs', name)).stdout);
    const writeAsUser = (file: string, text: string) => {
      fs.writeFileSync(file, text);
      if (sb.flavour === 'rootless') fs.chownSync(file, sb.uid, sb.uid);
    };
    const copyOf = (name: string) => path.join(sb.env.XDG_STATE_HOME!, 'shim', 'worktrees', name, 'tree');

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
      const r = await shim('install', WT, RS);
      expect(r.exitCode, r.stderr).toBe(0);
      // the user's project: a commit, an uncommitted edit, an untracked file, ignored dependencies
      const p = sb.project;
      expect((await git(p, 'init', '-q', '-b', 'main')).exitCode).toBe(0);
      writeAsUser(path.join(p, 'a.txt'), 'one\n');
      writeAsUser(path.join(p, '.gitignore'), 'node_modules/\n');
      expect((await git(p, 'add', '-A')).exitCode).toBe(0);
      expect((await git(p, 'commit', '-q', '-m', 'first')).exitCode).toBe(0);
      writeAsUser(path.join(p, 'a.txt'), 'one\nuncommitted\n');
      writeAsUser(path.join(p, 'u.txt'), 'untracked\n');
      fs.mkdirSync(path.join(p, 'node_modules', 'dep'), { recursive: true });
      writeAsUser(path.join(p, 'node_modules', 'dep', 'index.js'), 'module.exports = 42;\n');
      if (sb.flavour === 'rootless') await execa('chown', ['-R', `${sb.uid}:${sb.uid}`, p]);
    });
    afterAll(async () => {
      for (const n of names) await shim('discard', n);
      for (const n of names) await shim('stop', n);
      await removeToolVolumes(sb, Object.keys(TOOLS));
      removeSandbox(sb);
    });

    it('runs two sessions on copies of their own; diff, apply --branch, a refused apply, and discard leave the user in charge', async () => {
      const p = sb.project;
      const before = treeState(p);
      const agent = (name: string, work: string) =>
        shim('run', '-d', '--name', name, '--worktree', WT, '-c', `cat a.txt u.txt node_modules/dep/index.js; ${work}; echo READY-$((6*7)); exec sleep 600`);
      // A commits a file of its own; B edits the user's uncommitted file and adds one, uncommitted
      const a = await agent(A, 'echo from-a > a-only.txt && git add a-only.txt && git commit -qm "a: add a-only" && echo COMMITTED; echo scribble > node_modules/dep/scribble.js; ls node_modules/dep');
      expect(a.exitCode, a.stderr).toBe(0);
      const b = await agent(B, 'echo from-b > b-only.txt; echo by-b >> a.txt');
      expect(b.exitCode, b.stderr).toBe(0);
      for (const n of [A, B]) await until(`${n} ready`, () => logsOf(n), (l) => l.includes('READY-42'));
      const logA = await logsOf(A);
      // each sees the user's uncommitted and untracked files and the project's dependencies
      expect(logA).toMatch(/one\r?\nuncommitted\r?\nuntracked/);
      expect(logA).toContain('module.exports = 42;');
      expect(logA).toContain('COMMITTED');
      expect(await logsOf(B)).toContain('module.exports = 42;');
      // neither sees the other's change
      const lsA = await shim('shell', A, '--', 'sh', '-c', 'ls; cat a.txt; pwd');
      expect(lsA.stdout).toContain('a-only.txt');
      expect(lsA.stdout).not.toContain('b-only.txt');
      expect(lsA.stdout).not.toContain('by-b');
      expect(lsA.stdout.trim().split('\n').at(-1)).toBe(p);
      const lsB = await shim('shell', B, '--', 'sh', '-c', 'ls; cat a.txt');
      expect(lsB.stdout).toContain('b-only.txt');
      expect(lsB.stdout).toContain('by-b');
      expect(lsB.stdout).not.toContain('a-only.txt');
      // the user's tree and .git are as they were (node_modules included: A's scribble went to its layer)
      expect(treeState(p)).toEqual(before);

      // diff: exactly each one's work
      const dA = await shim('diff', A, '--json');
      expect(dA.exitCode, dA.stderr).toBe(0);
      expect(JSON.parse(dA.stdout)).toMatchObject({ name: A, branch: `shim/${A}`, files: [{ path: 'a-only.txt', status: 'added', additions: 1, deletions: 0 }] });
      const dB = await shim('diff', B, '--json');
      expect(JSON.parse(dB.stdout).files).toEqual([
        { path: 'a.txt', status: 'modified', additions: 1, deletions: 0 },
        { path: 'b-only.txt', status: 'added', additions: 1, deletions: 0 },
      ]);
      expect((await shim('diff', B)).stdout).toContain('+by-b');
      const rows = await ps();
      expect(rows.find((r) => r.name === A)).toMatchObject({ state: 'running', branch: `shim/${A}`, changed: 1 });
      expect(rows.find((r) => r.name === B)).toMatchObject({ state: 'running', branch: `shim/${B}`, changed: 2 });

      // apply --branch: a branch with the agent's commit; the working tree untouched
      const br = await shim('apply', '--branch', A);
      expect(br.exitCode, br.stderr).toBe(0);
      expect((await git(p, 'log', '--format=%s', `shim/${A}`)).stdout).toContain('a: add a-only');
      expect((await git(p, 'show', `shim/${A}:a-only.txt`)).stdout).toBe('from-a');
      const afterBranch = treeState(p);
      expect(Object.keys(afterBranch).filter((f) => !f.startsWith('.git/'))).toEqual(Object.keys(before).filter((f) => !f.startsWith('.git/')));
      for (const f of Object.keys(before).filter((f) => !f.startsWith('.git/'))) expect(afterBranch[f]).toBe(before[f]);

      // apply refuses a file the user changed meanwhile, and changes nothing
      writeAsUser(path.join(p, 'a.txt'), 'the user kept working\n');
      const mine = treeState(p);
      const refused = await shim('apply', B);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toContain('a.txt');
      expect(treeState(p)).toEqual(mine);
      // put back, it applies: uncommitted changes in the tree
      writeAsUser(path.join(p, 'a.txt'), 'one\nuncommitted\n');
      const applied = await shim('apply', B);
      expect(applied.exitCode, applied.stderr).toBe(0);
      expect(fs.readFileSync(path.join(p, 'a.txt'), 'utf8')).toBe('one\nuncommitted\nby-b\n');
      expect(fs.readFileSync(path.join(p, 'b-only.txt'), 'utf8')).toBe('from-b\n');
      expect((await git(p, 'status', '--porcelain')).stdout).toBe(' M a.txt\n?? b-only.txt\n?? u.txt');

      // discard: the sessions stop, and nothing of them is left
      for (const n of [A, B]) {
        const d = await shim('discard', n);
        expect(d.exitCode, d.stderr).toBe(0);
      }
      expect(fs.readdirSync(path.join(sb.env.XDG_STATE_HOME!, 'shim', 'worktrees'))).toEqual([]);
      expect(fs.existsSync(path.join(sb.env.XDG_STATE_HOME!, 'shim', 'sessions', A))).toBe(false);
      for (const n of [A, B]) expect((await sb.runtime(['ps', '-a', '--filter', `label=io.shim.session=${n}`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
      expect((await ps()).filter((r) => r.name === A || r.name === B)).toEqual([]);
      expect(fs.readdirSync(path.join(p, 'node_modules', 'dep'))).toEqual(['index.js']);
    });

    it('applies what shim diff showed: the agent swapping a file after the review gets a refusal and nothing written; the reviewed content applies (control)', async () => {
      const p = sb.project;
      const started = await shim('run', '-d', '--name', D, '--worktree', WT, '-c', 'echo reviewed > r.txt; echo READY-$((6*7)); exec sleep 600');
      expect(started.exitCode, started.stderr).toBe(0);
      await until(`${D} ready`, () => logsOf(D), (l) => l.includes('READY-42'));
      const before = treeState(p);
      const unseen = await shim('apply', D);
      expect(unseen.exitCode).toBe(2);
      expect(unseen.stderr).toContain(`run shim diff ${D} first`);
      const shown = await shim('diff', D);
      expect(shown.stdout).toContain('+reviewed');
      const tree = /tree ([0-9a-f]{40})/.exec(shown.stderr)?.[1];
      expect(tree, shown.stderr).toBeDefined();
      expect(JSON.parse((await shim('diff', D, '--json')).stdout).tree).toBe(tree);
      // the agent, still running, swaps the file after the review
      expect((await shim('shell', D, '--', 'sh', '-c', 'echo swapped > r.txt')).exitCode).toBe(0);
      for (const argv of [['apply', D], ['apply', '--branch', D], ['apply', D, '--tree', tree!]]) {
        const r = await shim(...argv);
        expect(r.exitCode, r.stderr).toBe(125);
        expect(r.stderr).toContain('changed since its diff was shown');
      }
      expect(treeState(p)).toEqual(before);
      expect((await git(p, 'branch', '--list', `shim/${D}`)).stdout).toBe('');
      // control: unchanged since the diff, apply writes exactly the content shown
      expect((await shim('shell', D, '--', 'sh', '-c', 'echo reviewed > r.txt')).exitCode).toBe(0);
      const applied = await shim('apply', D);
      expect(applied.exitCode, applied.stderr).toBe(0);
      expect(fs.readFileSync(path.join(p, 'r.txt'), 'utf8')).toBe('reviewed\n');
      fs.rmSync(path.join(p, 'r.txt'));
      expect((await shim('discard', D)).exitCode).toBe(0);
    });

    it('never runs what the agent plants in its copy: hooks, fsmonitor, pager, filters, diff drivers, gpg (each with a control)', async () => {
      const traps = path.join(sb.root, 'traps');
      fs.mkdirSync(traps);
      const trapScript = path.join(sb.root, 'trap.sh');
      fs.writeFileSync(trapScript, `#!/bin/sh\ntouch ${traps}/"$1"\ncat >/dev/null 2>&1\nexit 0\n`, { mode: 0o755 });
      fs.writeFileSync(`${trapScript}-gpg`, `#!/bin/sh\nexec ${trapScript} gpg\n`, { mode: 0o755 });
      if (sb.flavour === 'rootless') await execa('chown', ['-R', `${sb.uid}:${sb.uid}`, traps, trapScript, `${trapScript}-gpg`]);
      const started = await shim('run', '-d', '--name', C, '--worktree', WT, '-c', `${plantTrapsScript(trapScript)} && echo PLANTED-$((6*7)); exec sleep 600`);
      expect(started.exitCode, started.stderr).toBe(0);
      await until('traps planted', () => logsOf(C), (l) => l.includes('PLANTED-42'));
      const fired = () => fs.readdirSync(traps).sort();
      // shim's own commands on the planted copy: nothing fires
      expect((await shim('diff', C)).exitCode).toBe(0);
      expect((await shim('diff', C, '--stat')).exitCode).toBe(0);
      expect((await shim('diff', C, '--json')).exitCode).toBe(0);
      const br = await shim('apply', '--branch', C);
      expect(br.exitCode, br.stderr).toBe(0);
      const ap = await shim('apply', C);
      expect(ap.exitCode, ap.stderr).toBe(0);
      expect((await shim('ps')).exitCode).toBe(0);
      expect(fired()).toEqual([]);
      // controls: plain git in the same copy runs every one of them
      const copy = copyOf(C);
      for (const argv of trapControls(copy)) {
        const [cmd, ...rest] = asUser(sb.flavour, argv);
        // the copy's alternates name the container's path of the user's objects: on the host, git is told
        await execa(cmd!, rest, { cwd: copy, reject: false, stdin: 'ignore', timeout: 60_000, env: { ...sb.env, GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(sb.project, '.git', 'objects'), GIT_AUTHOR_NAME: 'u', GIT_AUTHOR_EMAIL: 'u@u', GIT_COMMITTER_NAME: 'u', GIT_COMMITTER_EMAIL: 'u@u' }, extendEnv: false });
      }
      expect(fired()).toEqual([...TRAP_NAMES].sort());
      for (const f of fired()) fs.rmSync(path.join(traps, f));
      // discard runs none either, and leaves nothing
      expect((await shim('discard', C)).exitCode).toBe(0);
      expect(fired()).toEqual([]);
      expect(fs.existsSync(path.dirname(copy))).toBe(false);
    });

    it('restarts a session with "restart": "on-failure" after exit 1, not after exit 0; shim restart NAME runs it again', async () => {
      const r1 = await shim('run', '-d', '--name', R1, RS, '-c', 'echo RUN-$((6*7)); exit 1');
      expect(r1.exitCode, r1.stderr).toBe(0);
      const rows = await until('two restarts', ps, (rs) => (rs.find((r) => r.name === R1)?.restarts ?? 0) >= 2);
      expect(rows.find((r) => r.name === R1)?.state).not.toBe('exited');
      expect((await logsOf(R1)).match(/RUN-42/g)!.length).toBeGreaterThanOrEqual(2);
      expect((await shim('stop', R1)).exitCode).toBe(0);

      const r0 = await shim('run', '-d', '--name', R0, RS, '-c', 'echo RUN-$((6*7)); exit 0');
      expect(r0.exitCode, r0.stderr).toBe(0);
      const ended = await until('the end of r0', ps, (rs) => rs.find((r) => r.name === R0)?.exit !== null && rs.some((r) => r.name === R0));
      expect(ended.find((r) => r.name === R0)).toMatchObject({ restarts: 0, exit: { status: 0 } });
      expect((await logsOf(R0)).match(/RUN-42/g)).toHaveLength(1);

      const rr = await shim('run', '-d', '--name', RR, RS, '-c', 'echo RUN-$((6*7)); exec sleep 600');
      expect(rr.exitCode, rr.stderr).toBe(0);
      await until('rr running', () => logsOf(RR), (l) => l.includes('RUN-42'));
      const again = await shim('restart', RR, '--json');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ name: RR, restarts: 1 });
      await until('the second run of rr', () => logsOf(RR), (l) => (l.match(/RUN-42/g) ?? []).length === 2);
      expect((await ps()).find((r) => r.name === RR)).toMatchObject({ state: 'running', restarts: 1 });
      expect((await shim('stop', RR)).exitCode).toBe(0);
    });
  });
}
