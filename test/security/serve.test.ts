// `shim serve` under attack, the built binary with a real session on rootful podman: no token, a
// foreign Host (DNS rebinding), a cross-site WebSocket or POST riding on the cookie, CORS, the token on
// a command line, a port reachable from the network. Every refusal has its control.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';
import { allCommandLines, startServe, type Served } from '../e2e/serve-harness.js';
import { openTerminal } from '../e2e/terminal.js';

const tag = Math.random().toString(36).slice(2, 8);
const TOOL = `servesh-${tag}`;
const NAME = `served-${tag}`;

/** An address of this machine that is not loopback (the network a phone would come from). */
function outsideAddress(): string {
  const a = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4');
  if (!a) throw new Error('this machine has no non-loopback IPv4 address to probe from');
  return a.address;
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Opens a WebSocket; resolves to the first terminal text it got, or to how the upgrade was refused. */
function openWs(url: string, headers: Record<string, string>): Promise<{ opened: boolean; status?: number; text: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    let text = '';
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode, text: '' }));
    ws.on('error', () => resolve({ opened: false, text: '' }));
    ws.on('message', (data, binary) => {
      if (binary) text += data.toString();
      if (/served> /.test(text)) resolve({ opened: true, text, ws });
    });
  });
}

describe('shim serve under attack', () => {
  let sb: Sandbox;
  let served: Served;
  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${served.base}${p}`, { headers, redirect: 'manual' });
  const bearer = () => ({ Authorization: `Bearer ${served.token}` });

  beforeAll(async () => {
    sb = await createSandbox('podman', { [TOOL]: { tool: 'npm:cowsay', command: 'sh', env: { PS1: 'served> ' } } });
    const start = await sb.run(['shim', 'run', '-d', '--name', NAME, TOOL]);
    expect(start.exitCode, start.stderr).toBe(0);
    served = await startServe(sb);
  });
  afterAll(async () => {
    await served?.stop();
    await sb?.run(['shim', 'stop', NAME]);
    await removeToolVolumes(sb, [TOOL]);
    removeSandbox(sb);
  });

  it('answers 401 on every route but the login page without the token; the Bearer token opens them (control)', async () => {
    for (const p of ['/', '/app.js', '/vendor/xterm.mjs', '/api/sessions', '/api/audit', '/api/tools', `/api/sessions/${NAME}/snapshots`]) {
      expect((await get(p)).status, p).toBe(401);
      expect((await get(p, { Cookie: 'shim_token=wrong' })).status, p).toBe(401);
      expect((await get(p, bearer())).status, p).toBe(200);
    }
    const post = await fetch(`${served.base}/api/sessions/${NAME}/stop`, { method: 'POST', headers: { Origin: served.base, 'Content-Type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(401);
    expect((await get('/login')).status).toBe(200);
    const sessions = (await (await get('/api/sessions', bearer())).json()) as { sessions: { name: string; state: string }[] };
    expect(sessions.sessions).toContainEqual(expect.objectContaining({ name: NAME, state: 'running' }));
  });

  it('?token= sets an HttpOnly SameSite=Strict cookie and moves on to / without it; a wrong token sets nothing', async () => {
    const login = await get(`/?token=${served.token}`);
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^shim_token=${served.token};`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(await login.text()).toContain('content="0;url=/"');
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
    const wrong = await get(`/?token=${'x'.repeat(43)}`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await get('/api/sessions', { Cookie: `shim_token=${served.token}` })).status).toBe(200);
  });

  it('refuses a Host other than the served address, even with the token (DNS rebinding)', async () => {
    const port = new URL(served.base).port;
    for (const host of [`evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `${outsideAddress()}:${port}`]) {
      const r = await new Promise<number>((resolve) => {
        const s = net.connect(Number(port), '127.0.0.1', () => s.write(`GET /api/sessions HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${served.token}\r\nConnection: close\r\n\r\n`));
        let text = '';
        s.on('data', (d) => (text += d.toString()));
        s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
      });
      expect(r, host).toBe(403);
    }
    // control: localhost names it
    expect((await fetch(`http://localhost:${port}/api/sessions`, { headers: bearer() })).status).toBe(200);
  });

  it('refuses a WebSocket from another origin even with the cookie; the page own origin attaches (control)', async () => {
    const url = `ws://${served.host}/ws/session/${NAME}?cols=80&rows=24`;
    const cookie = `shim_token=${served.token}`;
    for (const origin of ['http://evil.example', `http://localhost:1`, 'null']) {
      const r = await openWs(url, { Origin: origin, Cookie: cookie });
      expect(r.opened, origin).toBe(false);
      expect(r.status, origin).toBe(403);
    }
    const ok = await openWs(url, { Origin: served.base, Cookie: cookie });
    expect(ok.opened).toBe(true);
    expect(ok.text).toMatch(/served> /);
    ok.ws!.close();
    // a cross-site POST riding on the cookie changes nothing either
    const post = await fetch(`${served.base}/api/sessions/${NAME}/pause`, { method: 'POST', headers: { Origin: 'http://evil.example', Cookie: cookie, 'Content-Type': 'application/json' }, body: '{}' });
    expect(post.status).toBe(403);
  });

  it('sends no CORS headers, to a preflight neither', async () => {
    const r = await get('/api/sessions', { ...bearer(), Origin: 'http://evil.example' });
    expect(r.status).toBe(200); // control: the request itself was answered
    const pre = await fetch(`${served.base}/api/sessions`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(pre.status).toBeGreaterThanOrEqual(400);
    for (const res of [r, pre]) res.headers.forEach((_v, k) => expect(k).not.toMatch(/^access-control-/));
  });

  it('puts the token on no command line, also while a shell is open from the page', async () => {
    const shell = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${served.host}/ws/shell/${NAME}?cols=80&rows=24`, { headers: { ...bearer(), Origin: served.base } });
      let text = '';
      ws.on('message', (d) => {
        text += d.toString();
        if (/served> |# |\$ /.test(text)) resolve(ws);
      });
      ws.on('error', reject);
    });
    const lines = allCommandLines();
    // controls: the scan sees shim serve and the shell's runtime exec, and the token is the kept one
    expect(lines.some((l) => l.pid === String(served.pid) || /shim(\.js)? serve/.test(l.argv))).toBe(true);
    expect(lines.some((l) => /podman exec/.test(l.argv))).toBe(true);
    expect(fs.readFileSync(path.join(sb.env.XDG_STATE_HOME!, 'shim', 'serve-token'), 'utf8').trim()).toBe(served.token);
    for (const l of lines) expect(l.argv, `pid ${l.pid}`).not.toContain(served.token);
    shell.close();
  });

  it('listens on loopback only by default; --host 0.0.0.0 reaches the network, with a warning (control)', async () => {
    const port = Number(new URL(served.base).port);
    expect(new URL(served.base).hostname).toBe('127.0.0.1');
    expect(await connects('127.0.0.1', port)).toBe(true);
    expect(await connects(outsideAddress(), port)).toBe(false);
    const wide = await startServe(sb, ['--host', '0.0.0.0']);
    try {
      const widePort = Number(new URL(wide.base).port);
      expect(await connects(outsideAddress(), widePort)).toBe(true);
      expect(wide.stderr()).toMatch(/warning: serving on 0\.0\.0\.0/);
      // the phone's view: the machine's address as Host works with the token
      expect((await fetch(`http://${outsideAddress()}:${widePort}/api/sessions`, { headers: { Authorization: `Bearer ${wide.token}` } })).status).toBe(200);
    } finally {
      await wide.stop();
    }
  });

  it('on a terminal, prints a QR code of the link when served to the network, and none on loopback (control)', async () => {
    const qr = /[▀▄█]{10,}/;
    const wide = await openTerminal(sb, ['shim', 'serve', '--port', '0', '--host', '0.0.0.0'], { rows: 60 });
    const local = await openTerminal(sb, ['shim', 'serve', '--port', '0'], { rows: 60 });
    try {
      const screen = await wide.waitFor(/serving the control room/);
      expect(screen).toMatch(qr);
      expect(screen).toMatch(/\?token=[A-Za-z0-9_-]{43}/);
      const plain = await local.waitFor(/serving the control room/);
      expect(plain).toMatch(/\?token=[A-Za-z0-9_-]{43}/);
      expect(plain).not.toMatch(qr);
    } finally {
      await wide.kill();
      await local.kill();
    }
  });

  it('keeps the token 0600 across restarts; --new-token replaces it', async () => {
    const file = path.join(sb.env.XDG_STATE_HOME!, 'shim', 'serve-token');
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(served.token.length).toBeGreaterThanOrEqual(43); // 256 bits in base64url
    const again = await startServe(sb);
    await again.stop();
    expect(again.token).toBe(served.token);
    const renewed = await startServe(sb, ['--new-token']);
    await renewed.stop();
    expect(renewed.token).not.toBe(served.token);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(renewed.token);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });
});
