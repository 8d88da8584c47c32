// The wire format between a session's supervisor and its clients (`shim attach`, `shim stop`, `shim logs`,
// the MCP server), over the supervisor's Unix socket: frames of one type byte, a 32-bit big-endian
// length and the payload. Terminal bytes travel as they are; everything else is JSON.
import type { Attention } from './attention.js';

export const FRAME = {
  /** client → supervisor, first frame: what the client wants (Hello). */
  hello: 0x68,
  /** client → supervisor: bytes for the tool's terminal. */
  input: 0x69,
  /** client → supervisor: the client's terminal size changed ({cols, rows}). */
  resize: 0x72,
  /** supervisor → client: bytes the tool wrote to its terminal. */
  output: 0x6f,
  /** supervisor → client: a JSON answer (to status, read, send or stop). */
  reply: 0x6a,
  /** supervisor → client: the tool ended ({status}). */
  exit: 0x78,
} as const;

export type Hello =
  /** Stream the terminal both ways; the recent output is replayed first. */
  | { mode: 'attach'; cols: number; rows: number }
  /** Write `data` (base64) to the tool's terminal, answer { written }. */
  | { mode: 'send'; data: string }
  /** Answer the recent output: the bytes after `offset` (of the session's whole output), at most `max`. */
  | { mode: 'read'; offset?: number; max?: number }
  /** Answer what the session is. */
  | { mode: 'status' }
  /** End the tool (SIGTERM, then the container is killed after a grace period); answer once it is gone. */
  | { mode: 'stop' }
  /** End the tool and run it again at once (the same plan); answer { restarts } once it runs again. */
  | { mode: 'restart' };

/** A session as its supervisor describes it (status) and as meta.json records it. */
export interface SessionInfo {
  name: string;
  tool: string;
  /** The tool's arguments (a restart from `shim serve`'s page starts it again with them). */
  args?: string[];
  project: string;
  cwd: string;
  /** The tool's working directory in the container (`shim shell` starts there). */
  workdir: string;
  container: string;
  runtime: 'podman' | 'docker';
  runId: string;
  startedAt: string;
  /** The supervisor's process id, and its start time (processStart): a pid reused since is not it. */
  pid: number;
  pidStart?: string;
  /** The supervisor's socket, as the shim that started it placed it (another shell, with another
   *  XDG_RUNTIME_DIR, still finds it). */
  socket: string;
  /** Terminals attached now (status only). */
  clients?: number;
  /** Set once the tool has ended. */
  exit?: { status: number; endedAt: string; reason?: 'stopped' | 'timeout' | 'oom' };
  /** Snapshots taken before the session started ("snapshot": true). */
  snapshots?: string[];
  /** The tool rang the bell or sent a notification and no one has attached or typed since (status only). */
  attention?: Attention;
  /** A worktree session: its branch (shim/NAME) and its copy. */
  worktree?: { branch: string; copy: string };
  /** The container ports shim forwards while the session runs, and where each is on the host. */
  ports?: { container: number; url: string }[];
  /** How many times the tool was run again ("restart", shim restart NAME). */
  restarts?: number;
  /** What shim warned of after the tool's runs: a git repository it made, or whose config or hooks it
   *  changed (snapshot/after-run.ts). */
  warnings?: string[];
}

export interface ReadReply {
  /** Output bytes (base64) from `offset` to `end`. */
  data: string;
  offset: number;
  end: number;
  /** Bytes before `offset` that were asked for but are no longer held (older than the scrollback). */
  dropped: number;
  exited?: { status: number };
}

export function frame(type: number, payload: Buffer | string | object): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Largest frame either side accepts (a hello, a resize, a read reply of the scrollback). */
export const MAX_FRAME = 8 * 1024 * 1024;

/** Splits a byte stream into frames; throws on a frame over MAX_FRAME (the peer is not a shim). */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: number; body: Buffer }[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: { type: number; body: Buffer }[] = [];
    while (this.pending.length >= 5) {
      const length = this.pending.readUInt32BE(1);
      if (length > MAX_FRAME) throw new Error(`a frame of ${length} bytes is over the limit`);
      if (this.pending.length < 5 + length) break;
      frames.push({ type: this.pending[0]!, body: this.pending.subarray(5, 5 + length) });
      this.pending = this.pending.subarray(5 + length);
    }
    return frames;
  }
}

export function parseJson<T>(body: Buffer): T {
  return JSON.parse(body.toString('utf8')) as T;
}
