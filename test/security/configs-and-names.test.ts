// Hostile configuration and names, run through the real binary against real podman: malformed files
// name the file and the key and start nothing; tool names that look like paths are refused by run, up
// and down; one tool cannot reach another tool's install.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, toolVolumes, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const GOOD = `good-${tag}`;
const OTHER = `other-${tag}`;
const BAD = `bad-${tag}`;

describe('hostile configs and names (podman)', () => {
  let sb: Sandbox;
  const dropIn = (name: string, text: string) => {
    fs.mkdirSync(path.join(sb.root, 'config', 'shim', 'config.d'), { recursive: true });
    fs.writeFileSync(path.join(sb.root, 'config', 'shim', 'config.d', name), text);
  };
  const containersOf = async (tool: string) =>
    (await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${tool}`, '--format', '{{.Names}}'])).stdout.trim();

  beforeAll(async () => {
    sb = await createSandbox('podman', {
      [GOOD]: { tool: 'npm:cowsay', command: 'sh' },
      // another version: an install of its own (the same recipe would share GOOD's read-only install)
      [OTHER]: { tool: 'npm:cowsay@1.5.0', command: 'sh' },
    });
  });
  afterAll(async () => {
    await removeToolVolumes(sb, [GOOD, OTHER, BAD]);
    removeSandbox(sb);
  });

  it.each([
    ['truncated', `{"${BAD}": {"tool": "npm:cow`, /invalid JSON at line 1, column \d+/],
    ['wrong type', `{"${BAD}": {"tool": "npm:cowsay", "mounts": "."}}`, new RegExp(`${BAD}\\.mounts: `)],
    ['unknown key', `{"${BAD}": {"tool": "npm:cowsay", "netwrok": "bridge"}}`, new RegExp(`${BAD}\\.netwrok: unknown key \\(did you mean "network"\\?\\)`)],
    ['__proto__ key', `{"${BAD}": {"tool": "npm:cowsay", "__proto__": {"network": "bridge"}}}`, new RegExp(`${BAD}\\.__proto__: unknown key`)],
    ['huge file', `{"${BAD}": {"tool": "npm:cowsay", "command": "${'x'.repeat(1100 * 1024)}"}}`, /config files are limited to 1048576 bytes/],
  ])('a %s file names the file and key and starts nothing', async (_kind, text, message) => {
    dropIn('50-bad.json', text);
    const r = await sb.run(['shim', 'run', BAD, '-c', 'echo ran']);
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('config.d/50-bad.json');
    expect(r.stderr).toMatch(message);
    expect(await containersOf(BAD)).toBe('');
    // positive control: a tool of a valid file still runs while the bad file is there
    const good = await sb.run([GOOD, '-c', 'echo ran']);
    expect([good.exitCode, good.stdout]).toEqual([0, 'ran\n']);
    fs.rmSync(path.join(sb.root, 'config', 'shim', 'config.d', '50-bad.json'));
  });

  it.each(['../x', 'a/b', '-rf', '', '..', '../../etc'])('refuses the tool name %j in run and links nothing outside the bin dir', async (name) => {
    const r = await sb.run(['shim', 'run', '--', name]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('invalid tool name');
    dropIn('60-names.json', JSON.stringify({ [name]: { tool: 'npm:cowsay' } }));
    const up = await sb.run(['shim', 'up']);
    expect(up.stderr).toContain('invalid tool name');
    // nothing but the valid tools' links exists, and nothing was created next to the bin dir
    expect(fs.readdirSync(sb.bin).sort()).toEqual([GOOD, OTHER].sort());
    expect(fs.readdirSync(path.dirname(sb.bin)).sort()).toEqual(['bin', 'config', 'project', 'state'].sort());
    fs.rmSync(path.join(sb.root, 'config', 'shim', 'config.d', '60-names.json'));
  });

  it('down removes only links to shim, never a file a hostile name points at', async () => {
    const victim = path.join(sb.root, 'victim');
    fs.writeFileSync(victim, 'keep me');
    fs.symlinkSync(victim, path.join(sb.bin, 'not-shim'));
    const down = await sb.run(['shim', 'down']);
    expect(down.exitCode).toBe(0);
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(fs.readdirSync(sb.bin)).toEqual(['not-shim']);
    fs.rmSync(path.join(sb.bin, 'not-shim'));
    fs.rmSync(victim);
    expect((await sb.run(['shim', 'up'])).exitCode).toBe(0);
  });

  it('one tool cannot see or change another tool\'s install', async () => {
    await sb.run([OTHER, '-c', 'true']);
    const r = await sb.run([GOOD, '-c', 'grep -c " /mise" /proc/mounts; ls /mise; touch /mise/data/x 2>&1 || true']);
    const [count] = r.stdout.split('\n');
    expect(count).toBe('1'); // its own install only
    expect(r.stdout).toMatch(/Read-only file system/);
    // positive control: the other tool's volume does exist on the host, it is just not reachable
    expect(await toolVolumes(sb, [OTHER])).toHaveLength(1);
  });
});

describe('two setups with a tool of the same name and different specs, on one runtime (podman)', () => {
  const SHARED = `same-${tag}`;
  // the installed versions (directories; mise's aliases such as 1.5 and latest are links)
  const VERSIONS = 'cd /mise/data/installs/npm-cowsay && find . -mindepth 1 -maxdepth 1 -type d | cut -c3-';
  const installing = (stderr: string) => stderr.includes(`installing ${SHARED}`);
  let a: Sandbox;
  let b: Sandbox;
  beforeAll(async () => {
    // two config dirs (and state dirs), as two users or two checkouts of a setup would have
    a = await createSandbox('podman', { [SHARED]: { tool: 'npm:cowsay@1.5.0', command: 'sh' } });
    b = await createSandbox('podman', { [SHARED]: { tool: 'npm:cowsay@1.4.0', command: 'sh' } });
  });
  afterAll(async () => {
    await removeToolVolumes(a, [SHARED]);
    removeSandbox(a);
    removeSandbox(b);
  });

  it('do not install over each other: each keeps its own volume and version', async () => {
    // positive control: each first run installs (the probe sees an install when there is one)
    const firstA = await a.run([SHARED, '-c', VERSIONS]);
    expect([firstA.exitCode, firstA.stdout.trim(), installing(firstA.stderr)], firstA.stderr).toEqual([0, '1.5.0', true]);
    const firstB = await b.run([SHARED, '-c', VERSIONS]);
    expect([firstB.exitCode, firstB.stdout.trim(), installing(firstB.stderr)], firstB.stderr).toEqual([0, '1.4.0', true]);
    // B's install did not touch A's: A runs its own version without installing again, and so does B
    for (let i = 0; i < 2; i++) {
      const againA = await a.run([SHARED, '-c', VERSIONS]);
      expect([againA.exitCode, againA.stdout.trim(), installing(againA.stderr)], againA.stderr).toEqual([0, '1.5.0', false]);
      const againB = await b.run([SHARED, '-c', VERSIONS]);
      expect([againB.exitCode, againB.stdout.trim(), installing(againB.stderr)], againB.stderr).toEqual([0, '1.4.0', false]);
    }
    expect(await toolVolumes(a, [SHARED])).toHaveLength(2);
  });
});
