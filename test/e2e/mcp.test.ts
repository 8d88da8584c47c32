// `shim mcp` against real podman, driven by the official SDK's own client over stdio: the server is
// `node bin/shim.js mcp --root <project>` (the bundled build, whose SDK lives in its own chunk), the
// tools are real installs (npm:cowsay) whose commands are cowsay, node (from the image) and sh.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, REPO, SHIM, type Sandbox } from './harness.js';

// tool names unique to this run: tool volumes are shared by everything running as this user
const tag = Math.random().toString(36).slice(2, 8);
const COW = `cowsay-mcp-${tag}`;
const NODE = `node-mcp-${tag}`;
const SH = `sh-mcp-${tag}`;
const MOUNTED = `nodemnt-mcp-${tag}`;
const WARM = `warm-mcp-${tag}`;
const SECRET = `secret-mcp-${tag}`;
const SECRET_VALUE = `mcp-secret-${tag}`;
const SHW = `shw-mcp-${tag}`;
const TOOLS = {
  [COW]: { tool: 'npm:cowsay', command: 'cowsay' },
  [NODE]: { tool: 'npm:cowsay', command: 'node' },
  [SH]: { tool: 'npm:cowsay', command: 'sh' },
  [MOUNTED]: { tool: 'npm:cowsay', command: 'node', mounts: [{ src: '.', dst: '/workspace' }] },
  [WARM]: { tool: 'npm:cowsay', command: 'sh', warm: true },
  [SECRET]: { tool: 'npm:cowsay', command: 'sh', env: { API_TOKEN: SECRET_VALUE }, secrets: ['API_TOKEN'] },
  [SHW]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }] },
};
// first calls build nothing (global setup did) but install the tool
const LONG = { timeout: 280_000 };

interface CallOutcome {
  isError: boolean;
  text: string;
  json: Record<string, any>;
}

