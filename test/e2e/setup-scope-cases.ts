// Two setups (two config and state directories) of one user on one runtime never reach each other's
// containers and volumes: `shim ps`, `shim stop NAME` and `shim prune --all` see their own setup's only,
// a named volume of one tool name is each setup's own, and an older shim's shared named volume is copied
// into each setup's own at its first use (a sign-in kept there is not lost).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const WARM = `scopewarm-${tag}`;
const STATE = `scopestate-${tag}`;
const TOOLS = {
  [WARM]: { tool: 'npm:cowsay', command: 'sh', warm: true },
  [STATE]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: 'state', dst: '/state' }] },
};
const LEGACY = `shim-vol-${STATE}-state`;
const BASE_IMAGE = process.env.SHIM_BASE_IMAGE || 'localhost/shim-base:bookworm';

interface PsEntry {
  name: string;
  tool: string;
}

export function defineSetupScopeCases(flavour: Flavour): void {
  describe(`two setups on ${flavour}`, () => {
    let a: Sandbox;
    let b: Sandbox;
    const ps = async (sb: Sandbox): Promise<PsEntry[]> => {
      const r = await sb.run(['shim', 'ps', '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { containers: PsEntry[] }).containers.filter((c) => c.tool === WARM);
    };
    const lockedVolume = (sb: Sandbox, tool: string): string => {
      const lock = JSON.parse(fs.readFileSync(path.join(sb.root, 'state', 'shim', 'tools.lock.json'), 'utf8')) as { tools: Record<string, { installs: Record<string, { volume: string }> }> };
      return lock.tools[tool]!.installs[flavour === 'docker' ? 'docker' : 'podman']!.volume;
    };
    const exists = async (sb: Sandbox, volume: string) => (await sb.runtime(['volume', 'inspect', volume])).exitCode === 0;

    beforeAll(async () => {
      a = await createSandbox(flavour, TOOLS);
      b = await createSandbox(flavour, TOOLS);
      expect(a.setup).not.toBe(b.setup);
    });
    afterAll(async () => {
      for (const sb of [a, b]) {
        if (!sb) continue;
        await sb.run(['shim', 'stop']);
        await removeToolVolumes(sb, Object.keys(TOOLS));
        await sb.runtime(['volume', 'rm', '--force', `${LEGACY}-${sb.setup}`]);
        removeSandbox(sb);
      }
      await a?.runtime(['volume', 'rm', '--force', LEGACY]);
    });

    it('copies an older shim\'s shared named volume into each setup\'s own, which the other setup never sees', async () => {
      // what an older shim left: one volume for every setup, holding a sign-in
      const legacy = await a.runtime(['run', '--rm', '--network', 'none', '--mount', `type=volume,src=${LEGACY},dst=/v`, BASE_IMAGE, 'sh', '-c', 'echo signed-in > /v/token; chmod 644 /v/token; chmod 777 /v']);
      expect(legacy.exitCode, legacy.stderr).toBe(0);
      const first = await a.run([STATE, '-c', 'cat /state/token && echo mine > /state/a-only']);
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stdout).toBe('signed-in\n');
      expect(first.stderr).toContain(`copied ${LEGACY}`);
      // the control: the same setup finds what it wrote, and is told about the copy only once
      const again = await a.run([STATE, '-c', 'cat /state/a-only']);
      expect(again.stdout).toBe('mine\n');
      expect(again.stderr).not.toContain('copied');
      // the other setup has its own copy of the sign-in, without what the first one wrote since
      const other = await b.run([STATE, '-c', 'cat /state/token; ls -A /state']);
      expect(other.exitCode, other.stderr).toBe(0);
      expect(other.stdout).toBe('signed-in\ntoken\n');
      const volumes = [`${LEGACY}-${a.setup}`, `${LEGACY}-${b.setup}`];
      expect(await Promise.all(volumes.map((v) => exists(a, v)))).toEqual([true, true]);
      // each is labelled with its setup
      const labelled = await a.runtime(['volume', 'ls', '--filter', `label=io.shim.setup=${a.setup}`, '--format', '{{.Name}}']);
      expect(labelled.stdout.split('\n')).toContain(volumes[0]);
      expect(labelled.stdout.split('\n')).not.toContain(volumes[1]);
    });

    it('shim ps and shim stop NAME see only their own setup\'s warm containers', async () => {
      for (const sb of [a, b]) expect((await sb.run([WARM, '-c', 'true'])).exitCode).toBe(0);
      const [mine] = await ps(a);
      const [theirs] = await ps(b);
      expect(mine).toBeDefined();
      expect(theirs).toBeDefined();
      expect(mine!.name).not.toBe(theirs!.name);
      // each lists exactly one: its own
      expect((await ps(a)).map((c) => c.name)).toEqual([mine!.name]);
      expect((await ps(b)).map((c) => c.name)).toEqual([theirs!.name]);

      const stop = await a.run(['shim', 'stop', WARM]);
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(stop.stderr).toContain(`stopped: ${mine!.name}`);
      expect(stop.stderr).not.toContain(theirs!.name);
      // the control: the stop worked on the setup's own container; the other's still runs
      expect(await ps(a)).toEqual([]);
      expect((await ps(b)).map((c) => c.name)).toEqual([theirs!.name]);
      const state = await b.runtime(['inspect', '--format', '{{.State.Status}}', theirs!.name]);
      expect(state.stdout.trim()).toBe('running');
      // a bare `shim stop` is scoped the same way
      expect((await a.run(['shim', 'stop'])).exitCode).toBe(0);
      expect((await ps(b)).map((c) => c.name)).toEqual([theirs!.name]);
    });

    it('shim prune --all removes its own setup\'s tool volumes and caches, never the other\'s', async () => {
      const mineTool = lockedVolume(a, WARM);
      const theirsTool = lockedVolume(b, WARM);
      expect(mineTool).not.toBe(theirsTool);
      // STATE installed first; WARM, the same install, shares it (and has no cache of its own)
      const caches = (sb: Sandbox) => `shim-cache-${STATE}-${sb.setup}`;
      expect(await exists(a, caches(a))).toBe(true);
      expect(await exists(a, caches(b))).toBe(true);
      await a.run(['shim', 'stop']);
      const pruned = await a.run(['shim', 'prune', '--all']);
      expect(pruned.exitCode, pruned.stderr).toBe(0);
      // the control: its own are gone
      expect(await exists(a, mineTool)).toBe(false);
      expect(await exists(a, caches(a))).toBe(false);
      // the other setup's are all there, and so is every named volume
      expect(await exists(a, theirsTool)).toBe(true);
      expect(await exists(a, caches(b))).toBe(true);
      expect(pruned.stderr).not.toContain(b.setup);
      expect(await exists(a, `${LEGACY}-${a.setup}`)).toBe(true);
      // the other setup still runs its tool without an install
      const other = await b.run([WARM, '-c', 'echo ok']);
      expect(other.stdout).toBe('ok\n');
      expect(other.stderr).not.toContain('installing');
    });
  });
}
