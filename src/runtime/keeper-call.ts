// A warm call that the container's keeper runs (containerfiles/warm-keeper.pl), without the runtime's
// `exec`: shim listens on the call's socket in the container's lifeline directory (read-only inside, so
// a socket there is shim's), rings the keeper (SIGUSR1 to its host pid), and takes the four connections
// that carry the keeper's secret: control, stdin, stdout and stderr. Any process of the container can
// connect too; without the secret (whose hash shim recorded when the keeper was born) it is dropped.
// The control connection is the call's lifeline: when shim is gone, however it went, the keeper kills
// the call. What comes back is shaped like the part of a ChildProcess the executors use.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { createHash, timingSafeEqual } from 'node:crypto';
import { RuntimeError } from '../errors.js';
import { processStart } from './proc.js';
import type { KeeperCallSpec, SignalPlan, TerminalSize } from './launch.js';

export type { KeeperCallSpec, KeeperRef, TerminalSize } from './launch.js';

const ROLES = ['ctl', 'in', 'out', 'err'] as const;
type Role = (typeof ROLES)[number];
/** Connections waiting for their first line at once: the keeper's four, and whatever the tool opens. */
const MAX_PENDING = 32;
/** How long output is still read after the tool ended, when something it started holds it open. */
const DRAIN_MS = 2_000;
/** The status of a call whose handler went without reporting one: killed (128 + SIGKILL). */
const KILLED_STATUS = 137;

/** Whether `secret` is the one whose hash is `hash`, in constant time. */
export function secretMatches(secret: string, hash: string): boolean {
  const got = createHash('sha256').update(secret).digest();
  const want = Buffer.from(hash, 'hex');
  return want.length === got.length && timingSafeEqual(got, want);
}

/** The call's terminal ("ROWS COLS [TERM [COLORTERM]]", "" for none), working directory and argv, as
 *  the keeper reads them: "LENGTH\n" and NUL-separated. */
export function encodeCallSpec(terminal: TerminalSize | undefined, cwd: string, argv: readonly string[], env: Record<string, string> = {}): Buffer {
  const names = env.TERM ? [env.TERM, ...(env.COLORTERM ? [env.COLORTERM] : [])] : [];
  const size = terminal ? [Math.round(terminal.rows), Math.round(terminal.cols), ...names].join(' ') : '';
  const payload = Buffer.from([size, cwd, ...argv].join('\0'));
  return Buffer.concat([Buffer.from(`${payload.length}\n`), payload]);
}

/** Reads a connection's first line (its claim) and hands it over with the rest untouched. */
function firstLine(socket: net.Socket, onLine: (line: string) => void): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const nl = buf.indexOf(10);
    if (nl < 0) {
      if (buf.length > 200) socket.destroy();
      return;
    }
    socket.off('data', onData);
    socket.pause();
    const rest = buf.subarray(nl + 1);
    if (rest.length) socket.unshift(rest);
    onLine(buf.subarray(0, nl).toString('latin1'));
  };
  socket.on('data', onData);
}

/** A running keeper call: stdin, stdout and stderr streams, 'exit' and 'close' (code, null), 'error'. */
export class KeeperCall extends EventEmitter {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  private readonly server: net.Server;
  private readonly conns = new Map<Role, net.Socket>();
  private readonly pending = new Set<net.Socket>();
  private status: number | undefined;
  /** The call was killed because its container went away under it (`shim stop`). */
  containerGone = false;
  private ended = 0;
  private done = false;
  private queued: string[] = [];
  private bell: NodeJS.Timeout | undefined;

  /** `size`: the terminal's, for a call that has one (spec.terminal). */
  constructor(
    private readonly spec: KeeperCallSpec,
    private readonly size?: TerminalSize,
  ) {
    super();
    this.server = net.createServer((s) => this.accept(s));
    this.server.on('error', (e) => this.fail(new RuntimeError(`cannot listen for the warm call on ${spec.socketPath}: ${e.message}`, 'check that the directory is yours and writable')));
    this.server.listen(spec.socketPath, () => this.ring(100));
  }

