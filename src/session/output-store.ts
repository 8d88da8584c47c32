// What a session printed: the recent bytes in memory (replayed to a terminal that attaches, read by MCP's
// session_read), and everything on disk in a log of two files, output.log and output.log.1: when
// output.log reaches its cap it replaces output.log.1, so the log never holds more than twice the cap.
import fs from 'node:fs';

/** The last `capacity` bytes of a stream, and how many bytes the stream has carried in all. */
export class Scrollback {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Bytes written since the start (the offset of the next byte). */
  total = 0;

  constructor(readonly capacity: number) {}

  write(data: Buffer): void {
    this.chunks.push(data);
    this.held += data.length;
    this.total += data.length;
    while (this.held - this.chunks[0]!.length >= this.capacity) this.held -= this.chunks.shift()!.length;
  }

  /** The held bytes from `offset` on (clamped to what is still held), at most `max` of them. */
  read(offset = 0, max = Infinity): { data: Buffer; offset: number; end: number; dropped: number } {
    const all = Buffer.concat(this.chunks);
    const first = this.total - all.length;
    const keepFrom = Math.max(0, this.total - this.capacity);
    const from = Math.min(Math.max(offset, keepFrom, first), this.total);
    const end = Math.min(this.total, from + max);
    return { data: all.subarray(from - first, end - first), offset: from, end, dropped: Math.max(0, from - offset) };
  }

  /** The most recent bytes, at most the capacity: what a terminal that attaches sees first. */
  recent(): Buffer {
    return this.read(this.total - this.capacity).data;
  }
}

// What a replay must not do again: ask the terminal something (device status and attributes, whose
// answers would be typed into the tool on every attach), read or set the clipboard (OSC 52), or send
// device control strings (DCS … ST)
// eslint-disable-next-line no-control-regex
const NOT_REPLAYED = /\x1b\[[0-9;]*n|\x1b\[[>=]?[0-9;]*c|\x1b\]52;[^\x07\x1b]*(?:\x07|\x1b\\)?|\x1bP[^\x1b]*(?:\x1b\\)?/g;

/** The recent output from a line start when its oldest bytes were dropped (`truncated`), else all of it. */
export function replayStart(recent: Buffer, truncated: boolean): Buffer {
  if (!truncated) return recent;
  const nl = recent.indexOf(0x0a);
  return recent.subarray(nl < 0 ? recent.length : nl + 1);
}

/** The output without what would make a terminal act again (queries, clipboard, device strings): what
 *  `shim logs` writes to a terminal. */
export function withoutTerminalRequests(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(NOT_REPLAYED, ''), 'latin1');
}

/** Appends to a session's output log, rotating at `maxBytes`. Writing must never end the session: a
 *  failure is reported once and logging stops. */
export class OutputLog {
  private fd: number | undefined;
  private size = 0;
  private failed = false;

  constructor(
    private readonly file: string,
    private readonly oldFile: string,
    private readonly maxBytes: number,
    private readonly onError: (message: string) => void,
  ) {}

  write(data: Buffer): void {
    if (this.failed) return;
    try {
      if (this.fd === undefined) this.open();
      if (this.size > 0 && this.size + data.length > this.maxBytes) {
        fs.closeSync(this.fd!);
        fs.renameSync(this.file, this.oldFile);
        this.open();
      }
      fs.writeSync(this.fd!, data);
      this.size += data.length;
    } catch (e) {
      this.failed = true;
      this.onError(`the session's output log ${this.file} cannot be written (${(e as Error).message}); the session goes on without it`);
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.fd = fs.openSync(this.file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }
}

/** The last `lines` lines of a session's log (both files), for `shim logs -n`. */
export function tailLog(file: string, oldFile: string, lines: number): Buffer {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f);
    } catch {
      return Buffer.alloc(0);
    }
  };
  return tailLines(Buffer.concat([read(oldFile), read(file)]), lines);
}

/** The last `lines` lines of `all` (a final newline ends the last line rather than starting one). */
export function tailLines(all: Buffer, lines: number): Buffer {
  if (lines <= 0) return Buffer.alloc(0);
  let at = all.length;
  if (at > 0 && all[at - 1] === 0x0a) at--;
  for (let seen = 0; at > 0; ) {
    const nl = all.lastIndexOf(0x0a, at - 1);
    if (nl < 0) return all;
    if (++seen === lines) return all.subarray(nl + 1);
    at = nl;
  }
  return all;
}
