// The HTTP and WebSocket server of `shim serve` (node:http with `ws`): every request passes the Host,
// Origin and token checks of access.ts first; then the login, the page's files, the JSON API, or a
// terminal's WebSocket. No CORS headers: the page is the only client a browser may use it from.
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { App } from '../app/with-config-files.js';
import { TOKEN_COOKIE, refusal, tokenMatches, type AccessPolicy } from './access.js';
import { HttpError, errorAnswer, matchRoute, type Route } from './router.js';
import { loginPage, staticFiles } from './static.js';
import { bridgeSession, bridgeShell, parseSize } from './terminals.js';
import { sessionRecord } from './api-sessions.js';
import { recordedAction } from './calls.js';

const MAX_BODY = 64 * 1024;

/** Sent with every answer: nothing from elsewhere, no framing, no referrer (the login URL holds the token). */
const SECURITY_HEADERS: Record<string, string> = {
  // xterm.js sets its colours in a <style> element of its own: inline styles are allowed, scripts are not
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export interface ServeHandle {
  server: http.Server;
  /** Set once the port is known (it may be 0 until listening). */
  setPolicy(policy: AccessPolicy): void;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, ...extra });
  res.end(body);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new HttpError(415, 'the body must be JSON (Content-Type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'the body is too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let v: unknown = {};
  try {
    if (text.trim()) v = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
  return v as Record<string, unknown>;
}

/** Creates the server (not yet listening). */
export function createServeServer(app: App, routes: readonly Route[]): ServeHandle {
  let policy: AccessPolicy | undefined;
  const files = staticFiles(app.host.packageRoot);
  const login = loginPage(app.host.packageRoot);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://server');
    const method = req.method ?? 'GET';
    const isLogin = url.pathname === '/login' || (url.pathname === '/' && url.searchParams.has('token'));
    const refused = policy ? refusal(policy, { ...headersOf(req), method, websocket: false, login: isLogin }) : { status: 403 as const, why: 'not ready' };
    if (refused) return send(res, refused.status, refused.status === 401 && method === 'GET' && !url.pathname.startsWith('/api/') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8', refused.status === 401 && !url.pathname.startsWith('/api/') ? login : `${refused.why}\n`);
    if (url.pathname === '/login') return send(res, 200, 'text/html; charset=utf-8', login);
    if (isLogin) {
      if (!tokenMatches(policy!, url.searchParams.get('token') ?? undefined)) return send(res, 401, 'text/html; charset=utf-8', login);
      // the cookie, then a page that moves on to / (dropping the token from the address bar): a
      // navigation of the page itself, so the SameSite=Strict cookie goes with it even when the link
      // was opened from another site
      return send(res, 200, 'text/html; charset=utf-8', '<!doctype html><meta http-equiv="refresh" content="0;url=/"><title>shim</title><a href="/">continue</a>\n', {
        'Set-Cookie': `${TOKEN_COOKIE}=${policy!.token}; HttpOnly; SameSite=Strict; Path=/`,
      });
    }
    const file = method === 'GET' ? files.get(url.pathname) : undefined;
    if (file) return send(res, 200, file.type, fs.readFileSync(file.file));
    const match = matchRoute(routes, method, url.pathname);
    if (match === 'wrong-method') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (!match) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    try {
      const body = method === 'POST' ? await readJson(req) : {};
      const answer = await match.route.handler({ params: match.params, query: url.searchParams, body });
      send(res, 200, 'application/json', JSON.stringify(answer));
    } catch (e) {
      const { status, body } = errorAnswer(e);
      send(res, status, 'application/json', JSON.stringify(body));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      app.reporter.warn(`serve: ${(e as Error)?.message ?? String(e)}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const deny = (status: number, why: string) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${why}\n`);
    };
    const refused = policy ? refusal(policy, { ...headersOf(req), method: 'GET', websocket: true, login: false }) : { status: 403, why: 'not ready' };
    if (refused) return deny(refused.status, refused.why);
    const url = new URL(req.url ?? '/', 'http://server');
    const m = /^\/ws\/(session|shell)\/([A-Za-z0-9][A-Za-z0-9._+-]{0,63})$/.exec(url.pathname);
    if (!m) return deny(404, 'not found');
    const size = parseSize({ cols: Number(url.searchParams.get('cols')), rows: Number(url.searchParams.get('rows')) }) ?? { cols: 80, rows: 24 };
    const [, kind, name] = m;
    let info;
    try {
      info = sessionRecord(app, name!);
    } catch {
      return deny(404, 'no such session');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      const failed = (e: unknown) => {
        app.reporter.warn(`serve: ${kind} ${name}: ${(e as Error)?.message ?? String(e)}`);
        ws.close();
      };
      if (kind === 'session') bridgeSession(app, ws, name!, size).catch(failed);
      else recordedAction(app, { name: 'shell', target: name!, session: name!, tool: info.tool, cwd: info.cwd }, () => bridgeShell(app, ws, name!, info.cwd, size)).catch(failed);
    });
  });

  return {
    server,
    setPolicy: (p) => (policy = p),
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headersOf(req: http.IncomingMessage) {
  return { host: req.headers.host, origin: req.headers.origin, authorization: req.headers.authorization, cookie: req.headers.cookie };
}
