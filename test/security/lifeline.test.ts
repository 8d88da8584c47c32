// A session's tool that tries to outlive shim (issue 27, hole 8), on rootful podman, rootless podman and
// docker: it ignores SIGHUP and kills every process it can, the lifeline's included, then the session's
// supervisor and watchdog are killed outright (SIGKILL); so are a plain run's shim and watchdog. The
// container must still end: its lifeline is its PID 1, which the tool cannot kill or stop. And a session whose container outlived its supervisor
// anyway (lost) is stopped by `shim stop NAME` through the runtime.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, waitForOutput, type Flavour, type Sandbox } from '../e2e/harness.js';
import { descendants } from './host-processes.js';

const tag = Math.random().toString(36).slice(2, 8);
const TOOL = `lifeprobe-${tag}`;

/** The tool: deaf to SIGHUP, it starts a process of its own (the control), then stops every other
 *  process of the container it can (so none reacts to another's end), SIGKILLs them (naming each; a
 *  signal to PID 1 "succeeds" though the kernel drops it) and tries to stop and kill PID 1. */
const DISARM = [
  'trap "" HUP',
  'sleep 300 & own=$!',
  'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = $$ ] || kill -STOP "$p" 2>/dev/null; done',
  'for d in /proc/[0-9]*; do p=${d#/proc/}; [ "$p" = $$ ] && continue; read -r n < $d/comm 2>/dev/null || continue; [ "$p" = "$own" ] && n=own; kill -9 "$p" 2>/dev/null && echo "killed:$n"; done',
  'kill -STOP 1; kill -9 1; echo "pid1:$(cut -d" " -f3 /proc/1/stat)"',
  'echo ready',
  'while :; do sleep 1; done',
].join('\n');

/** SIGKILL to the supervisor and everything it started on the host (its watchdog, the runtime's client),
 *  all stopped first: the watchdog must not see the supervisor go and remove the container itself. */
function killSupervisor(pid: number): void {
  const all = [pid, ...descendants(pid)];
  for (const sig of ['SIGSTOP', 'SIGKILL'] as const) {
    for (const p of all) {
      try {
        process.kill(p, sig);
      } catch {
        // gone already
      }
    }
  }
}

for (const flavour of ['podman', 'rootless', 'docker'] as Flavour[]) {
  describe(`a session's lifeline on ${flavour}`, () => {
    let sb: Sandbox;
    const names = ['disarm', 'lost'].map((n) => `${n}-${flavour}-${tag}`);
    const containersOf = async (name: string) => (await sb.runtime(['ps', '-a', '--filter', `label=io.shim.session=${name}`, '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean);
    const goneWithin10s = async (name: string) => {
      let left = await containersOf(name);
      for (let i = 0; i < 40 && left.length; i++) {
        await new Promise((r) => setTimeout(r, 250));
        left = await containersOf(name);
      }
      return left;
    };
    const meta = (name: string) => JSON.parse(fs.readFileSync(path.join(sb.root, 'state', 'shim', 'sessions', name, 'meta.json'), 'utf8')) as { pid: number; container: string };
    const stateOf = async (name: string) => {
      const ps = await sb.run(['shim', 'ps', '--json']);
      return (JSON.parse(ps.stdout) as { sessions: { name: string; state: string }[] }).sessions.find((s) => s.name === name)?.state;
    };
    const logsUntil = async (name: string, text: string) => {
      let out = '';
      for (let i = 0; i < 200 && !out.includes(text); i++) {
        if (i) await new Promise((r) => setTimeout(r, 100));
        out = (await sb.run(['shim', 'logs', name])).stdout;
      }
      return out;
    };

    beforeAll(async () => {
      sb = await createSandbox(flavour, { [TOOL]: { tool: 'npm:cowsay', command: 'sh' } });
      const r = await sb.run(['shim', 'install', TOOL]);
      expect(r.exitCode, r.stderr).toBe(0);
    });
    afterAll(async () => {
      for (const name of names) {
        await sb.run(['shim', 'stop', name]);
        for (const c of await containersOf(name)) await sb.runtime(['rm', '--force', c]);
      }
      const runs = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${TOOL}`, '--format', '{{.Names}}']);
      for (const c of runs.stdout.split('\n').filter(Boolean)) await sb.runtime(['rm', '--force', c]);
      await removeToolVolumes(sb, [TOOL]);
      removeSandbox(sb);
    });

    it('ends the container when the supervisor and watchdog are killed, though the tool killed every process it could', async () => {
      const name = names[0]!;
      const r = await sb.run(['shim', 'run', '-d', '--name', name, TOOL, '-c', DISARM]);
      expect(r.exitCode, r.stderr).toBe(0);
      const out = await logsUntil(name, 'ready');
      // the controls: the tool could kill a process of its own, and PID 1 is still there, neither
      // killed nor stopped
      expect(out).toContain('killed:own');
      expect(out).toMatch(/^pid1:S\r?$/m);
      expect(await containersOf(name)).toHaveLength(1);
      killSupervisor(meta(name).pid);
      expect(await goneWithin10s(name)).toEqual([]);
    });

    it('ends a plain run\'s container the same way when shim and its watchdog are killed', async () => {
      const child = sb.run([TOOL, '-c', DISARM]);
      await waitForOutput(child, 'ready');
      const running = await sb.runtime(['ps', '--filter', `label=io.shim.tool=${TOOL}`, '--format', '{{.Names}}']);
      // the control: its container runs
      expect(running.stdout.trim()).not.toBe('');
      killSupervisor(child.pid!);
      const out = (await child).stdout;
      expect(out).toContain('killed:own');
      let left = running.stdout.trim();
      for (let i = 0; i < 40 && left; i++) {
        await new Promise((r) => setTimeout(r, 250));
        left = (await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${TOOL}`, '--format', '{{.Names}}'])).stdout.trim();
      }
      expect(left).toBe('');
    });

    it('`shim stop NAME` stops a lost session\'s container through the runtime', async () => {
      const name = names[1]!;
      const r = await sb.run(['shim', 'run', '-d', '--name', name, TOOL, '-c', 'trap "" HUP; echo ready; while :; do sleep 1; done']);
      expect(r.exitCode, r.stderr).toBe(0);
      await logsUntil(name, 'ready');
      // a lifeline that cannot act (its PID 1 stopped from the host), then the supervisor killed: the
      // session is lost, and its container runs on (the controls)
      const [container] = await containersOf(name);
      expect(container).toBe(meta(name).container);
      const stopped = await sb.runtime(['kill', '--signal', 'STOP', container!]);
      expect(stopped.exitCode, stopped.stderr).toBe(0);
      killSupervisor(meta(name).pid);
      expect(await stateOf(name)).toBe('lost');
      expect(await containersOf(name)).toEqual([container]);
      const stop = await sb.run(['shim', 'stop', name]);
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(stop.stderr).toContain(`stopped: session ${name}`);
      expect(await goneWithin10s(name)).toEqual([]);
    });
  });
}
