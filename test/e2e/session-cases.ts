// Sessions on a real runtime, driven through a real terminal (tmux): a REPL started as a session, typed
// into, detached with Ctrl-], listed, its terminal killed, reattached from another terminal with its
// earlier output, its log read, a shell beside it in the same sandbox, stopped with nothing left; a
// session's timeout; unknown names.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { SHIM, asUser, createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';
import { openTerminal, type Terminal } from './terminal.js';

const tag = Math.random().toString(36).slice(2, 8);
const REPL = `repl-${tag}`;
const SHORT = `short-${tag}`;
const LINKED = `linked-${tag}`;
const SNAPPED = `snapped-${tag}`;
const SMALL = `small-${tag}`;
const TOOLS = {
  [REPL]: { tool: 'npm:cowsay', command: 'sh', env: { PS1: 'repl> ' }, mounts: [{ src: '.' }] },
  [SHORT]: { tool: 'npm:cowsay', command: 'sh', env: { PS1: 'short> ' }, limits: { timeout: '4s' } },
  [LINKED]: { tool: 'npm:cowsay', command: 'sh', env: { PS1: 'linked> ' }, session: true },
  [SNAPPED]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], snapshot: true },
  [SMALL]: { tool: 'npm:cowsay', command: 'node', limits: { memory: '96m' } },
};

interface PsSession {
  name: string;
  tool: string;
  state: string;
  clients: number;
  project: string;
  exit: { status: number } | null;
  runId: string;
  snapshots: string[];
}

