// The page's files: web/ of the package, and xterm.js with its fit addon from the package's own
// dependencies (node_modules), never from a CDN. Only the files named here are served.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticFile {
  file: string;
  type: string;
}

/** The URL paths of the page and the files behind them; resolved once at start. */
export function staticFiles(packageRoot: string): Map<string, StaticFile> {
  const web = path.join(packageRoot, 'web');
  const req = createRequire(path.join(packageRoot, 'package.json'));
  const entries: [string, string][] = [
    ['/', path.join(web, 'index.html')],
    ['/app.js', path.join(web, 'app.js')],
    ['/panels.js', path.join(web, 'panels.js')],
    ['/style.css', path.join(web, 'style.css')],
    ['/vendor/xterm.mjs', req.resolve('@xterm/xterm/lib/xterm.mjs')],
    ['/vendor/xterm.css', req.resolve('@xterm/xterm/css/xterm.css')],
    ['/vendor/addon-fit.mjs', req.resolve('@xterm/addon-fit/lib/addon-fit.mjs')],
  ];
  return new Map(entries.map(([url, file]) => [url, { file, type: TYPES[path.extname(file)] ?? 'application/octet-stream' }]));
}

/** The login page (served without the token, and with every 401 of a page). */
export function loginPage(packageRoot: string): string {
  return fs.readFileSync(path.join(packageRoot, 'web', 'login.html'), 'utf8');
}
