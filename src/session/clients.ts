// The supervisor's side of its socket: each connection's first frame says what it wants (attach, send,
// read, status, stop). Attached terminals get the recent output, then everything the tool writes; what
// they type goes to the tool. A terminal that stops reading is dropped rather than let the supervisor's
// memory grow without bound.
import type net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { FRAME, FrameReader, frame, parseJson, type Hello, type SessionInfo } from './protocol.js';
import { replayStart, withoutTerminalRequests, type Scrollback } from './output-store.js';

/** What the hub needs of the session: its terminal and its lifecycle. */
export interface SessionTerminal {
  write(text: string): void;
  resize(cols: number, rows: number): void;
  /** Makes a full-screen program redraw (attach). */
  redraw(): void;
  /** What puts a terminal that attaches into the modes the tool has on (alternate screen…). */
  modes(): string;
  stop(): void;
  /** Ends the tool and runs it again; resolves with the number of restarts once it runs again. */
  restart(): Promise<number>;
  info(): SessionInfo;
  audit(event: 'attach' | 'detach' | 'stop'): void;
  log(message: string): void;
}

/** Output not yet taken by a terminal, beyond which it is dropped (it can attach again). */
const MAX_BACKLOG = 8 * 1024 * 1024;

export class ClientHub {
  private readonly attached = new Set<net.Socket>();
  private readonly waiting = new Set<net.Socket>();
  private readonly all = new Set<net.Socket>();
  private exit: Buffer | undefined;
  /** Output up to this offset reached an attached terminal: its queries were answered (or will not be). */
  private seen = 0;

  constructor(
    private readonly terminal: SessionTerminal,
    private readonly scrollback: Scrollback,
    private readonly readMax: number,
  ) {}

  /** What the tool wrote: to every attached terminal that keeps up. */
  output(data: Buffer): void {
    if (this.attached.size) this.seen = this.scrollback.total;
    const out = frame(FRAME.output, data);
    for (const c of this.attached) {
      if (c.writableLength > MAX_BACKLOG) {
        this.terminal.log(`a terminal fell ${c.writableLength} bytes behind and was detached`);
        c.destroy();
        continue;
      }
      c.write(out);
    }
  }

  /** What a terminal that attaches gets first: the recent output, without the terminal requests that a
   *  terminal already saw, and with those none saw yet. A tool that asks its terminal something before
   *  any is attached (opencode asks for the cursor position and waits) is answered by the first one. */
  private replay(): Buffer {
    const recent = this.scrollback.read(this.scrollback.total - this.scrollback.capacity);
    // from a line start when the oldest bytes were dropped (not from the middle of an escape sequence)
    const data = replayStart(recent.data, this.scrollback.total > this.scrollback.capacity);
    const split = Math.min(Math.max(this.seen - (recent.end - data.length), 0), data.length);
    return Buffer.concat([withoutTerminalRequests(data.subarray(0, split)), data.subarray(split)]);
  }

  /** The tool ended: every attached terminal and every `stop` waiting is told, then all connections end. */
  ended(status: number, why?: string): void {
    this.exit = frame(FRAME.exit, { status, ...(why ? { why } : {}) });
    for (const c of [...this.attached, ...this.waiting]) c.end(this.exit);
    // a peer that never reads or closes must not keep the supervisor alive
    setTimeout(() => {
      for (const c of this.all) c.destroy();
    }, 1000).unref();
  }

  serve(socket: net.Socket): void {
    this.all.add(socket);
    const reader = new FrameReader();
    // typed bytes may split a character between frames: decoded per client, a character at a time
    const typed = new StringDecoder('utf8');
    let hello: Hello | undefined;
    socket.on('error', () => {});
    socket.on('close', () => {
      this.all.delete(socket);
      this.waiting.delete(socket);
      if (this.attached.delete(socket)) this.terminal.audit('detach');
    });
    socket.on('data', (chunk) => {
      try {
        for (const f of reader.push(chunk)) {
          if (!hello) {
            if (f.type !== FRAME.hello) return void socket.destroy();
            hello = parseJson<Hello>(f.body);
            this.onHello(socket, hello);
          } else if (hello.mode === 'attach' && f.type === FRAME.input) this.terminal.write(typed.write(f.body));
          else if (hello.mode === 'attach' && f.type === FRAME.resize) {
            const r = parseJson<{ cols: number; rows: number }>(f.body);
            this.terminal.resize(r.cols, r.rows);
          }
        }
      } catch (e) {
        // a client that does not speak the protocol is dropped; the session goes on
        this.terminal.log(`dropped a client: ${(e as Error).message}`);
        socket.destroy();
      }
    });
  }

  private onHello(socket: net.Socket, hello: Hello): void {
    if (this.exit) return void socket.end(hello.mode === 'status' ? frame(FRAME.reply, this.terminal.info()) : this.exit);
    switch (hello.mode) {
      case 'attach':
        socket.write(frame(FRAME.output, Buffer.concat([Buffer.from(this.terminal.modes(), 'latin1'), this.replay()])));
        this.seen = this.scrollback.total;
        this.attached.add(socket);
        this.terminal.audit('attach');
        this.terminal.resize(hello.cols, hello.rows);
        this.terminal.redraw();
        return;
      case 'send': {
        const bytes = Buffer.from(String(hello.data), 'base64');
        this.terminal.write(bytes.toString('utf8'));
        return void socket.end(frame(FRAME.reply, { written: bytes.length }));
      }
      case 'read': {
        const r = this.scrollback.read(hello.offset ?? 0, Math.min(hello.max ?? this.readMax, this.readMax));
        return void socket.end(frame(FRAME.reply, { data: r.data.toString('base64'), offset: r.offset, end: r.end, dropped: r.dropped }));
      }
      case 'status':
        return void socket.end(frame(FRAME.reply, { ...this.terminal.info(), clients: this.attached.size }));
      case 'stop':
        this.waiting.add(socket);
        this.terminal.audit('stop');
        this.terminal.stop();
        return;
      case 'restart':
        void this.terminal.restart().then((restarts) => socket.end(frame(FRAME.reply, { restarts })));
        return;
      default:
        socket.destroy();
    }
  }
}
