// `shim serve [--port N] [--host ADDR] [--open] [--new-token]`: the control room, a web page of the
// sessions. Loopback only unless --host says otherwise (with a warning); stdout gets one line, the URL
// with its token (and a terminal a QR code of it when a phone could reach it). Runs until SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../app/with-config-files.js';
import { UsageError } from '../errors.js';
import { SERVE_DEFAULT_PORT } from '../defaults.js';
import { buildAccessPolicy, servedNames } from './access.js';
import { loadServeToken } from './token.js';
import { createServeServer } from './server.js';
import { sessionRoutes } from './api-sessions.js';
import { otherRoutes } from './api-other.js';
import { worktreeRoutes } from './api-worktree.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  open?: boolean;
  newToken?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Where `shim serve` listens: 127.0.0.1 and the default port unless the options say otherwise. */
export function resolveServeAddress(options: Pick<ServeOptions, 'host' | 'port'>): { bind: string; port: number } {
  return { bind: checkHost(options.host ?? '127.0.0.1'), port: checkPort(options.port) };
}

/** The listening address: an IP address, or localhost (served as 127.0.0.1). */
function checkHost(host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  if (!net.isIP(host)) throw new UsageError(`--host ${JSON.stringify(host)}: not an IP address`, 'give an address of this machine, e.g. --host 192.168.1.20, or --host 0.0.0.0 for all of them');
  return host;
}

function checkPort(text: string | undefined): number {
  if (text === undefined) return SERVE_DEFAULT_PORT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port ${JSON.stringify(text)}: not a port number`, `e.g. --port ${SERVE_DEFAULT_PORT} (0 picks a free one)`);
  return n;
}

/** The machine's own addresses (a wildcard --host serves them all). */
function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((i): i is os.NetworkInterfaceInfo => Boolean(i))
    .map((i) => i.address.replace(/%.*$/, ''));
}

/** The host part of the printed URL: a wildcard stands for the first outside address. */
function urlHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') {
    const outside = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    return outside?.address ?? '127.0.0.1';
  }
  return bind.includes(':') ? `[${bind}]` : bind;
}

export async function serveCommand(app: App, options: ServeOptions): Promise<number> {
  const { bind, port } = resolveServeAddress(options);
  const { token, replaced } = loadServeToken(app.paths.stateDir, app.host.uid, Boolean(options.newToken));
  if (replaced) app.reporter.info(`a new token: ${replaced} (links with the old one no longer work)`);
  const handle = createServeServer(app, [...sessionRoutes(app), ...worktreeRoutes(app), ...otherRoutes(app)]);
  await new Promise<void>((resolve, reject) => {
    handle.server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${bind} is in use (another shim serve?)`, `pick another with --port N (0 for any free one)`) : e),
    );
    handle.server.listen(port, bind, () => resolve());
  });
  const actual = (handle.server.address() as net.AddressInfo).port;
  handle.setPolicy(buildAccessPolicy(token, servedNames(bind, interfaceAddresses()), actual));
  const url = `http://${urlHost(bind)}:${actual}/?token=${token}`;
  const reachable = !LOOPBACK.has(bind);
  if (reachable) app.reporter.warn(`serving on ${bind}: anyone on your network${bind === '0.0.0.0' || bind === '::' ? 's' : ''} who gets the link can drive your sessions; the token is all that stands in the way (and the traffic is not encrypted)`);
  app.stdout(`${url}\n`);
  if (reachable && app.host.stderrIsTTY) {
    // a CommonJS module: its functions are on the default export (a named `toString` is Object's)
    const mod = await import('qrcode');
    const qrcode = (mod as unknown as { default?: typeof mod }).default ?? mod;
    app.reporter.raw(await qrcode.toString(url, { type: 'terminal', small: true }));
  }
  app.reporter.info(`serving the control room on ${bind}:${actual} (Ctrl-C ends it)`);
  if (options.open) openBrowser(app, url);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await handle.close();
  return 0;
}

/** Opens the page in the desktop's browser without putting the token on a command line: the opener
 *  gets a 0600 file that moves on to the link, removed a minute later. */
function openBrowser(app: App, url: string): void {
  const file = path.join(app.paths.stateDir, `serve-open-${process.pid}.html`);
  fs.writeFileSync(file, `<!doctype html><meta http-equiv="refresh" content="0;url=${url}"><title>shim</title>\n`, { mode: 0o600 });
  setTimeout(() => fs.rmSync(file, { force: true }), 60_000).unref();
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [file], { stdio: 'ignore', detached: true });
  child.on('error', () => app.reporter.warn(`could not run ${opener}: open the link above yourself`));
  child.unref();
}
