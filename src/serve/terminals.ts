// A page's terminals over WebSockets: a session's terminal (attached to its supervisor as `shim attach`
// is, so several browsers and terminals share it), or a shell beside it (`shim shell NAME` itself, on a
// pseudo-terminal of the server's). Binary messages carry terminal bytes both ways; text messages are
// JSON: {type: "resize", cols, rows} from the page, {type: "exit", status} to it.
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket } from 'ws';
import type { App } from '../app/with-config-files.js';
import { connectSession } from '../session/client.js';
import { FRAME, FrameReader, frame, parseJson } from '../session/protocol.js';
import { pathsOf } from '../commands/session-start.js';

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** A size from the page, or undefined when it is not a sane one. */
export function parseSize(v: unknown): TerminalSize | undefined {
  const o = v as { cols?: unknown; rows?: unknown } | null;
  const ok = (n: unknown, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n > 1 && n <= max;
  return o && ok(o.cols, 1000) && ok(o.rows, 500) ? { cols: o.cols, rows: o.rows } : undefined;
}

/** The page's resize messages, or undefined for anything else. */
function resizeOf(text: string): TerminalSize | undefined {
  try {
    const v = JSON.parse(text) as { type?: unknown };
    return v?.type === 'resize' ? parseSize(v) : undefined;
  } catch {
    return undefined;
  }
}

const sendExit = (ws: WebSocket, status: number | null) => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'exit', status }));
  ws.close();
};

/** Attaches the WebSocket to the session's terminal until either side goes. */
export async function bridgeSession(server: App, ws: WebSocket, name: string, size: TerminalSize): Promise<void> {
  const socket = await connectSession(pathsOf(server, name).socket);
  if (!socket) return sendExit(ws, null);
  const reader = new FrameReader();
  socket.write(frame(FRAME.hello, { mode: 'attach', ...size }));
  socket.on('data', (chunk) => {
    try {
      for (const f of reader.push(chunk)) {
        if (f.type === FRAME.output && ws.readyState === ws.OPEN) {
          ws.send(f.body, { binary: true });
          // a page that stops reading is dropped, as a terminal is by the supervisor
          if (ws.bufferedAmount > 8 * 1024 * 1024) ws.terminate();
        } else if (f.type === FRAME.exit) sendExit(ws, parseJson<{ status: number }>(f.body).status);
      }
    } catch {
      socket.destroy();
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => sendExit(ws, null));
  ws.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    if (isBinary) socket.write(frame(FRAME.input, bytes));
    else {
      const r = resizeOf(bytes.toString('utf8'));
      if (r) socket.write(frame(FRAME.resize, r));
    }
  });
  ws.on('close', () => socket.end());
  ws.on('error', () => socket.destroy());
}

/** Runs `shim shell NAME` on a pseudo-terminal and bridges it to the WebSocket; resolves to its status. */
export async function bridgeShell(server: App, ws: WebSocket, name: string, cwd: string, size: TerminalSize): Promise<number> {
  const { spawn } = await import('@lydell/node-pty');
  // the CLI's own shell command: its checks, its argv, its audit record; no token on its command line
  const pty = spawn(server.host.node.path, [server.host.shimEntry, 'shell', name], {
    name: 'xterm-256color',
    cols: size.cols,
    rows: size.rows,
    cwd,
    env: { ...server.host.env } as Record<string, string>,
    encoding: null,
  });
  pty.onData((data: string | Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(typeof data === 'string' ? Buffer.from(data) : data, { binary: true });
  });
  // typed bytes may split a character between messages
  const typed = new StringDecoder('utf8');
  ws.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
    if (isBinary) pty.write(typed.write(bytes));
    else {
      const r = resizeOf(bytes.toString('utf8'));
      if (r) pty.resize(r.cols, r.rows);
    }
  });
  ws.on('close', () => pty.kill('SIGHUP'));
  return new Promise((resolve) =>
    pty.onExit(({ exitCode, signal }) => {
      const status = signal ? 128 + signal : exitCode;
      sendExit(ws, status);
      resolve(status);
    }),
  );
}