export function defineSessionCases(flavour: Flavour): void {
  describe(`sessions on ${flavour}`, () => {
    let sb: Sandbox;
    const terminals: Terminal[] = [];
    const open = async (...argv: string[]) => {
      const t = await openTerminal(sb, argv);
      terminals.push(t);
      return t;
    };
    const sessions = async (): Promise<PsSession[]> => {
      const r = await sb.run(['shim', 'ps', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { sessions: PsSession[] }).sessions;
    };
    const containersOf = async (name: string) => {
      const r = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.session=${name}`, '--format', '{{.Names}}']);
      expect(r.exitCode, r.stderr).toBe(0);
      return r.stdout.split('\n').filter(Boolean);
    };

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
      // installed before any terminal waits on it
      const r = await sb.run(['shim', 'install', REPL, SHORT, LINKED, SNAPPED, SMALL]);
      expect(r.exitCode, r.stderr).toBe(0);
    });
    afterAll(async () => {
      for (const t of terminals) await t.kill();
      for (const name of [`s1-${tag}`, `bg-${tag}`, `to-${tag}`, `${LINKED}-project`, `snap-${tag}`, `tick-${tag}`, `mem-${tag}`, `colour-${tag}`]) await sb.run(['shim', 'stop', name]);
      await removeToolVolumes(sb, Object.keys(TOOLS));
      removeSandbox(sb);
    });

    it('runs a REPL as a session that outlives its terminal: detach, list, reattach with the earlier output, logs, shell, stop', async () => {
      const name = `s1-${tag}`;
      const first = await open('shim', 'run', '--name', name, REPL);
      await first.waitFor(/repl> $/m);
      await first.type('echo marker-$((6*7))');
      await first.keys('Enter');
      await first.waitFor(/^marker-42/m);

      // Ctrl-] detaches: shim returns to the shell with status 0 and says how to come back
      await first.keys('C-]');
      const detached = await first.waitFor(/EXIT=\d+/);
      expect(detached).toContain(`shim attach ${name}`);
      expect(detached).toMatch(/EXIT=0/);
      let listed = (await sessions()).find((s) => s.name === name);
      expect(listed).toMatchObject({ tool: REPL, state: 'running', clients: 0, project: sb.project });

      // a second terminal attaches; the first one is killed: the session goes on
      const second = await open('shim', 'attach', name);
      const replayed = await second.waitFor(/^marker-42/m);
      expect(replayed).toContain('echo marker-$((6*7))');
      expect((await sessions()).find((s) => s.name === name)?.clients).toBe(1);
      await first.kill();
      await second.kill();
      listed = (await sessions()).find((s) => s.name === name);
      expect(listed?.state).toBe('running');

      // a shell beside the tool runs in the same container: what it leaves in /tmp (the container's own
      // tmpfs) the REPL sees
      const shell = await sb.run(['shim', 'shell', name, '--', 'sh', '-c', 'echo from-shell > /tmp/shared; pwd']);
      expect(shell.exitCode, shell.stderr).toBe(0);
      expect(shell.stdout.trim()).toBe(sb.project);

      const third = await open('shim', 'attach', name);
      await third.waitFor(/^marker-42/m);
      await third.type('cat /tmp/shared; echo again-$((7*7))');
      await third.keys('Enter');
      await third.waitFor(/^again-49/m);
      expect(await third.screen()).toMatch(/^from-shell/m);
      // two terminals at once: what one types, both see
      const fourth = await open('shim', 'attach', name);
      await fourth.waitFor(/^again-49/m);
      expect((await sessions()).find((s) => s.name === name)?.clients).toBe(2);
      await third.type('echo both-$((1+1))');
      await third.keys('Enter');
      await third.waitFor(/^both-2/m);
      await fourth.waitFor(/^both-2/m);
      await fourth.keys('C-]');
      await fourth.waitFor(/EXIT=0/);

      const logs = await sb.run(['shim', 'logs', name]);
      expect(logs.exitCode, logs.stderr).toBe(0);
      expect(logs.stdout).toMatch(/marker-42[\s\S]*from-shell[\s\S]*again-49/);
      const last = await sb.run(['shim', 'logs', '-n', '1', name]);
      expect(last.stdout).not.toContain('marker-42');

      // stop: the attached terminal learns that it ended, and no container is left
      expect(await containersOf(name)).toHaveLength(1);
      const stop = await sb.run(['shim', 'stop', name]);
      expect(stop.exitCode, stop.stderr).toBe(0);
      await third.waitFor(/EXIT=\d+/);
      expect(await third.screen()).toContain(`session ${name} ended`);
      expect(await containersOf(name)).toEqual([]);
      listed = (await sessions()).find((s) => s.name === name);
      expect(listed?.state).toBe('exited');
      // the log is kept after the end
      expect((await sb.run(['shim', 'logs', name])).stdout).toContain('again-49');

      const audit = await sb.run(['shim', 'log', '--tool', REPL, '--json']);
      const events = (JSON.parse(audit.stdout) as { session?: { name: string; event: string } }[]).filter((r) => r.session?.name === name).map((r) => r.session!.event);
      for (const e of ['start', 'attach', 'detach', 'shell', 'stop', 'end']) expect(events).toContain(e);
    });

    it('starts detached with -d (printing the name) and survives the death of the shim that started it', async () => {
      const name = `bg-${tag}`;
      const r = await sb.run(['shim', 'run', '-d', '--name', name, REPL]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${name}\n`);
      // a second session of the same name is refused
      const again = await sb.run(['shim', 'run', '-d', '--name', name, REPL]);
      expect(again.exitCode).toBe(2);
      expect(again.stderr).toContain(`a session named "${name}" is already running`);
      expect((await sessions()).find((s) => s.name === name)?.state).toBe('running');
      expect(await containersOf(name)).toHaveLength(1);
      await sb.run(['shim', 'stop', name]);
      expect(await containersOf(name)).toEqual([]);
    });

    it("ends a session at its tool's timeout, with no container left", async () => {
      const name = `to-${tag}`;
      const r = await sb.run(['shim', 'run', '-d', '--name', name, SHORT]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await containersOf(name)).toHaveLength(1);
      // logs -f follows the session until it ends
      const follow = sb.run(['shim', 'logs', '-f', name]);
      let listed: PsSession | undefined;
      for (let i = 0; i < 100 && listed?.state !== 'exited'; i++) {
        await new Promise((res) => setTimeout(res, 200));
        listed = (await sessions()).find((s) => s.name === name);
      }
      expect(listed?.exit?.status).toBe(124);
      expect(await containersOf(name)).toEqual([]);
      const followed = await follow;
      expect(followed.exitCode, followed.stderr).toBe(0);
      expect(followed.stdout).toContain('short> ');
    });

    it('runs the link of a "session": true tool as the project\'s session on a terminal, comes back to it, and runs plainly without one', async () => {
      const name = `${LINKED}-project`;
      const first = await open(LINKED);
      await first.waitFor(/linked> $/m);
      await first.type('echo link-$((2*21))');
      await first.keys('Enter');
      await first.waitFor(/^link-42/m);
      await first.keys('C-]');
      expect(await first.waitFor(/EXIT=\d+/)).toContain(`detached from ${name}`);
      // the link again, with arguments: the running session of this project, its earlier output first
      const second = await open(LINKED, '-c', 'echo not-run');
      const screen = await second.waitFor(/^link-42/m);
      expect(screen).toContain(`already running as session ${name} for this project`);
      expect((await sessions()).filter((s) => s.tool === LINKED).map((s) => s.name)).toEqual([name]);
      // without a terminal the link is a plain run
      const plain = await sb.run([LINKED, '-c', 'echo plain-run']);
      expect(plain.exitCode, plain.stderr).toBe(0);
      expect(plain.stdout).toBe('plain-run\n');
      await sb.run(['shim', 'stop', name]);
      await second.waitFor(/EXIT=\d+/);
      expect(await containersOf(name)).toEqual([]);
    });

    it('prints the log through a pipe as text (no escapes, no terminal query), and the bytes with --raw', async () => {
      const name = `colour-${tag}`;
      const r = await sb.run(['shim', 'run', '-d', '--name', name, REPL, '-c', "printf '\\033[1;31mred\\033[0m \\033[6nasked\\033]0;title\\007 done-77\\n'; exec sleep 600"]);
      expect(r.exitCode, r.stderr).toBe(0);
      let raw = '';
      for (let i = 0; i < 100 && !raw.includes('done-77'); i++) {
        if (i) await new Promise((res) => setTimeout(res, 100));
        raw = (await sb.run(['shim', 'logs', '--raw', name])).stdout;
      }
      // control: the tool did write escapes, a terminal query among them, and --raw keeps them
      expect(raw).toContain('\x1b[1;31mred\x1b[0m \x1b[6nasked\x1b]0;title\x07 done-77\r\n');
      // `shim logs NAME | cat`, through a real shell pipeline
      const [sh, ...shArgs] = asUser(flavour, ['sh', '-c', '"$1" logs "$2" | cat', 'sh', SHIM, name]);
      const piped = await execa(sh!, shArgs, { cwd: sb.project, env: sb.env, extendEnv: false, reject: false, stdin: 'ignore', stripFinalNewline: false });
      expect(piped.exitCode, piped.stderr).toBe(0);
      expect(piped.stdout).toContain('red asked done-77\n');
      expect(piped.stdout).not.toMatch(/[\x1b\r\x07]/);
      // followed until the session ends: text too
      const follow = sb.run(['shim', 'logs', '-f', name]);
      await sb.run(['shim', 'stop', name]);
      const followed = await follow;
      expect(followed.stdout).toContain('red asked done-77\n');
      expect(followed.stdout).not.toMatch(/[\x1b\r\x07]/);
      const json = JSON.parse((await sb.run(['shim', 'logs', '--json', name])).stdout) as { output: string };
      expect(json.output).toContain('red asked done-77\n');
    });

    it('snapshots the project before a session of a "snapshot": true tool; ps names it and restore undoes what the session did', async () => {
      const name = `snap-${tag}`;
      fs.writeFileSync(path.join(sb.project, 'notes.txt'), 'before\n');
      if (flavour === 'rootless') fs.chownSync(path.join(sb.project, 'notes.txt'), sb.uid, sb.uid);
      const r = await sb.run(['shim', 'run', '-d', '--name', name, SNAPPED, '-c', 'echo wrecked > notes.txt; exec sleep 600']);
      expect(r.exitCode, r.stderr).toBe(0);
      for (let i = 0; i < 50 && fs.readFileSync(path.join(sb.project, 'notes.txt'), 'utf8') !== 'wrecked\n'; i++) await new Promise((res) => setTimeout(res, 100));
      expect(fs.readFileSync(path.join(sb.project, 'notes.txt'), 'utf8')).toBe('wrecked\n');
      const listed = (await sessions()).find((s) => s.name === name)!;
      expect(listed.snapshots).toHaveLength(1);
      await sb.run(['shim', 'stop', name]);
      const restore = await sb.run(['shim', 'snapshot', 'restore', listed.runId]);
      expect(restore.exitCode, restore.stderr).toBe(0);
      expect(fs.readFileSync(path.join(sb.project, 'notes.txt'), 'utf8')).toBe('before\n');
      fs.rmSync(path.join(sb.project, 'notes.txt'));
    });

    it('pauses a ticking session by name (its output stops) and resumes it (it ticks again), or says why this host cannot', async () => {
      const name = `tick-${tag}`;
      const r = await sb.run(['shim', 'run', '-d', '--name', name, REPL, '-c', 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2; done']);
      expect(r.exitCode, r.stderr).toBe(0);
      const ticks = async () => ((await sb.run(['shim', 'logs', name])).stdout.match(/^tick-\d+/gm) ?? []).length;
      const grows = async (from: number) => {
        for (let i = 0; i < 100; i++) {
          if ((await ticks()) > from + 2) return true;
          await new Promise((res) => setTimeout(res, 100));
        }
        return false;
      };
      // control: it ticks
      expect(await grows(0)).toBe(true);
      const pause = await sb.run(['shim', 'pause', name]);
      if (flavour === 'rootless' && !fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) {
        expect(pause.exitCode).toBe(125);
        expect(pause.stderr).toContain('rootless podman cannot pause containers on this host: it uses cgroup v1');
        expect(await grows(await ticks())).toBe(true);
      } else {
        expect(pause.exitCode, pause.stderr).toBe(0);
        expect((await sessions()).find((s) => s.name === name)?.state).toBe('paused');
        const frozen = await ticks();
        await new Promise((res) => setTimeout(res, 1500));
        expect(await ticks()).toBe(frozen);
        const again = await sb.run(['shim', 'pause', name]);
        expect(again.exitCode).toBe(2);
        expect(again.stderr).toContain(`nothing to pause: session ${name} is paused`);
        const resume = await sb.run(['shim', 'resume', name]);
        expect(resume.exitCode, resume.stderr).toBe(0);
        expect(await grows(frozen)).toBe(true);
        expect((await sessions()).find((s) => s.name === name)?.state).toBe('running');
      }
      await sb.run(['shim', 'stop', name]);
      expect(await containersOf(name)).toEqual([]);
    });

    it('tells the attached terminal when the tool went over its memory limit, as a run does', async () => {
      const name = `mem-${tag}`;
      const alloc = (mb: number) => `const a = []; for (let i = 0; i < ${mb}; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log('held ${mb}')`;
      const term = await open('shim', 'run', '--name', name, SMALL, '-e', alloc(400));
      const screen = await term.waitFor(/EXIT=\d+/);
      if (flavour === 'rootless' && !fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) {
        // rootless podman on cgroup v1 cannot enforce the limit (limits_best_effort, as documented)
        expect(screen).toContain('held 400');
        expect(screen).toContain(`session ${name} ended: exit 0`);
      } else {
        expect(screen).toMatch(new RegExp(`session ${name} ended: exit 137: ${SMALL} was killed(: out of memory| \\(SIGKILL\\), possibly out of memory) \\(limit 96m\\)`));
        expect(screen).not.toContain('held 400');
      }
      expect(await containersOf(name)).toEqual([]);
    });

    it('names what is running when a name is unknown', async () => {
      const r = await sb.run(['shim', 'attach', `nope-${tag}`]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`no session named "nope-${tag}" is running`);
      const bad = await sb.run(['shim', 'run', '-d', '--name', '../x', REPL]);
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toContain('invalid session name');
      // attach without a name takes the only running session, and lists them when there are several
      const none = await sb.run(['shim', 'attach']);
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toContain('no session is running');
      const [one, two] = [`one-${tag}`, `two-${tag}`];
      try {
        expect((await sb.run(['shim', 'run', '-d', '--name', one, REPL])).exitCode).toBe(0);
        // no terminal here: the error names the session it picked
        expect((await sb.run(['shim', 'attach'])).stderr).toContain(`attaching to ${one} needs a terminal`);
        expect((await sb.run(['shim', 'run', '-d', '--name', two, REPL])).exitCode).toBe(0);
        expect((await sb.run(['shim', 'attach'])).stderr).toContain(`2 sessions are running: ${one}, ${two}`);
      } finally {
        await sb.run(['shim', 'stop', one, two]);
      }
    });
  });
}
