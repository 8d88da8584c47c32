// Real npm tools through their links, as a user, an editor or a git hook runs them (rootful podman):
// the project seen at its own path from any subdirectory, companion packages, install scripts only
// where asked, ports as written, and clear messages for a wrong command or a skipped postinstall.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from './harness.js';
import { openTerminal } from './terminal.js';
import { waitFor } from './wait-for.js';

const tag = Math.random().toString(36).slice(2, 8);
const t = (name: string) => `${name}-${tag}`;
const SAMPLE = parseJsonc(fs.readFileSync(path.join(REPO, 'config.sample.json'), 'utf8')) as Record<string, Record<string, unknown>>;
/** A sample entry under a name of this run (volumes are named after tools), running the same command. */
const fromSample = (name: string) => ({ ...SAMPLE[name], command: name });

// what `npm init @eslint/config` writes for JavaScript modules on node
const ESLINT_CONFIG = `import js from "@eslint/js";
import globals from "globals";
import { defineConfig } from "eslint/config";

export default defineConfig([
  { files: ["**/*.{js,mjs,cjs}"], plugins: { js }, extends: ["js/recommended"], languageOptions: { globals: globals.node } },
]);
`;

const TOOLS = {
  [t('eslint')]: { ...SAMPLE.eslint, command: 'eslint' },
  [t('prettier')]: { tool: 'npm:prettier@3', command: 'prettier', packages: ['prettier-plugin-organize-imports', 'typescript@5'], mounts: [{ src: '.' }] },
  [t('tsc')]: { ...SAMPLE.tsc, command: 'tsc' },
  [t('tsls')]: { ...SAMPLE['typescript-language-server'], command: 'typescript-language-server' },
  [t('claude')]: fromSample('claude'),
  [t('opencode')]: fromSample('opencode'),
  // the same package as the sample's claude, without its install script
  [t('claude-noscripts')]: { tool: 'npm:@anthropic-ai/claude-code', command: 'claude' },
  [t('http')]: { tool: 'npm:http-server', command: 'http-server', network: 'bridge', ports: [':8080'], mounts: [{ src: '.', opts: 'ro' }] },
  [t('typo')]: { tool: 'npm:cowsay', command: 'cowsy' },
  // a postinstall that downloads from outside the npm registry (puppeteer fetches a browser)
  [t('pptr')]: { tool: 'npm:puppeteer', command: 'node', install_scripts: ['puppeteer'] },
  // a Node tool that may reach the npm registry only (what npm-check-updates and agents look like)
  [t('fetch')]: { tool: 'npm:cowsay', command: 'node', allowed_hosts: ['registry.npmjs.org'] },
};

/** Runs `argv` in a fresh tmux terminal and returns the screen once `done` shows, then the session is gone. */
async function inTerminal(argv: readonly string[], env: Record<string, string>, cwd: string, done: RegExp): Promise<string> {
  const session = `shim-${tag}-${Math.random().toString(36).slice(2, 6)}`;
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const envs = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
  const cmd = `cd ${quote(cwd)} && env -i ${envs.join(' ')} ${argv.map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
  await execa('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', cmd]);
  try {
    for (let i = 0; i < 600; i++) {
      const screen = (await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-', '-t', session])).stdout;
      if (done.test(screen)) return screen;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${done} in the terminal`);
  } finally {
    await execa('tmux', ['kill-session', '-t', session], { reject: false });
  }
}

