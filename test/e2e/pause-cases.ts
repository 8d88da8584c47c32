// Pause and resume on a real runtime: a warm tool's call ticks into a file every 200 ms; `shim pause`
// freezes it (the file stops growing, `shim ps` says paused), `shim resume` thaws it (it grows again,
// running), and `shim stop` removes a paused container with its call. Where the host cannot freeze
// (rootless podman on cgroup v1) shim refuses with the reason and the call keeps ticking; the runtime
// itself refuses too, so shim's refusal is no false claim.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const TICKER = `ticker-${tag}`;
const TOOLS = { [TICKER]: { tool: 'npm:cowsay', command: 'sh', warm: true, mounts: [{ src: '.' }] } };
const TICK = 'i=0; while :; do i=$((i+1)); echo $i >> ticks.txt; sleep 0.2; done';

/** Whether the host lets this flavour freeze containers: all but rootless podman on cgroup v1. */
const canFreeze = (flavour: Flavour) => flavour !== 'rootless' || fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

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

interface PsEntry {
  name: string;
  tool: string;
  state: string;
}

export function definePauseCases(flavour: Flavour): void {
  describe(`pause and resume on ${flavour}`, () => {
    let sb: Sandbox;
    let ticks: string;
    const shim = (args: string[]) => sb.run(['shim', ...args]);
    const ps = async (): Promise<PsEntry[]> => {
      const r = await shim(['ps', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { containers: PsEntry[] }).containers.filter((c) => c.tool === TICKER);
    };
    /** The `shim ps` table row of one container, split into its columns. */
    const row = async (name: string) => {
      const table = (await shim(['ps'])).stdout.split('\n');
      expect(table[0]).toMatch(/^TOOL +CONTAINER +STATE +STARTED/);
      return table.find((l) => l.includes(name))?.split(/ {2,}/);
    };

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
      ticks = path.join(sb.project, 'ticks.txt');
    });
    afterAll(async () => {
      await shim(['stop']);
      await removeToolVolumes(sb, Object.keys(TOOLS));
      removeSandbox(sb);
    });

    if (canFreeze(flavour)) {
      it('pause stops a ticking warm call and resume restarts it; ps shows each state; stop removes a paused container', async () => {
        const call = sb.run([TICKER, '-c', TICK]);
        // positive control: it ticks before the pause
        await untilMoreThan(ticks, 3);
        const [running] = await ps();
        expect(running).toMatchObject({ tool: TICKER, state: 'running' });
        const name = running!.name;
        // a name that is no warm container is refused, listing what is
        const unknown = await shim(['pause', 'no-such-thing']);
        expect(unknown.exitCode).toBe(2);
        expect(unknown.stderr).toContain(`these can be paused: ${TICKER} (${name})`);

        const paused = await shim(['pause', TICKER]);
        expect(paused.exitCode, paused.stderr).toBe(0);
        expect(paused.stderr).toContain(`paused: ${name} (${TICKER})`);
        const atPause = lines(ticks);
        expect(await ps()).toEqual([expect.objectContaining({ name, state: 'paused' })]);
        expect((await row(name))?.slice(0, 3)).toEqual([TICKER, name, 'paused']);
        // a second pause is refused with the state it is in
        const again = await shim(['pause', name]);
        expect(again.exitCode).toBe(2);
        expect(again.stderr).toContain(`nothing to pause: ${name} (${TICKER}) is paused`);
        // at 5 ticks a second, 1.5 s would add about 7 lines
        await sleep(1500);
        expect(lines(ticks)).toBe(atPause);

        const resumed = await shim(['resume', TICKER]);
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(resumed.stderr).toContain(`resumed: ${name} (${TICKER})`);
        // and it ticks again after the resume
        await untilMoreThan(ticks, atPause + 2);
        expect(await ps()).toEqual([expect.objectContaining({ name, state: 'running' })]);
        expect((await row(name))?.slice(0, 3)).toEqual([TICKER, name, 'running']);
        const notPaused = await shim(['resume', name]);
        expect(notPaused.exitCode).toBe(2);
        expect(notPaused.stderr).toContain(`nothing to resume: ${name} (${TICKER}) is running`);

        // `shim stop` removes a paused container, and the call ends with it
        expect((await shim(['pause', TICKER])).exitCode).toBe(0);
        expect(await ps()).toEqual([expect.objectContaining({ name, state: 'paused' })]);
        const stop = await shim(['stop', TICKER]);
        expect(stop.exitCode, stop.stderr).toBe(0);
        expect(stop.stderr).toContain(`stopped: ${name} (${TICKER})`);
        expect((await call).exitCode).not.toBe(0);
        expect(await ps()).toEqual([]);
        const left = await sb.runtime(['ps', '--all', '--filter', `name=${name}`, '--format', '{{.Names}}']);
        expect(left.exitCode, left.stderr).toBe(0);
        expect(left.stdout.trim()).toBe('');
        fs.rmSync(ticks, { force: true });
      });
    } else {
      it('refuses with the reason (cgroup v1) and leaves the call ticking; the runtime itself cannot pause it either', async () => {
        const call = sb.run([TICKER, '-c', TICK]);
        await untilMoreThan(ticks, 3);
        // the control: there is a running warm container the name means, so the refusal is the host's
        const [running] = await ps();
        expect(running).toMatchObject({ tool: TICKER, state: 'running' });
        const r = await shim(['pause', TICKER]);
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toContain('rootless podman cannot pause containers on this host: it uses cgroup v1');
        // nothing was frozen: it keeps ticking, and ps says running
        await untilMoreThan(ticks, lines(ticks) + 2);
        expect(await ps()).toEqual([expect.objectContaining({ name: running!.name, state: 'running' })]);
        // and the runtime's own pause fails on this host too
        const direct = await sb.runtime(['pause', running!.name]);
        expect(direct.exitCode).not.toBe(0);
        expect(direct.stderr).toMatch(/cgroup v1/i);
        expect((await shim(['stop', TICKER])).exitCode).toBe(0);
        expect((await call).exitCode).not.toBe(0);
        fs.rmSync(ticks, { force: true });
      });
    }
  });
}
