// Install containers on real rootful podman: they get the tool's memory limit, an install timeout with
// a message naming the tool and what to do, and a download cache of their own (never one shared by
// every tool). Each refusal has a positive control: the same install without the limit succeeds.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const ROOMY = `roomy-${tag}`;
const TINY = `tiny-${tag}`;
const SLOW = `slow-${tag}`;
const OTHER = `other-${tag}`;
const ALL = [ROOMY, TINY, SLOW, OTHER];

describe('install containers on podman', () => {
  let sb: Sandbox;
  const settings = () => path.join(sb.root, 'config', 'shim', 'settings.json');
  beforeAll(async () => {
    sb = await createSandbox('podman', {
      [ROOMY]: { tool: 'npm:cowsay', limits: { memory: '1g' } },
      [TINY]: { tool: 'npm:cowsay', limits: { memory: '8m' } },
      [SLOW]: { tool: 'npm:cowsay' },
      [OTHER]: { tool: 'npm:is-number' },
    });
  }, 120_000);
  afterAll(async () => {
    await removeToolVolumes(sb, ALL);
    removeSandbox(sb);
  });

  const leftovers = async (tool: string) => (await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${tool}`, '--format', '{{.Names}}'])).stdout.trim();

  it('an install runs under the tool\'s memory limit: 8m is too little for npm, 1g installs', async () => {
    // positive control: the same package with room installs and runs
    const roomy = await sb.run(['shim', 'install', ROOMY]);
    expect(roomy.exitCode, String(roomy.stderr)).toBe(0);
    const tiny = await sb.run(['shim', 'install', '--force', TINY]); // its own install, not ROOMY's shared
    expect(tiny.exitCode).not.toBe(0);
    expect(tiny.stderr).toContain(`installing ${TINY} (npm:cowsay`);
    expect(tiny.stderr).toMatch(/was killed \(SIGKILL, exit 137\), possibly out of memory \(limit 8m\)|failed \(exit \d+\)/);
    expect(await leftovers(TINY)).toBe('');
  }, 300_000);

  it('an install that outlives install_timeout is stopped, named, and leaves no container', async () => {
    // no registry answers in 1 ms: the install is always still running when the timeout fires
    fs.writeFileSync(settings(), JSON.stringify({ install_timeout: '1ms' }));
    const slow = await sb.run(['shim', 'install', '--force', SLOW]);
    expect(slow.exitCode).toBe(125);
    expect(slow.stderr).toContain(`installing ${SLOW} (npm:cowsay`);
    expect(slow.stderr).toContain('did not finish within 1ms (the install timeout) and was stopped');
    expect(slow.stderr).toContain('raise "install_timeout" in settings.json');
    expect(await leftovers(SLOW)).toBe('');
    // positive control: with the default timeout the same install finishes
    fs.rmSync(settings());
    const again = await sb.run(['shim', 'install', '--force', SLOW]);
    expect(again.exitCode, String(again.stderr)).toBe(0);
  }, 300_000);

  it('two tools never share a download cache: each install fills its own volume only', async () => {
    const other = await sb.run(['shim', 'install', OTHER]);
    expect(other.exitCode, String(other.stderr)).toBe(0);
    const index = async (tool: string) => {
      const where = await sb.runtime(['volume', 'inspect', '--format', '{{.Mountpoint}}', `shim-cache-${tool}`]);
      expect(where.exitCode, where.stderr).toBe(0);
      const dir = path.join(where.stdout.trim(), 'npm', '_cacache', 'index-v5');
      const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      return files.map((f) => fs.readFileSync(path.join(f.parentPath, f.name), 'utf8')).join('\n');
    };
    // positive control: each cache holds what its own install fetched
    const mine = await index(ROOMY);
    const theirs = await index(OTHER);
    expect(mine).toContain('/cowsay');
    expect(theirs).toContain('/is-number');
    // and nothing of the other tool's
    expect(mine).not.toContain('/is-number');
    expect(theirs).not.toContain('/cowsay');
  }, 300_000);
});