  /** Asks the keeper to look (again, until it has connected: a signal may land just before it sleeps). */
  private ring(nextMs: number): void {
    if (this.done || this.conns.has('ctl')) return;
    const { pid, pidStart } = this.spec.keeper;
    if (processStart(pid) !== pidStart) {
      this.fail(new RuntimeError('the warm container stopped before the call reached it', 'run the command again: shim starts a new one'));
      return;
    }
    try {
      process.kill(pid, 'SIGUSR1');
    } catch {
      // not ours to signal (a remapped user namespace): the keeper still looks every second
    }
    this.bell = setTimeout(() => this.ring(Math.min(nextMs * 2, 1000)), nextMs);
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.pending.size >= MAX_PENDING || this.conns.size === ROLES.length) return void socket.destroy();
    this.pending.add(socket);
    socket.once('close', () => this.pending.delete(socket));
    firstLine(socket, (line) => {
      this.pending.delete(socket);
      const [secret = '', role = ''] = line.split(' ');
      if (!(ROLES as readonly string[]).includes(role) || this.conns.has(role as Role) || !secretMatches(secret, this.spec.keeper.secretHash)) return void socket.destroy();
      this.conns.set(role as Role, socket);
      if (this.conns.size === ROLES.length) this.start();
    });
  }

  /** All four are the keeper's: the call goes out, the streams are joined, signals flow. */
  private start(): void {
    clearTimeout(this.bell);
    const c = (r: Role) => this.conns.get(r)!;
    for (const s of this.pending) s.destroy();
    this.server.close();
    c('ctl').write(encodeCallSpec(this.spec.terminal ? (this.size ?? { rows: 24, cols: 80 }) : undefined, this.spec.cwd, this.spec.argv, this.spec.terminalEnv));
    for (const q of this.queued) c('ctl').write(q);
    this.queued = [];
    let lines = '';
    c('ctl').on('data', (d: Buffer) => {
      lines += d.toString('latin1');
      const m = /^exit (\d+)\n/.exec(lines);
      if (m && this.status === undefined) {
        this.status = Number(m[1]);
        this.emit('exit', this.status, null);
        // something the tool started may hold its output open: read on briefly, then stop
        setTimeout(() => this.finish(), DRAIN_MS).unref();
        this.maybeClose();
      }
    });
    c('ctl').resume();
    c('ctl').once('close', () => {
      // the keeper's handler went without a status: the container was removed under the call (`shim
      // stop`), or the call killed its own handler; either way the call was killed, as a cold run's
      // tool is when its container goes
      if (this.status !== undefined) return;
      // the container's processes die together, its keeper a moment after the handler at most
      const judge = (looks: number) => {
        this.containerGone = processStart(this.spec.keeper.pid) !== this.spec.keeper.pidStart;
        if (!this.containerGone && looks > 0) return void setTimeout(() => judge(looks - 1), 50);
        this.status = KILLED_STATUS;
        this.emit('exit', this.status, null);
        setTimeout(() => this.finish(), DRAIN_MS).unref();
        this.maybeClose();
      };
      judge(20);
    });
    this.stdin.pipe(c('in'));
    for (const [from, to] of [[c('out'), this.stdout], [c('err'), this.stderr]] as const) {
      from.pipe(to);
      from.once('end', () => {
        this.ended++;
        this.maybeClose();
      });
      from.resume();
    }
  }

  private maybeClose(): void {
    if (this.status !== undefined && this.ended === 2) this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.cleanup();
    this.emit('close', this.status ?? null, null);
  }

  private fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.cleanup();
    this.emit('error', error);
  }

  private cleanup(): void {
    clearTimeout(this.bell);
    this.server.close();
    for (const s of [...this.pending, ...this.conns.values()]) s.destroy();
    this.stdout.end();
    this.stderr.end();
    try {
      fs.unlinkSync(this.spec.socketPath);
    } catch {
      // already gone
    }
  }

  /** Delivers a signal to the call (KILL: to the call, all it started and its group). Before the call
   *  has started, KILL abandons it: the keeper finds nobody listening. */
  kill(sig: NodeJS.Signals = 'SIGTERM'): boolean {
    const name = sig.replace(/^SIG/, '');
    if (!['INT', 'TERM', 'HUP', 'KILL'].includes(name) || this.done) return false;
    const ctl = this.conns.size === ROLES.length ? this.conns.get('ctl') : undefined;
    if (ctl) ctl.write(`${name}\n`);
    else if (name === 'KILL') this.fail(new RuntimeError('the warm call was stopped before it started', 'run the command again'));
    else this.queued.push(`${name}\n`);
    return true;
  }

  /** Tells the call's terminal its new size (the tool gets SIGWINCH). */
  resize(size: TerminalSize): void {
    const line = `WINCH ${Math.round(size.rows)} ${Math.round(size.cols)}\n`;
    if (this.conns.size === ROLES.length) this.conns.get('ctl')!.write(line);
    else this.queued.push(line);
  }

  /** Lets go of the call: its connections close, so the keeper kills whatever still runs of it. */
  release(): void {
    if (!this.done) {
      this.done = true;
      this.cleanup();
    }
  }
}

export interface Birth {
  /** The keeper's secret, once it has reported with the nonce. */
  secret: Promise<string>;
  close(): void;
}

/** Listens on the birth socket of a warm container about to start: the first connection that brings
 *  `nonce` (which only the new container's keeper has) gives the keeper's secret. Anything else that
 *  connects (a leftover of the policy's previous container sees the same directory) is dropped. */
export async function listenForBirth(socketPath: string, nonce: string): Promise<Birth> {
  let resolveSecret!: (s: string) => void;
  const secret = new Promise<string>((resolve) => (resolveSecret = resolve));
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    if (sockets.size >= MAX_PENDING) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    firstLine(socket, (line) => {
      const m = /^birth ([0-9a-f]+) ([0-9a-f]{64})$/.exec(line);
      socket.destroy();
      if (m && m[1] === nonce) resolveSecret(m[2]!);
    });
  });
  try {
    fs.unlinkSync(socketPath);
  } catch {
    // none left from an earlier start
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new RuntimeError(`cannot listen for the warm container's keeper on ${socketPath}: ${e.message}`, 'check that the directory is yours and writable')));
    server.listen(socketPath, () => resolve());
  });
  return {
    secret,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
      try {
        fs.unlinkSync(socketPath);
      } catch {
        // closed with the server already
      }
    },
  };
}

/** A signal plan of a call its keeper runs: no runtime command, every signal through the call. */
export function keeperSignals(keeperCall: KeeperCallSpec): SignalPlan {
  const none: readonly string[] = [];
  return { signalArgv: { SIGINT: none, SIGTERM: none, SIGHUP: none }, forceKillArgv: none, cleanupArgv: none, keeperCall };
}
