// Warm containers on a real runtime: calls reuse one container per policy, each call starts like a fresh
// container, signals and timeouts reach the call and not the container, a killed shim takes its call
// along, and the container stops by itself when idle or at `shim stop`.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, waitForOutput, type Flavour, type Sandbox } from './harness.js';
import { openTerminal } from './terminal.js';

const tag = Math.random().toString(36).slice(2, 8);
const WARM = `warmbox-${tag}`;
const QUICK = `quickwarm-${tag}`;
const TOOLS = {
  [WARM]: { tool: 'npm:cowsay', command: 'sh', warm: true, mounts: [{ src: '.', dst: '/workspace' }] },
  [QUICK]: { tool: 'npm:cowsay', command: 'sh', warm: true, warm_idle: '10s', limits: { timeout: '3s' } },
};

/** Command lines of every process in the container but PID 1 (shell built-ins only). */
const PROCESSES = 'for d in /proc/[0-9]*; do [ "${d#/proc/}" = 1 ] && continue; tr "\\0" " " < $d/cmdline 2>/dev/null; echo; done';

interface PsEntry {
  name: string;
  tool: string;
}

export function defineWarmCases(flavour: Flavour): void {
  describe(`warm containers on ${flavour}`, () => {
    let sb: Sandbox;
    const ps = async (tool: string): Promise<PsEntry[]> => {
      const r = await sb.run(['shim', 'ps', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { containers: PsEntry[] }).containers.filter((c) => c.tool === tool);
    };
    const inContainer = async (name: string, script: string) => sb.runtime(['exec', name, 'sh', '-c', script]);

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
    });
    afterAll(async () => {
      await sb.run(['shim', 'stop']);
      await removeToolVolumes(sb, Object.keys(TOOLS));
      removeSandbox(sb);
    });

    it('runs calls of one policy in one container, each starting with no leftover process and empty tmpfs dirs', async () => {
      // the first call leaves a background process and files behind, and sees them itself (the control)
      const first = await sb.run([WARM, '-c', `touch /tmp/left "$HOME/left"; (exec sleep 321 >/dev/null 2>&1 &); sleep 0.2; ls -A /tmp "$HOME"; ${PROCESSES}`]);
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/^left$/m);
      expect(first.stdout).toContain('sleep 321');
      const [container] = await ps(WARM);
      expect(container).toBeDefined();

      const second = await sb.run([WARM, '-c', `ls -A /tmp "$HOME"; ${PROCESSES}`]);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stdout).not.toMatch(/^left$/m);
      expect(second.stdout).not.toContain('sleep 321');
      // the same container served both calls
      expect((await ps(WARM)).map((c) => c.name)).toEqual([container!.name]);
      const log = await sb.run(['shim', 'log', '--tool', WARM, '--json']);
      const records = (JSON.parse(log.stdout) as { warm?: { container: string; started: boolean } }[]).slice(-2);
      expect(records.map((r) => r.warm)).toEqual([
        { container: container!.name, started: true },
        { container: container!.name, started: false },
      ]);
    });

    it('runs the keeper undumpable: a call cannot open its /proc/1/mem, though it can a process of its own', async () => {
      const probe = 'sleep 50 & own=$!; perl -e \'for (@ARGV) { print open(my $f, "+<", "/proc/$_/mem") ? "mem:$_:open\\n" : "mem:$_:denied\\n" }\' "$own" 1 | sed "s/:$own:/:own:/"; kill $own';
      const r = await sb.run([WARM, '-c', probe]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe('mem:own:open\nmem:1:denied\n');
    });

    it('writes to the project as the invoking user, passes stdin and exit statuses through', async () => {
      const r = await sb.run([WARM, '-c', 'cat > from-warm.txt; exit 42'], { input: 'piped\n' });
      expect(r.exitCode).toBe(42);
      const check = await sb.run([WARM, '-c', 'cat from-warm.txt; stat -c %u from-warm.txt']);
      expect(check.stdout).toBe(`piped\n${sb.uid}\n`);
    });

    it('lets calls that overlap run side by side (a clean start never touches a running call)', async () => {
      const slow = sb.run([WARM, '-c', 'echo start > /tmp/mine; sleep 2; cat /tmp/mine']);
      await new Promise((r) => setTimeout(r, 500));
      const quick = await sb.run([WARM, '-c', 'echo quick']);
      expect(quick.stdout).toBe('quick\n');
      const r = await slow;
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe('start\n');
    });

    it.each([
      ['SIGTERM', 'TERM', 7],
      ['SIGINT', 'INT', 8],
      ['SIGHUP', 'HUP', 9],
    ] as const)('delivers %s to the call, not to the container', async (signal, trap, status) => {
      const child = sb.run([WARM, '-c', `trap 'echo got-${trap}; exit ${status}' ${trap}; echo ready; while :; do sleep 0.1; done`]);
      await waitForOutput(child, 'ready');
      const before = await ps(WARM);
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(status);
      expect(r.stdout).toContain(`got-${trap}`);
      expect((await ps(WARM)).map((c) => c.name)).toEqual(before.map((c) => c.name));
    });

    it('kills the call and what it started when shim itself is killed (its watchdog), and keeps the container', async () => {
      // a second call keeps running throughout, so the keeper's own clean-up of leftovers cannot be
      // what removes the killed call's processes
      const holder = sb.run([WARM, '-c', 'echo holding; sleep 30']);
      await waitForOutput(holder, 'holding');
      const child = sb.run([WARM, '-c', 'sleep 654 & sleep 655 & echo ready; wait']);
      await waitForOutput(child, 'ready');
      const [container] = await ps(WARM);
      // the control: the call's processes are running in the container
      const before = (await inContainer(container!.name, PROCESSES)).stdout;
      expect(before).toContain('sleep 654');
      expect(before).toContain('sleep 655');
      child.kill('SIGKILL');
      await child;
      let left = before;
      for (let i = 0; i < 50 && /sleep 65[45]/.test(left); i++) {
        await new Promise((r) => setTimeout(r, 200));
        left = (await inContainer(container!.name, PROCESSES)).stdout;
      }
      expect(left).not.toMatch(/sleep 65[45]/);
      expect(left).toContain('sleep 30');
      expect((await ps(WARM)).map((c) => c.name)).toEqual([container!.name]);
      holder.kill('SIGTERM');
      expect((await holder).exitCode).toBe(143);
    });

    it('stops a call at its timeout without stopping the container, which then stops by itself when idle', async () => {
      const r = await sb.run([QUICK, '-c', 'sleep 30']);
      expect(r.exitCode).toBe(124);
      expect(r.stderr).toContain('timed out after 3s');
      // the control: the container outlived the call
      const [container] = await ps(QUICK);
      expect(container).toBeDefined();
      let gone = false;
      for (let i = 0; i < 80 && !gone; i++) {
        await new Promise((res) => setTimeout(res, 500));
        const listed = await sb.runtime(['ps', '-a', '--filter', `name=${container!.name}`, '--format', '{{.Names}}']);
        gone = listed.exitCode === 0 && listed.stdout.trim() === '';
      }
      expect(gone).toBe(true);
      // and the next call starts a new one
      const next = await sb.run([QUICK, '-c', 'echo again']);
      expect(next.stdout).toBe('again\n');
      expect((await ps(QUICK)).map((c) => c.name)).not.toEqual([container!.name]);
    });

    it('gives a call on a terminal a terminal of its own in the warm container: its size, TERM and COLORTERM, typed input, resizes and Ctrl-C', async () => {
      const t = await openTerminal(sb, [WARM, '-c', 'tty; stty size; echo "term:$TERM:$COLORTERM"; tr "\\0" " " < /proc/1/cmdline; echo; echo ready; read -r line; echo "read:$line"; trap "stty size" WINCH; echo waiting; while :; do sleep 0.1; done'], { cols: 100, rows: 30, env: { TERM: 'xterm-kitty', COLORTERM: 'truecolor' } });
      try {
        const first = await t.waitFor(/ready/);
        expect(first).toMatch(/^\/dev\/pts\/\d+$/m);
        // the nearest TERM the image has a terminfo entry for, as a cold run's; COLORTERM as the host's
        expect(first).toMatch(/^term:xterm-256color:truecolor$/m);
        expect(first).toMatch(/^30 100$/m);
        // run by the warm container's keeper (its PID 1), not in a cold container
        expect(first).toContain('warm-keeper');
        await t.type('typed here');
        await t.keys('Enter');
        await t.waitFor(/read:typed here/);
        await t.waitFor(/waiting/);
        await execa('tmux', ['resize-window', '-t', t.name, '-x', '90', '-y', '20']);
        await t.waitFor(/^20 90$/m);
        // Ctrl-C reaches the tool through its own terminal, which signals its foreground group
        await t.keys('C-c');
        await t.waitFor(/EXIT=130/);
        expect((await ps(WARM)).length).toBe(1);
      } finally {
        await t.kill();
      }
    });

    it('stops warm containers at `shim stop` (a call running in one ends as killed), and the next call starts a fresh one', async () => {
      const running = sb.run([WARM, '-c', 'echo ready; sleep 60']);
      await waitForOutput(running, 'ready');
      const [container] = await ps(WARM);
      const stop = await sb.run(['shim', 'stop', WARM]);
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(stop.stderr).toContain(`stopped: ${container!.name}`);
      const killed = await running;
      expect(killed.exitCode).toBe(137);
      expect(killed.stderr).toContain('its warm container was stopped during the call');
      expect(killed.stderr).not.toContain('out of memory');
      expect(await ps(WARM)).toEqual([]);
      const next = await sb.run([WARM, '-c', 'echo fresh']);
      expect(next.stdout).toBe('fresh\n');
      expect((await ps(WARM))[0]!.name).not.toBe(container!.name);
    });
  });
}