/** Sends LSP messages to a running language server and collects what it answers. */
function lspClient(child: ReturnType<typeof spawn>) {
  const messages: Record<string, unknown>[] = [];
  let buf = Buffer.alloc(0);
  child.stdout!.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, head).toString())![1]);
      if (buf.length < head + 4 + len) return;
      messages.push(JSON.parse(buf.subarray(head + 4, head + 4 + len).toString()) as Record<string, unknown>);
      buf = buf.subarray(head + 4 + len);
    }
  });
  return {
    send(msg: Record<string, unknown>) {
      const body = JSON.stringify({ jsonrpc: '2.0', ...msg });
      child.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    },
    async waitFor(pred: (m: Record<string, unknown>) => boolean, ms = 120_000): Promise<Record<string, unknown>> {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const hit = messages.find(pred);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no such LSP message; got ${JSON.stringify(messages).slice(0, 2000)}`);
    },
  };
}

describe('real tools through their links (podman)', () => {
  let sb: Sandbox;
  let src: string;

  beforeAll(async () => {
    sb = await createSandbox('podman', TOOLS);
    // a project as editors and hooks see it: a git repository, configs at the top, code below
    src = path.join(sb.project, 'src');
    fs.mkdirSync(path.join(sb.project, '.git'));
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(sb.project, 'package.json'), '{ "type": "module" }\n');
    fs.writeFileSync(path.join(sb.project, 'eslint.config.js'), ESLINT_CONFIG);
    fs.writeFileSync(path.join(src, 'a.js'), 'const unused = 1;\nconsole.log(process.argv);\n');
    fs.writeFileSync(path.join(sb.project, 'tsconfig.json'), '{ "compilerOptions": { "strict": true, "noEmit": true, "module": "nodenext" }, "include": ["src"] }\n');
    fs.writeFileSync(path.join(src, 'b.ts'), 'export const a = 1;\nexport const z = 2;\n');
    fs.writeFileSync(path.join(src, 't.ts'), 'import { a } from "./b.js";\nconst x: number = "s";\nexport const y = a + x;\n');
    fs.writeFileSync(path.join(src, 'p.ts'), 'import { z, a } from "./b.js";\nexport const q = a;\n');
  });
  afterAll(async () => {
    await removeToolVolumes(sb, Object.keys(TOOLS));
    removeSandbox(sb);
  });

  it('eslint 9 with the config npm init @eslint/config writes, from a subdirectory, reporting host paths', async () => {
    const r = await sb.run([t('eslint'), 'a.js'], { cwd: src });
    expect(r.stderr).not.toMatch(/Cannot find package/);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(path.join(src, 'a.js'));
    expect(r.stdout).toMatch(/'unused' is assigned a value but never used\s+no-unused-vars/);
  });

  it('eslint given an absolute path, as an editor or lint-staged passes it, from the project root', async () => {
    const r = await sb.run([t('eslint'), path.join(src, 'a.js')], { cwd: sb.project });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`${path.join(src, 'a.js')}\n  1:7  error`);
    // the companions are locked and listed with the versions they resolved to
    const list = JSON.parse((await sb.run(['shim', 'list', '--json'])).stdout) as { tools: { name: string; packages: string[] }[] };
    expect(list.tools.find((x) => x.name === t('eslint'))!.packages).toEqual([expect.stringMatching(/^@eslint\/js@9\.\d+\.\d+$/), expect.stringMatching(/^globals@\d+\.\d+\.\d+$/)]);
  });

  it('prettier with a plugin installed beside it', async () => {
    const r = await sb.run([t('prettier'), '--plugin=prettier-plugin-organize-imports', 'p.ts'], { cwd: src });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toMatch(/error|warn/i);
    expect(r.stdout).toBe('import { a } from "./b.js";\nexport const q = a;\n');
  });

  it('tsc from a subdirectory, with the project config one level up', async () => {
    const r = await sb.run([t('tsc'), '-p', '..'], { cwd: src });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toContain("t.ts(2,7): error TS2322: Type 'string' is not assignable to type 'number'.");
  });

  it('typescript-language-server answers initialize for the host root URI and resolves across host files', async () => {
    const [cmd, ...args] = [path.join(sb.bin, t('tsls')), '--stdio'];
    const child = spawn(cmd!, args, { cwd: src, env: sb.env, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const lsp = lspClient(child);
      const root = `file://${sb.project}`;
      lsp.send({ id: 1, method: 'initialize', params: { processId: null, rootUri: root, capabilities: {}, workspaceFolders: [{ uri: root, name: 'p' }] } });
      const init = await lsp.waitFor((m) => m.id === 1);
      expect(init.error).toBeUndefined();
      expect((init.result as { capabilities: object }).capabilities).toHaveProperty('hoverProvider');
      lsp.send({ method: 'initialized', params: {} });
      const uri = `file://${path.join(src, 't.ts')}`;
      lsp.send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'typescript', version: 1, text: fs.readFileSync(path.join(src, 't.ts'), 'utf8') } } });
      // the module "./b.js" of the import: b.ts, found on the disk at its host path
      lsp.send({ id: 2, method: 'textDocument/definition', params: { textDocument: { uri }, position: { line: 0, character: 21 } } });
      const def = await lsp.waitFor((m) => m.id === 2);
      expect(def.result).toEqual([expect.objectContaining({ uri: `file://${path.join(src, 'b.ts')}` })]);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('claude and opencode from the sample config start through their links (their own postinstall ran)', async () => {
    // the sample brokers ANTHROPIC_API_KEY from the host's variable: a run reads it, so one must be set
    const claude = await sb.run([t('claude'), '--version'], { env: { ANTHROPIC_API_KEY: 'sk-test-not-a-key' } });
    expect(claude.stderr).not.toMatch(/native binary not installed/);
    expect(claude.exitCode).toBe(0);
    expect(claude.stdout).toMatch(/^\d+\.\d+\.\d+ \(Claude Code\)/);
    const opencode = await sb.run([t('opencode'), '--version']);
    expect(opencode.exitCode).toBe(0);
    expect(opencode.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('the sample claude starts as a session on a terminal: its TUI renders under tmux, and shim ps lists it', async () => {
    const name = `${t('claude')}-${path.basename(sb.project)}`;
    const term = await openTerminal(sb, [t('claude')], { env: { ANTHROPIC_API_KEY: 'sk-test-not-a-key' } });
    try {
      // the full-screen welcome: drawn through the session's terminal
      await term.waitFor(/Welcome to Claude Code/, 120_000);
      const ps = await sb.run(['shim', 'ps', '--json']);
      expect((JSON.parse(ps.stdout) as { sessions: { name: string; tool: string }[] }).sessions).toContainEqual(expect.objectContaining({ name, tool: t('claude') }));
      // here claude cannot reach api.anthropic.com and ends by itself; with a network it waits: detach
      await term.keys('C-]');
      const screen = await term.waitFor(/EXIT=\d+/);
      expect(screen).toMatch(new RegExp(`detached from ${name}|session ${name} ended`));
    } finally {
      await term.kill();
      await sb.run(['shim', 'stop', name]);
    }
    const gone = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.session=${name}`, '--format', '{{.Names}}']);
    expect(gone.stdout.trim()).toBe('');
  });

  it('a tool whose postinstall was skipped fails, and shim says which script and how to allow it (control for the above)', async () => {
    const r = await sb.run([t('claude-noscripts'), '--version']);
    expect(r.stderr).toMatch(/install scripts not run .*@anthropic-ai\/claude-code/);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('add "install_scripts": ["@anthropic-ai/claude-code"]');
  });

  it('a postinstall that downloads from a host outside the install allow-list is refused, naming the host and install_hosts', async () => {
    const r = await sb.run(['shim', 'install', t('pptr')]);
    expect(r.stderr).toContain(`the install of ${t('pptr')} may not reach storage.googleapis.com:443 (it reaches only registry.npmjs.org)`);
    expect(r.stderr).toContain(`add "install_hosts": ["storage.googleapis.com"] to ${t('pptr')}`);
    // control: the same kind of install without the script reaches nothing else
    const quiet = await sb.run(['shim', 'install', '--force', t('claude-noscripts')]);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr).not.toContain('may not reach');
  });

  it('http-server serves the project on the host port shim chose and names (127.0.0.1 only)', async () => {
    const install = await sb.run(['shim', 'install', t('http')]);
    expect(install.exitCode).toBe(0);
    const child = spawn(path.join(sb.bin, t('http')), ['-p', '8080', '.'], { cwd: sb.project, env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      // the host port is the system's choice (never one a test hopes is free), read from what shim says
      const [, port] = await waitFor(child.stderr!, /port 8080 is on http:\/\/127\.0\.0\.1:(\d+)/, () => out);
      await waitFor(child.stdout!, /Available on/, () => out);
      const body = await fetch(`http://127.0.0.1:${port}/package.json`).then((res) => res.text());
      expect(body).toBe('{ "type": "module" }\n');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('a command the package does not provide exits 127 and names the ones it does', async () => {
    const r = await sb.run([t('typo'), 'moo']);
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toContain('shim: "cowsy" is not a command of npm:cowsay or of the image; the package provides: cowsay, cowthink');
  });

  it('an allow-list run that worked prints nothing alarming (no experimental-agent notice, no socat lines)', async () => {
    const script = 'fetch("https://registry.npmjs.org/cowsay", { method: "HEAD" }).then((r) => console.log("status", r.status))';
    const r = await sb.run([t('fetch'), '-e', script]);
    expect(r.stdout).toBe('status 200\n');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toMatch(/EnvHttpProxyAgent|experimental|Broken pipe|socat/);
  });

  it('on a terminal, shim holds its warnings until the tool exits (never in the middle of its screen)', async () => {
    // the refusal happens at once; the tool writes its last line 2 s later
    const script = 'fetch("https://example.com").catch(() => {}); setTimeout(() => console.log("TOOL-DONE"), 2000)';
    const screen = await inTerminal([path.join(sb.bin, t('fetch')), '-e', script], sb.env, sb.project, /EXIT=\d+/);
    const done = screen.indexOf('TOOL-DONE');
    const warning = screen.indexOf('may not reach example.com');
    expect(done).toBeGreaterThanOrEqual(0);
    // control: the warning is there (on the terminal, and it would have come first without holding it)
    expect(warning).toBeGreaterThan(done);
    expect(screen).toMatch(/EXIT=0/);
  });
});
