/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The control room in a real browser: Debian's chromium, headless, driven by puppeteer-core, against
// `shim serve` and real sessions on rootful podman. Screenshots are kept in test-artifacts/serve/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { REPO, createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from './harness.js';
import { startServe, type Served } from './serve-harness.js';
import { PROBE_SCRIPT, probeResult } from '../security/egress-probe.js';

const tag = Math.random().toString(36).slice(2, 8);
const NODE = `servenode-${tag}`;
const SH = `servesh-${tag}`;
const REPL = `repl-${tag}`;
const BELL = `bell-${tag}`;
const WT = `wt-${tag}`;
const WEB = `web-${tag}`;
const PROBE = `serveprobe-${tag}`;
const REGISTRY = 'registry.npmjs.org';
const SNAPTOOL = `servesnap-${tag}`;
const SNAP = `snap-${tag}`;
const ARTIFACTS = path.join(REPO, 'test-artifacts', 'serve');
const CHROMIUM = process.env.SHIM_CHROMIUM ?? '/usr/bin/chromium';

interface PsSession {
  name: string;
  state: string;
  attention: { kind: string; text?: string } | null;
}

describe('the control room in chromium', () => {
  let sb: Sandbox;
  let served: Served;
  let browser: Browser;
  let page: Page;
  let profile: string;
  const errors: string[] = [];
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
  const ps = async (): Promise<PsSession[]> => {
    const r = await sb.run(['shim', 'ps', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { sessions: PsSession[] }).sessions;
  };
  const probe = async () => {
    const r = await sb.run(['shim', 'run', PROBE, '-c', `node /workspace/probe.cjs connect ${REGISTRY}:443 tls`]);
    return { ...probeResult(r.stdout, r.stderr), stderr: String(r.stderr) };
  };
  const card = (name: string) => `[data-session="${name}"]`;
  const rowsText = () => page.$$eval('.xterm-rows > div', (rows) => rows.map((r) => (r.textContent ?? '').trimEnd()));

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    sb = await createSandbox('podman', {
      // a port the system chooses on the host: the page links to where the session serves
      [NODE]: { tool: 'npm:cowsay', command: 'node', ports: [':3000'] },
      [SH]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }] },
      [SNAPTOOL]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }], snapshot: true },
      // an allow-list tool that is refused the registry (egress-teach.test.ts's probe)
      [PROBE]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: './', dst: '/workspace', opts: 'ro' }], allowed_hosts: ['example.org'] },
    });
    fs.writeFileSync(path.join(sb.project, 'probe.cjs'), PROBE_SCRIPT);
    // a git project for the worktree session
    const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: sb.project });
    fs.writeFileSync(path.join(sb.project, 'README.txt'), 'hello\n');
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-q', '-m', 'start');
    const install = await sb.run(['shim', 'install', NODE, SH, PROBE, SNAPTOOL]);
    expect(install.exitCode, install.stderr).toBe(0);
    for (const argv of [
      ['shim', 'run', '-d', '--name', REPL, NODE],
      // a tool that wants its user: it rings the terminal bell, then waits
      ['shim', 'run', '-d', '--name', BELL, SH, '-c', "printf 'waiting for you\\a\\n'; exec sleep 3600"],
      // a worktree session that changes a file and adds one in its copy
      ['shim', 'run', '-d', '--worktree', '--name', WT, SH, '-c', "echo changed-line >> README.txt; echo new-file > added.txt; echo written; exec sleep 3600"],
    ]) {
      const r = await sb.run(argv);
      expect(r.exitCode, r.stderr).toBe(0);
    }
    for (let i = 0; i < 600 && !(await sb.run(['shim', 'logs', WT])).stdout.includes('written'); i++) await new Promise((r) => setTimeout(r, 100));
    const denied = await probe();
    expect(denied.status, denied.stderr).toBe(403);
    served = await startServe(sb);
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: profile,
      // as root in a container: no sandbox of chromium's own; nothing fetched from the network
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('dialog', (d) => void d.accept());
    await page.setViewport({ width: 1280, height: 900 });
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await served?.stop();
    for (const n of [REPL, BELL, WEB, SNAP]) await sb?.run(['shim', 'stop', n]);
    await sb?.run(['shim', 'discard', WT]);
    await removeToolVolumes(sb, [NODE, SH, PROBE, SNAPTOOL]);
    removeSandbox(sb);
  });

  it('opens with the link, drops the token from the address, and lists the two running sessions', async () => {
    await page.goto(served.url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelectorAll('[data-session][data-state="running"]').length >= 2, { timeout: 30_000 });
    expect(page.url()).toBe(`${served.base}/`);
    const names = await page.$$eval('[data-session]', (els) => els.map((e) => e.getAttribute('data-session')));
    expect(names).toEqual(expect.arrayContaining([REPL, BELL]));
    // the REPL's card links to its port where shim ps --json says it is; the bell's (no ports) has none
    const listed = JSON.parse((await sb.run(['shim', 'ps', '--json'])).stdout) as { sessions: { name: string; ports: { container: number; url: string }[] }[] };
    const url = listed.sessions.find((s) => s.name === REPL)!.ports[0]!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const links = await page.$$eval('[data-session] .ports a', (els) => els.map((e) => ({ session: e.closest('[data-session]')!.getAttribute('data-session'), href: e.getAttribute('href'), text: e.textContent })));
    expect(links).toEqual([{ session: REPL, href: url, text: `port 3000 on ${url.slice(7)}` }]);
    await shot('1-sessions');
    expect(errors).toEqual([]);
  });

  it('marks the session whose tool rang the bell as wanting attention, first in the page and in shim ps --json', async () => {
    await page.waitForSelector(`${card(BELL)}[data-attention="yes"]`, { timeout: 30_000 });
    expect(await page.$eval(card(BELL), (e) => e.textContent)).toContain('needs you');
    // control: the REPL rang nothing
    expect(await page.$eval(card(REPL), (e) => e.getAttribute('data-attention'))).toBe('no');
    expect(await page.$eval('[data-session]', (e) => e.getAttribute('data-session'))).toBe(BELL);
    const sessions = await ps();
    expect(sessions.find((s) => s.name === BELL)?.attention).toMatchObject({ kind: 'bell' });
    expect(sessions.find((s) => s.name === REPL)?.attention).toBeNull();
    await shot('2-attention');
  });

  it('types 6*7 Enter into the node REPL session and shows 42, as text in the page', async () => {
    await page.click(`${card(REPL)} .actions button`);
    await page.waitForSelector('.xterm-rows');
    await page.waitForFunction(() => [...document.querySelectorAll('.xterm-rows > div')].some((r) => /^> ?$/.test((r.textContent ?? '').trimEnd())), { timeout: 30_000 });
    await page.click('.term');
    await page.keyboard.type('6*7');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('.xterm-rows > div')].some((r) => (r.textContent ?? '').trim() === '42'), { timeout: 30_000 });
    const rows = await rowsText();
    expect(rows.some((r) => r.includes('6*7'))).toBe(true);
    await shot('3-repl-42');
  });

  it('clears the attention once a terminal attaches to the session', async () => {
    await page.click(`${card(BELL)} .actions button`);
    await page.waitForFunction(() => [...document.querySelectorAll('.xterm-rows > div')].some((r) => (r.textContent ?? '').includes('waiting for you')), { timeout: 30_000 });
    await page.waitForSelector(`${card(BELL)}[data-attention="no"]`, { timeout: 30_000 });
    expect((await ps()).find((s) => s.name === BELL)?.attention).toBeNull();
  });

  it('has no horizontal scroll on a 375 px phone screen, with a terminal open', async () => {
    await page.setViewport({ width: 375, height: 740, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(card(REPL));
    await page.click(`${card(REPL)} .actions button`);
    await page.waitForSelector('.xterm-rows');
    await page.waitForFunction(() => [...document.querySelectorAll('.xterm-rows > div')].some((r) => (r.textContent ?? '').trim() === '42'), { timeout: 30_000 });
    const widths = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
    const w = await widths();
    expect(w.view).toBe(375);
    expect(w.scroll).toBeLessThanOrEqual(w.view);
    expect(w.body).toBeLessThanOrEqual(w.view);
    await shot('4-phone');
    // control: something wider than the screen does show as a wider document
    await page.evaluate(() => {
      const wide = document.createElement('div');
      wide.id = 'too-wide';
      wide.style.width = '600px';
      wide.style.height = '1px';
      document.querySelector('main')!.append(wide);
    });
    expect((await widths()).scroll).toBeGreaterThan(375);
    await page.evaluate(() => document.getElementById('too-wide')!.remove());
  });

  it('stops a session from the page after confirmation, recorded in the audit log as via web', async () => {
    await page.setViewport({ width: 1280, height: 900 });
    const stop = await page.waitForSelector(`${card(REPL)} button.danger`, { timeout: 30_000 }).catch(async (e) => {
      throw new Error(`${(e as Error).message}; the list: ${await page.$eval('#sessions', (el) => el.outerHTML)}`);
    });
    await stop!.click();
    await page.waitForSelector(`${card(REPL)}[data-state="exited"]`, { timeout: 30_000 });
    const log = await sb.run(['shim', 'log', '--json']);
    const records = JSON.parse(log.stdout) as { via: string; action?: { name: string; target: string; ok: boolean } }[];
    expect(records).toContainEqual(expect.objectContaining({ via: 'web', action: { name: 'stop', target: REPL, ok: true } }));
    await page.waitForFunction((n) => document.getElementById('audit')!.textContent!.includes(`stop ${n}`), { timeout: 30_000 }, REPL);
    await shot('5-stopped');
    expect(errors).toEqual([]);
  });

  it("shows a worktree session's changed files and coloured changes; Apply as branch brings exactly them into the repository, refused once the copy changed after the page showed it", async () => {
    await page.click(`${card(WT)} .actions button`);
    await page.click('.tabs button[data-tab="changes"]');
    await page.waitForSelector('[data-file="added.txt"]', { timeout: 30_000 });
    expect(await page.$('[data-file="README.txt"]')).not.toBeNull();
    const added = await page.$$eval('.diff .add', (els) => els.map((e) => e.textContent ?? ''));
    expect(added.some((l) => l.includes('+changed-line'))).toBe(true);
    expect(await page.$eval(card(WT), (e) => e.textContent)).toContain(`shim/${WT}`);
    await shot('6-worktree-changes');
    const branch = () => execa('git', ['branch', '--list', `shim/${WT}`], { cwd: sb.project }).then((r) => r.stdout.trim());
    expect(await branch()).toBe('');
    const applyAsBranch = async () => {
      const apply = await page.$$('#pane .actions button');
      const labels = await Promise.all(apply.map((b) => b.evaluate((e) => e.textContent)));
      await apply[labels.indexOf('Apply as branch')]!.click();
    };
    // the agent swaps a file after the page showed the changes: the page's apply names the tree it showed,
    // so it is refused and nothing reaches the repository
    expect((await sb.run(['shim', 'shell', WT, '--', 'sh', '-c', 'echo swapped-after-review > added.txt'])).exitCode).toBe(0);
    await applyAsBranch();
    await page.waitForFunction(() => /changed since its diff was shown/.test(document.getElementById('status')!.textContent!), { timeout: 30_000 });
    expect(await branch()).toBe('');
    // control: shown again, the page applies what it shows now
    await page.click('.tabs button[data-tab="changes"]');
    await page.waitForFunction(() => [...document.querySelectorAll('.diff .add')].some((e) => e.textContent!.includes('+swapped-after-review')), { timeout: 30_000 });
    await applyAsBranch();
    for (let i = 0; i < 300 && !(await branch()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await branch()).toContain(`shim/${WT}`);
    expect((await execa('git', ['show', `shim/${WT}:added.txt`], { cwd: sb.project })).stdout).toBe('swapped-after-review');
    const log = JSON.parse((await sb.run(['shim', 'log', '--json'])).stdout) as { via: string; action?: { name: string; target: string; ok: boolean } }[];
    expect(log).toContainEqual(expect.objectContaining({ via: 'web', action: expect.objectContaining({ name: 'apply-branch', target: WT, ok: false }) }));
    expect(log).toContainEqual(expect.objectContaining({ via: 'web', action: { name: 'apply-branch', target: WT, ok: true } }));
  });

  it('starts a session from the page (audited via web)', async () => {
    await page.click('#start summary');
    await page.select('#start-form select[name="tool"]', SH);
    await page.type('#start-form input[name="project"]', sb.project);
    await page.type('#start-form input[name="name"]', WEB);
    await page.click('#start-form button[type="submit"]');
    await page.waitForSelector(`${card(WEB)}[data-state="running"]`, { timeout: 60_000 });
    const log = JSON.parse((await sb.run(['shim', 'log', '--json'])).stdout) as { via: string; session?: { name: string; event: string }; action?: { name: string; target: string; ok: boolean } }[];
    expect(log).toContainEqual(expect.objectContaining({ via: 'web', action: { name: 'start', target: WEB, ok: true } }));
    expect(log).toContainEqual(expect.objectContaining({ via: 'web', session: { name: WEB, event: 'start' } }));
  });

  it('lists a refused host and allows it with one button; the probe then gets through (control)', async () => {
    await page.reload({ waitUntil: 'load' });
    const button = await page.waitForSelector(`xpath/.//button[text()="Allow ${REGISTRY}"]`, { timeout: 30_000 });
    expect(await page.$eval('#refusals', (e) => e.textContent)).toContain(`${REGISTRY}:443`);
    await shot('7-refusals');
    await button!.click();
    await page.waitForFunction(() => document.getElementById('refusals')!.textContent!.includes('allowed now'), { timeout: 30_000 });
    expect(fs.readFileSync(path.join(sb.root, 'config', 'shim', 'config.d', `50-allow-${PROBE}.json`), 'utf8')).toContain(REGISTRY);
    const log = JSON.parse((await sb.run(['shim', 'log', '--json'])).stdout) as { via: string; action?: { name: string; target: string; ok: boolean } }[];
    expect(log).toContainEqual(expect.objectContaining({ via: 'web', action: { name: 'allow', target: `${PROBE} ${REGISTRY}`, ok: true } }));
    const ok = await probe();
    expect(ok.status, ok.stderr).toBe(200);
  });

  it('shows what changed since the snapshot taken before a session, and restores it', async () => {
    const start = await sb.run(['shim', 'run', '-d', '--name', SNAP, SNAPTOOL, '-c', 'echo made > made-by-session.txt; echo written; exec sleep 3600']);
    expect(start.exitCode, start.stderr).toBe(0);
    for (let i = 0; i < 600 && !(await sb.run(['shim', 'logs', SNAP])).stdout.includes('written'); i++) await new Promise((r) => setTimeout(r, 100));
    const made = path.join(sb.project, 'made-by-session.txt');
    expect(fs.existsSync(made)).toBe(true);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector(card(SNAP), { timeout: 30_000 });
    await page.click(`${card(SNAP)} .actions button`);
    await page.click('.tabs button[data-tab="snapshots"]');
    await page.waitForFunction(() => document.getElementById('pane')!.textContent!.includes('added    made-by-session.txt'), { timeout: 30_000 });
    await shot('8-snapshots');
    const restore = await page.$$('#pane .actions button');
    await restore[0]!.click();
    await page.waitForFunction(() => document.getElementById('pane')!.textContent!.includes('unchanged since'), { timeout: 30_000 });
    expect(fs.existsSync(made)).toBe(false);
    // the audit log, filtered by tool in the page
    await page.select('#audit-tool', SNAPTOOL);
    await page.waitForFunction((t) => [...document.querySelectorAll('#audit li strong')].length > 0 && [...document.querySelectorAll('#audit li strong')].every((e) => e.textContent === t), { timeout: 30_000 }, SNAPTOOL);
    const log = JSON.parse((await sb.run(['shim', 'log', '--json'])).stdout) as { via: string; action?: { name: string; ok: boolean } }[];
    expect(log).toContainEqual(expect.objectContaining({ via: 'web', action: expect.objectContaining({ name: 'restore', ok: true }) }));
  });
});
