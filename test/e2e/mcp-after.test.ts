// What a plain run checks after its tool ends, `shim mcp`'s run_tool checks too, on real podman through
// the SDK's own client: a repository the tool made is named in the tool result's warnings (and the
// audit record); a run that fails to start leaves no new automatic snapshot. Each with its control.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, SHIM, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const SH = `shm-after-${tag}`;
const SNAPPED = `snap-after-${tag}`;
const BROKEN = `broken-after-${tag}`;
const TOOLS = {
  [SH]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }] },
  [SNAPPED]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], snapshot: true },
  // its command does not exist in the container: the runtime fails to start it (127)
  [BROKEN]: { tool: 'npm:cowsay', command: 'no-such-command-anywhere', mounts: [{ src: '.' }], snapshot: true },
};
const LONG = { timeout: 280_000 };

describe('shim mcp: the checks after a run', () => {
  let sb: Sandbox;
  let client: Client;
  let data: Record<string, string>;

  async function run(tool: string, args: string[] = []): Promise<{ exit_code: number; warnings: string[] }> {
    const result = await client.callTool({ name: 'run_tool', arguments: { tool, args } }, undefined, LONG);
    const text = (result.content as { text: string }[])[0]!.text;
    expect(result.isError, text).toBeFalsy();
    return JSON.parse(text) as { exit_code: number; warnings: string[] };
  }
  const snapshotCount = async () => (JSON.parse((await sb.run(['shim', 'snapshot', 'list', '--json'], { env: data })).stdout) as unknown[]).length;

  beforeAll(async () => {
    sb = await createSandbox('podman', TOOLS);
    data = { XDG_DATA_HOME: path.join(sb.root, 'data') };
    const transport = new StdioClientTransport({ command: process.execPath, args: [SHIM, 'mcp', '--root', sb.project], env: { ...sb.env, ...data }, cwd: sb.project, stderr: 'ignore' });
    client = new Client({ name: 'shim-e2e', version: '0.0.0' });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
    await removeToolVolumes(sb, Object.keys(TOOLS));
    removeSandbox(sb);
  });

  it('run_tool names a repository the tool made in its warnings and the audit record (control: a run that makes none names nothing)', async () => {
    const quiet = await run(SH, ['-c', 'true']);
    expect(quiet.exit_code).toBe(0);
    expect(quiet.warnings.filter((w) => w.includes('git repository'))).toEqual([]);
    const made = await run(SH, ['-c', "git init -q sub && git -C sub config core.fsmonitor 'touch ../fsmonitor-ran #'"]);
    expect(made.exit_code).toBe(0);
    const warning = `${SH} made a git repository: ${path.join(fs.realpathSync(sb.project), 'sub', '.git')}`;
    expect(made.warnings).toContainEqual(expect.stringContaining(warning));
    const records = JSON.parse((await sb.run(['shim', 'log', '--tool', SH, '--json'], { env: data })).stdout) as { via: string; warnings?: string[] }[];
    expect(records.filter((r) => r.via === 'mcp' && r.warnings?.some((w) => w.includes(warning)))).toHaveLength(1);
    fs.rmSync(path.join(sb.project, 'sub'), { recursive: true, force: true });
  });

  it('a run that fails to start leaves no new snapshot (control: one that starts keeps its own; a tool exiting 127 after a change keeps its)', async () => {
    const notes = path.join(sb.project, 'notes');
    fs.writeFileSync(notes, `${Date.now()}\n`);
    const count = await snapshotCount();
    const broken = await run(BROKEN);
    expect(broken.exit_code).toBeGreaterThanOrEqual(125);
    expect(await snapshotCount()).toBe(count);
    // control: the same tree before a run that starts gets a new snapshot
    expect((await run(SNAPPED, ['-c', 'true'])).exit_code).toBe(0);
    expect(await snapshotCount()).toBe(count + 1);
    // control: exiting 127 after changing a file is not a failed start
    fs.writeFileSync(notes, 'again\n');
    expect((await run(SNAPPED, ['-c', 'echo wrecked > notes; exit 127'])).exit_code).toBe(127);
    expect(await snapshotCount()).toBe(count + 2);
  });
});
