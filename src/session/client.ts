// The client side of a session's socket: one-shot requests (status, read, send, stop) and attaching a
// terminal. Attaching puts the terminal in raw mode, relays both ways, and watches the typed bytes for
// the detach keys, which never reach the tool.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { FRAME, FrameReader, frame, parseJson, type Hello } from './protocol.js';
import { TerminalModes } from './terminal-modes.js';
import { isPrivateDirectory } from '../runtime/lifeline.js';
import { terminalSize } from '../runtime/launch.js';

/** True when the socket's directory is the user's own and no one else's (mode 0700): in /tmp another
 *  user could have made it first, and a socket of theirs would receive what the terminal types. */
function ownDirectory(socketPath: string): boolean {
  try {
    return isPrivateDirectory(fs.lstatSync(path.dirname(socketPath)));
  } catch {
    return false;
  }
}

/** Connects to a session's socket; undefined when no supervisor answers there (or the socket is not in
 *  a directory of the user's alone). */
export function connectSession(socketPath: string): Promise<net.Socket | undefined> {
  if (!ownDirectory(socketPath)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

/** Sends one request and resolves to the supervisor's JSON reply (or its exit frame for `stop`);
 *  undefined when the session is not running. */
export async function requestSession<T>(socketPath: string, hello: Hello): Promise<T | undefined> {
  const socket = await connectSession(socketPath);
  if (!socket) return undefined;
  return new Promise((resolve) => {
    const reader = new FrameReader();
    let answer: T | undefined;
    socket.on('data', (chunk) => {
      for (const f of reader.push(chunk)) if (f.type === FRAME.reply || f.type === FRAME.exit) answer = parseJson<T>(f.body);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
    socket.write(frame(FRAME.hello, hello));
  });
}

/** Watches typed bytes for a key sequence: what matches is held back until it is complete (detach) or
 *  broken (then it is passed on with the rest). */
export class KeySequence {
  private matched = 0;
  constructor(private readonly keys: readonly number[]) {}

  /** Returns the bytes to pass on, and whether the sequence was completed (bytes after it are dropped). */
  feed(data: Buffer): { pass: Buffer; hit: boolean } {
    const out: number[] = [];
    for (const byte of data) {
      if (byte === this.keys[this.matched]) {
        if (++this.matched === this.keys.length) return { pass: Buffer.from(out), hit: true };
        continue;
      }
      if (this.matched) out.push(...this.keys.slice(0, this.matched));
      this.matched = byte === this.keys[0] ? 1 : 0;
      if (!this.matched) out.push(byte);
    }
    return { pass: Buffer.from(out), hit: false };
  }
}

export interface AttachIo {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/** Attaches the terminal until the detach keys are typed, the tool ends, or this process is told to
 *  end (SIGTERM, SIGHUP: that detaches too). The terminal is given back as it was on every path. */
export async function attachSession(socket: net.Socket, detachKeys: readonly number[], io: AttachIo): Promise<{ detached: true } | { detached: false; status: number | undefined; why?: string }> {
  const { input, output } = io;
  const keys = new KeySequence(detachKeys);
  const modes = new TerminalModes();
  const size = () => terminalSize(output);
  const raw = input.isTTY ? input.isRaw : undefined;
  if (input.isTTY) input.setRawMode(true);
  input.resume();
  socket.write(frame(FRAME.hello, { mode: 'attach', ...size() }));
  return new Promise((resolve) => {
    let status: number | undefined;
    let why: string | undefined;
    let detached = false;
    const reader = new FrameReader();
    const onResize = () => socket.write(frame(FRAME.resize, size()));
    const detach = () => {
      detached = true;
      socket.end();
    };
    const onInput = (chunk: Buffer) => {
      const { pass, hit } = keys.feed(chunk);
      if (pass.length) socket.write(frame(FRAME.input, pass));
      if (hit) detach();
    };
    const signals = ['SIGTERM', 'SIGHUP'] as const;
    const done = () => {
      input.off('data', onInput);
      output.off('resize', onResize);
      for (const sig of signals) process.off(sig, detach);
      input.pause();
      if (input.isTTY) input.setRawMode(raw ?? false);
      output.write(`${modes.reset()}${detached ? '\r\n' : ''}`);
      resolve(detached ? { detached: true } : { detached: false, status, ...(why ? { why } : {}) });
    };
    socket.on('data', (chunk) => {
      try {
        for (const f of reader.push(chunk)) {
          if (f.type === FRAME.output && !detached) {
            modes.see(f.body);
            output.write(f.body);
          } else if (f.type === FRAME.exit) ({ status, why } = parseJson<{ status: number; why?: string }>(f.body));
        }
      } catch {
        // not a supervisor's frames: leave (the terminal is given back in done)
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', done);
    input.on('data', onInput);
    output.on('resize', onResize);
    for (const sig of signals) process.on(sig, detach);
  });
}