describe('shim mcp on podman (SDK client over stdio)', () => {
  let sb: Sandbox;
  let client: Client;
  let transport: StdioClientTransport;
  let serverStderr = '';
  const clientErrors: Error[] = [];

  async function call(name: string, args: Record<string, unknown> = {}): Promise<CallOutcome> {
    const result = await client.callTool({ name, arguments: args }, undefined, LONG);
    const content = result.content as { type: string; text: string }[];
    expect(content).toHaveLength(1);
    expect(content[0]!.type).toBe('text');
    const text = content[0]!.text;
    let json: Record<string, any> = {};
    try {
      json = JSON.parse(text);
    } catch {
      // error results are plain messages
    }
    return { isError: result.isError === true, text, json };
  }

  beforeAll(async () => {
    sb = await createSandbox('podman', TOOLS);
    fs.mkdirSync(path.join(sb.project, 'sub'));
    fs.writeFileSync(path.join(sb.project, 'sub', 'marker.txt'), 'x');
    transport = new StdioClientTransport({ command: process.execPath, args: [SHIM, 'mcp', '--root', sb.project], env: sb.env, cwd: sb.project, stderr: 'pipe' });
    transport.stderr!.on('data', (d: Buffer) => (serverStderr += d.toString()));
    client = new Client({ name: 'shim-e2e', version: '0.0.0' });
    client.onerror = (e) => clientErrors.push(e);
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
    if (sb) await sb.run(['shim', 'stop']);
    await removeToolVolumes(sb, Object.keys(TOOLS));
    removeSandbox(sb);
  });

  it('offers its tools, with descriptions and input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['execute_code', 'explain_tool', 'list_tools', 'run_tool', 'session_diff', 'session_list', 'session_read', 'session_send', 'session_start', 'session_stop']);
    const run = tools.find((t) => t.name === 'run_tool')!;
    expect(run.description).toContain('inside that root');
    expect(Object.keys(run.inputSchema.properties ?? {}).sort()).toEqual(['args', 'cwd', 'stdin', 'timeout_s', 'tool']);
    expect(run.inputSchema.required).toEqual(['tool']);
    expect(tools.find((t) => t.name === 'execute_code')!.description).toContain('no mounts, network "none"');
  });

  it('list_tools lists the configured tools with network, mounts and safety', async () => {
    const r = await call('list_tools');
    expect(r.isError).toBe(false);
    expect(r.json.root).toBe(fs.realpathSync(sb.project));
    const byName = Object.fromEntries((r.json.tools as any[]).map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(Object.keys(TOOLS).sort());
    expect(byName[COW]).toMatchObject({ spec: 'npm:cowsay', command: 'cowsay', network: 'none', mounts: [], safe: true, error: null });
    expect(byName[MOUNTED]).toMatchObject({ command: 'node', mounts: ['. -> /workspace (rw)'], safe: false });
  });

  it('drives a long-lived tool as a session: start, send, read what is new, stop; the CLI sees the same session', async () => {
    const name = `mcp-sess-${tag}`;
    const start = await call('session_start', { tool: SH, name, args: ['-i'] });
    expect(start.isError, start.text).toBe(false);
    expect(start.json).toMatchObject({ name, tool: SH });
    const ps = await sb.run(['shim', 'ps', '--json']);
    expect((JSON.parse(ps.stdout) as { sessions: { name: string; state: string }[] }).sessions).toContainEqual(expect.objectContaining({ name, state: 'running' }));
    // bold on a terminal: escape sequences around the text
    const sent = await call('session_send', { name, text: "printf '\\033[1mfrom-mcp-%s\\033[0m\\n' $((20+22))", enter: true });
    expect(sent.json.written).toBeGreaterThan(0);
    let read: CallOutcome | undefined;
    for (let i = 0; i < 100; i++) {
      read = await call('session_read', { name });
      if (/^from-mcp-42$/m.test(read.json.output)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(read!.json.output).toMatch(/^from-mcp-42$/m);
    // plain text: no escape sequences (control: the raw output has them around the same text); `end`
    // as the next offset gives only what is new
    expect(read!.json.output).not.toContain('\x1b');
    const raw = await call('session_read', { name, raw: true });
    expect(raw.json.output).toContain('\x1b[1mfrom-mcp-42\x1b[0m');
    const next = await call('session_read', { name, offset: read!.json.end });
    expect(next.json.output).not.toContain('from-mcp-42');
    // a notification escape marks the session as wanting attention (session_list, session_read) until input arrives
    expect(next.json.attention).toBeNull();
    await call('session_send', { name, text: "printf 'waiting\\033]9;mcp needs you\\007\\n'", enter: true });
    let listed: CallOutcome | undefined;
    for (let i = 0; i < 100; i++) {
      listed = await call('session_list', {});
      if (listed.json.find((s: { name: string }) => s.name === name)?.attention) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed!.json.find((s: { name: string }) => s.name === name)?.attention).toMatchObject({ kind: 'notification', text: 'mcp needs you' });
    expect((await call('session_read', { name })).json.attention).toMatchObject({ kind: 'notification', text: 'mcp needs you' });
    await call('session_send', { name, text: 'true', enter: true });
    expect((await call('session_read', { name })).json.attention).toBeNull();
    const stop = await call('session_stop', { name });
    expect(stop.isError, stop.text).toBe(false);
    expect(typeof stop.json.exit_code).toBe('number');
    const gone = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.session=${name}`, '--format', '{{.Names}}']);
    expect(gone.stdout.trim()).toBe('');
    const after = await call('session_send', { name, text: 'x' });
    expect(after.isError).toBe(true);
    expect(after.text).toContain(`no session named "${name}" is running`);
  });

  // the control, a session inside the root driven by the same tools, is the test above
  it("refuses to drive a session of a project outside the server's root", async () => {
    const outside = fs.mkdtempSync(path.join(sb.root, 'elsewhere-'));
    const name = `mcp-out-${tag}`;
    const started = await sb.run(['shim', 'run', '-d', '--name', name, SH, '-i'], { cwd: outside });
    expect(started.exitCode, started.stderr).toBe(0);
    try {
      for (const [tool, args] of [['session_send', { name, text: 'x' }], ['session_read', { name }], ['session_stop', { name }]] as const) {
        const r = await call(tool, args);
        expect(r.isError, tool).toBe(true);
        expect(r.text).toContain(`outside this server's root`);
      }
      // the session is untouched
      const ps = await sb.run(['shim', 'ps', '--json']);
      expect((JSON.parse(ps.stdout) as { sessions: { name: string; state: string }[] }).sessions).toContainEqual(expect.objectContaining({ name, state: 'running' }));
    } finally {
      await sb.run(['shim', 'stop', name]);
    }
  });

  it('explain_tool explains a tool; an unknown one is a tool error, not a crash', async () => {
    const r = await call('explain_tool', { tool: MOUNTED });
    expect(r.isError).toBe(false);
    expect(r.json.tool).toBe(MOUNTED);
    expect(r.json.network.mode).toBe('none');
    expect(r.json.mounts).toEqual([{ src: fs.realpathSync(sb.project), dst: '/workspace', mode: 'rw', arrow: '<-->' }]);
    expect(r.json.command).toContain('--network none');
    const unknown = await call('explain_tool', { tool: 'no-such-tool' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown tool "no-such-tool"');
  });

  it('run_tool runs cowsay in its container (installing it first) and returns its output', async () => {
    const r = await call('run_tool', { tool: COW, args: ['hello', 'mcp'] });
    expect(r.isError, r.text).toBe(false);
    expect(r.json).toMatchObject({ exit_code: 0, signal: null, truncated: false, timed_out: false });
    expect(r.json.stdout).toContain('< hello mcp >');
    expect(r.json.duration_ms).toBeGreaterThan(0);
    // the install's messages went to stderr, never into the protocol channel
    expect(serverStderr).toMatch(new RegExp(`installing ${COW}|${COW}: shares the install of`));
    const unknown = await call('run_tool', { tool: `nope-${tag}` });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('unknown tool');
  });

  it('passes stdin to the tool and its exit status through', async () => {
    const r = await call('run_tool', { tool: SH, args: ['-c', 'cat; echo "[$1]" >&2; exit 3', 'sh', 'a b'], stdin: 'piped text\nline 2\n' });
    expect(r.isError, r.text).toBe(false);
    expect(r.json).toMatchObject({ exit_code: 3, stdout: 'piped text\nline 2\n', stderr: '[a b]\n', signal: null });
    const ok = await call('run_tool', { tool: SH, args: ['-c', 'exit 0'] });
    expect(ok.json.exit_code).toBe(0);
  });

  it('refuses a cwd outside the root, and runs in one inside it ("." mounts follow cwd)', async () => {
    const ls = ['-e', "console.log(require('fs').readdirSync('/workspace').join(','))"];
    const outside = await call('run_tool', { tool: MOUNTED, args: ls, cwd: sb.root });
    expect(outside.isError).toBe(true);
    expect(outside.text).toContain('outside the directory this server was started for');
    const dotdot = await call('run_tool', { tool: MOUNTED, args: ls, cwd: '..' });
    expect(dotdot.isError).toBe(true);
    // positive control: a subdirectory of the root, relative and absolute
    const inside = await call('run_tool', { tool: MOUNTED, args: ls, cwd: 'sub' });
    expect(inside.isError, inside.text).toBe(false);
    expect(inside.json).toMatchObject({ exit_code: 0, stdout: 'marker.txt\n' });
    const absolute = await call('run_tool', { tool: MOUNTED, args: ls, cwd: path.join(sb.project, 'sub') });
    expect(absolute.json.stdout).toBe('marker.txt\n');
  });

  it('stops a run at timeout_s with SIGTERM and leaves no container', async () => {
    const started = Date.now();
    const r = await call('run_tool', { tool: SH, args: ['-c', 'echo started; sleep 30'], timeout_s: 2 });
    const elapsed = Date.now() - started;
    expect(r.isError, r.text).toBe(false);
    expect(elapsed).toBeLessThan(15_000);
    expect(r.json).toMatchObject({ timed_out: true, signal: 'SIGTERM', limits_hit: ['timeout'], stdout: 'started\n' });
    expect(r.json.exit_code).not.toBe(0);
    const left = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${SH}`, '--format', '{{.Names}}']);
    expect(left.exitCode).toBe(0);
    expect(left.stdout.trim()).toBe('');
    // control: within its time limit the same kind of run completes
    const quick = await call('run_tool', { tool: SH, args: ['-c', 'sleep 1; echo done'], timeout_s: 20 });
    expect(quick.json).toMatchObject({ timed_out: false, signal: null, exit_code: 0, stdout: 'done\n' });
  });

  it('runs a warm tool\'s calls in its one container, stdin and timeouts included', async () => {
    const warmContainers = async () => {
      const ps = await sb.run(['shim', 'ps', '--json']);
      return (JSON.parse(ps.stdout) as { containers: { name: string; tool: string }[] }).containers.filter((c) => c.tool === WARM).map((c) => c.name);
    };
    const first = await call('run_tool', { tool: WARM, args: ['-c', 'cat; exit 5'], stdin: 'in\n' });
    expect(first.json).toMatchObject({ exit_code: 5, stdout: 'in\n' });
    const [container] = await warmContainers();
    expect(container).toBeDefined();
    const stopped = await call('run_tool', { tool: WARM, args: ['-c', 'echo started; sleep 30'], timeout_s: 2 });
    expect(stopped.json).toMatchObject({ timed_out: true, signal: 'SIGTERM', stdout: 'started\n' });
    // the call was stopped, not the container
    expect(await warmContainers()).toEqual([container]);
    const again = await call('run_tool', { tool: WARM, args: ['-c', 'echo again'] });
    expect(again.json).toMatchObject({ exit_code: 0, stdout: 'again\n' });
    expect(await warmContainers()).toEqual([container]);
  });

  it('caps output at 1 MiB per stream and says so', async () => {
    const r = await call('run_tool', { tool: SH, args: ['-c', 'head -c 3145728 /dev/zero | tr "\\0" x; echo tail >&2'] });
    expect(r.isError, r.text.slice(0, 500)).toBe(false);
    expect(r.json.exit_code).toBe(0);
    expect(r.json.truncated).toBe(true);
    expect(r.json.limits_hit).toEqual(['output']);
    expect(r.json.stdout.length).toBe(1024 * 1024);
    expect(r.json.stdout).toMatch(/^x+$/);
    expect(r.json.stderr).toBe('tail\n');
    // control: output under the cap is whole
    const small = await call('run_tool', { tool: SH, args: ['-c', 'head -c 1000 /dev/zero | tr "\\0" x'] });
    expect(small.json).toMatchObject({ truncated: false, limits_hit: [] });
    expect(small.json.stdout.length).toBe(1000);
  });

  it('execute_code runs a snippet on stdin in a safe language tool', async () => {
    const js = await call('execute_code', { language: NODE, code: 'console.log(6*7)' });
    expect(js.isError, js.text).toBe(false);
    expect(js.json).toMatchObject({ exit_code: 0, stdout: '42\n' });
    const sh = await call('execute_code', { language: SH, code: 'echo $((6*7)); exit 5' });
    expect(sh.json).toMatchObject({ exit_code: 5, stdout: '42\n' });
    // the snippet has no network: only loopback exists
    const net = await call('execute_code', { language: SH, code: "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '" });
    expect(net.json.stdout).toBe('lo\n');
  });

  it('execute_code refuses a tool with a mount (the same code runs in the safe one)', async () => {
    const refused = await call('execute_code', { language: MOUNTED, code: 'console.log(6*7)' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(`"${MOUNTED}" is not a safe tool for execute_code: it has mounts (/workspace)`);
    // refused before anything ran: no container of it was ever started by execute_code
    const control = await call('execute_code', { language: NODE, code: 'console.log(6*7)' });
    expect(control.isError).toBe(false);
    expect(control.json.stdout).toBe('42\n');
  });

  it('execute_code refuses a tool that carries secrets; run_tool runs it (its value arrives)', async () => {
    const refused = await call('execute_code', { language: SECRET, code: 'echo "$API_TOKEN"' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(`"${SECRET}" is not a safe tool for execute_code: it carries secrets (API_TOKEN)`);
    expect(refused.text).not.toContain(SECRET_VALUE);
    // positive control: the tool works, and its secret reaches it, when the user's own call asks
    const ran = await call('run_tool', { tool: SECRET, args: ['-c', 'echo "$API_TOKEN"'] });
    expect(ran.isError, ran.text).toBe(false);
    expect(ran.json).toMatchObject({ exit_code: 0, stdout: `${SECRET_VALUE}\n` });
    const listed = await call('list_tools');
    expect(listed.json.tools.find((t: { name: string }) => t.name === SECRET).safe).toBe(false);
  });

  it('writes an audit line with via "mcp" for each run', () => {
    const file = path.join(sb.root, 'state', 'shim', 'audit.jsonl');
    const records = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const cow = records.find((r) => r.tool === COW);
    expect(cow).toMatchObject({ via: 'mcp', spec: 'npm:cowsay', exitCode: 0, network: 'none', cwd: fs.realpathSync(sb.project) });
    const timedOut = records.find((r) => r.tool === SH && r.limitsHit.includes('timeout'));
    expect(timedOut).toMatchObject({ via: 'mcp', signal: 'SIGTERM' });
    expect(records.some((r) => r.tool === SH && r.limitsHit.includes('output'))).toBe(true);
    // every line but those of the session the CLI started (the outside-the-root test)
    expect(records.filter((r) => r.session?.name !== `mcp-out-${tag}`).every((r) => r.via === 'mcp')).toBe(true);
    // a refused execute_code ran nothing, so it is not in the log
    expect(records.some((r) => r.tool === MOUNTED && r.cwd === fs.realpathSync(sb.project))).toBe(false);
  });

  it('kept the protocol channel clean (no stray output on stdout)', () => {
    expect(clientErrors).toEqual([]);
  });

  it('exits 0 when its stdin closes, and 2 for a --root that does not exist', async () => {
    const closed = await execa(process.execPath, [SHIM, 'mcp', '--root', sb.project], { env: sb.env, extendEnv: false, cwd: sb.project, input: '', reject: false, timeout: 20_000 });
    expect(closed.exitCode).toBe(0);
    expect(closed.stdout).toBe('');
    const missing = await execa(process.execPath, [SHIM, 'mcp', '--root', path.join(sb.root, 'missing')], { env: sb.env, extendEnv: false, cwd: sb.project, input: '', reject: false, timeout: 20_000 });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });

  it('keeps the SDK out of the entry file (it is a chunk loaded only by shim mcp)', () => {
    const entry = fs.readFileSync(path.join(REPO, 'dist', 'shim.mjs'), 'utf8');
    expect(entry).not.toMatch(/McpServer|modelcontextprotocol|jsonrpc/);
    const dir = path.join(REPO, 'dist', 'chunks');
    const chunks = new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')] as const));
    // the SDK lives in exactly one chunk, which only the CLI chunk imports dynamically (for `shim mcp`)
    const withSdk = [...chunks].filter(([, c]) => c.includes('McpServer')).map(([f]) => f);
    expect(withSdk).toHaveLength(1);
    expect(withSdk[0]).toMatch(/^server-[A-Z0-9]+\.mjs$/);
    const importers = [...chunks].filter(([, c]) => c.includes(`import("./${withSdk[0]}")`)).map(([f]) => f);
    expect(importers).toEqual([expect.stringMatching(/^cli-[A-Z0-9]+\.mjs$/)]);
    expect(entry).toMatch(/import\("\.\/chunks\/cli-[A-Z0-9]+\.mjs"\)/);
  });

  it('starts a worktree session (worktree: true) and shows its work with session_diff; the project is untouched', async () => {
    const name = `mcp-wt-${tag}`;
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=u', '-c', 'user.email=u@u', ...args], { cwd: sb.project });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'first');
    const start = await call('session_start', { tool: SHW, name, worktree: true, args: ['-c', 'echo from-agent > agent.txt; exec sleep 600'] });
    expect(start.isError, start.text).toBe(false);
    expect(start.json).toMatchObject({ name, branch: `shim/${name}` });
    let diff: CallOutcome | undefined;
    for (let i = 0; i < 200; i++) {
      diff = await call('session_diff', { name });
      if (diff.json.files?.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(diff!.json).toMatchObject({ name, branch: `shim/${name}`, files: [{ path: 'agent.txt', status: 'added', additions: 1, deletions: 0 }] });
    expect(diff!.json.patch).toContain('+from-agent');
    expect(fs.existsSync(path.join(sb.project, 'agent.txt'))).toBe(false);
    expect((await call('session_stop', { name })).isError).toBe(false);
    expect((await sb.run(['shim', 'discard', name])).exitCode).toBe(0);
    fs.rmSync(path.join(sb.project, '.git'), { recursive: true, force: true });
  });
});
