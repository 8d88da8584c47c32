// A session's supervisor: a detached process (its own session, no terminal) that runs the session's
// runtime command on a pseudo-terminal it holds, for as long as the tool lives. It owns what a
// foreground shim owns during a run: the lifeline (the container ends if the supervisor dies, however),
// the watchdog, the egress proxy and the timeout; and it serves the session's clients on its socket.
// It decides nothing: the command, flags and limits come planned in the SessionSpec.
import fs from 'node:fs';
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { IPty } from '@lydell/node-pty';
import type { AuditRecord } from '../audit/record.js';
import { appendAudit } from '../audit/log.js';
import type { ProxyPlan } from '../plan/egress.js';
import type { SessionPaths } from '../plan/session.js';
import { ensureSharedLifelineDir, holdLifeline } from '../runtime/lifeline.js';
import { spawnQuiet, startWatchdog, type Command, type SignalPlan } from '../runtime/exec.js';
import { startEgressProxy, type EgressSession } from '../runtime/egress-proxy.js';
import { FRAME, FrameReader, frame, parseJson, type Hello, type SessionInfo } from './protocol.js';
import { OutputLog, Scrollback } from './output-store.js';
import { writeSessionInfo } from './store.js';

export interface SessionSpec {
  info: Omit<SessionInfo, 'pid' | 'clients' | 'exit'>;
  paths: SessionPaths;
  command: Command;
  signals: SignalPlan;
  timeoutMs?: number;
  stopGraceMs: number;
  scrollbackBytes: number;
  logBytes: number;
  proxy?: ProxyPlan;
  /** The user's home (the egress proxy reads brokered credentials' files relative to it). */
  home: string;
  stateDir: string;
  /** The terminal size the tool starts with (the starting terminal's, else 80×24). */
  cols: number;
  rows: number;
  /** The session's audit record, less its outcome: each event is this with `session` set. */
  audit: AuditRecord;
}

type Log = (message: string) => void;

/** Runs the session to its end; `ready` is called once clients may connect (or with the reason it
 *  cannot start). Resolves to the tool's exit status. */
export async function superviseSession(spec: SessionSpec, ready: (error?: string) => void, log: Log): Promise<number> {
  const { paths, info } = spec;
  const startedMs = Date.now();
  const audit = (event: NonNullable<AuditRecord['session']>['event'], extra: Partial<AuditRecord> = {}) =>
    appendAudit(spec.stateDir, { ...spec.audit, time: new Date().toISOString(), ...extra, session: { name: info.name, event } }, log);

  const server = net.createServer();
  try {
    // in /tmp another user could have made the directory first: it must be ours, 0700
    ensureSharedLifelineDir(paths.socketDir);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(paths.socket, () => resolve());
    });
    fs.chmodSync(paths.socket, 0o600);
  } catch (e) {
    ready(`cannot listen on ${paths.socket}: ${(e as Error).message}`);
    return 125;
  }

  // ready once the container runs (its watcher holds the lifeline), so `shim shell` and `ps` find it at
  // once after a detached start
  let containerUp: () => void = () => {};
  const running = new Promise<void>((resolve) => (containerUp = resolve));
  let egress: EgressSession | undefined;
  let lifeline: Awaited<ReturnType<typeof holdLifeline>> | undefined;
  let pty: IPty;
  try {
    if (spec.proxy) {
      egress = startEgressProxy(spec.proxy, { onDenied: log, onFailed: log, onWarning: log }, { env: process.env, home: spec.home });
      await egress.ready;
    }
    lifeline = spec.signals.lifeline ? await holdLifeline(spec.signals.lifeline, () => containerUp()) : undefined;
    if (!lifeline) containerUp();
    const { spawn } = await import('@lydell/node-pty');
    pty = spawn(spec.command.file, [...spec.command.argv], { name: 'xterm-256color', cols: spec.cols, rows: spec.rows, cwd: info.cwd, env: { ...spec.command.env } });
  } catch (e) {
    await egress?.stop();
    lifeline?.release();
    server.close();
    ready((e as Error).message);
    return 125;
  }
  const watchdog = startWatchdog(spec.signals.watchdogArgv, spec.command.env);
  const scrollback = new Scrollback(spec.scrollbackBytes);
  const output = new OutputLog(paths.log, paths.oldLog, spec.logBytes, log);
  const attached = new Set<net.Socket>();
  const stopWaiters = new Set<net.Socket>();
  let ending: 'stopped' | 'timeout' | undefined;
  let size = { cols: spec.cols, rows: spec.rows };

  const quiet = (argv: readonly string[]) => spawnQuiet(spec.command.file, argv, spec.command.env);
  const timers: NodeJS.Timeout[] = [];
  const stop = (why: 'stopped' | 'timeout') => {
    if (ending) return;
    ending = why;
    // what a closing terminal sends (an interactive shell or REPL ignores SIGTERM alone), then SIGTERM
    void quiet(spec.signals.signalArgv.SIGHUP).then(() => quiet(spec.signals.signalArgv.SIGTERM));
    timers.push(setTimeout(() => void quiet(spec.signals.forceKillArgv), spec.stopGraceMs));
  };
  if (spec.timeoutMs) timers.push(setTimeout(() => stop('timeout'), spec.timeoutMs));

  pty.onData((text) => {
    const data = Buffer.from(text, 'utf8');
    scrollback.write(data);
    output.write(data);
    const out = frame(FRAME.output, data);
    for (const c of attached) c.write(out);
  });

  const resize = (cols: number, rows: number) => {
    if (!(cols > 0 && rows > 0 && cols < 10000 && rows < 10000)) return;
    size = { cols, rows };
    pty.resize(cols, rows);
  };
  // a full-screen program redraws on SIGWINCH, which the kernel sends only when the size changes:
  // change it for a moment, so a terminal that attaches gets a whole screen, not a stale one
  const redraw = () => {
    pty.resize(size.cols + 1, size.rows);
    timers.push(setTimeout(() => pty.resize(size.cols, size.rows), 60));
  };

  const infoNow = (): SessionInfo => ({ ...info, pid: process.pid, clients: attached.size });
  const serve = (socket: net.Socket) => {
    const reader = new FrameReader();
    // typed bytes may split a character between frames: decoded per client, a character at a time
    const typed = new StringDecoder('utf8');
    let hello: Hello | undefined;
    socket.on('error', () => {});
    socket.on('close', () => {
      stopWaiters.delete(socket);
      if (attached.delete(socket)) audit('detach');
    });
    socket.on('data', (chunk) => {
      try {
        for (const f of reader.push(chunk)) {
          if (!hello) {
            if (f.type !== FRAME.hello) return void socket.destroy();
            hello = parseJson<Hello>(f.body);
            onHello(socket, hello);
          } else if (hello.mode === 'attach' && f.type === FRAME.input) pty.write(typed.write(f.body));
          else if (hello.mode === 'attach' && f.type === FRAME.resize) {
            const r = parseJson<{ cols: number; rows: number }>(f.body);
            resize(r.cols, r.rows);
          }
        }
      } catch (e) {
        // a client that does not speak the protocol is dropped; the session goes on
        log(`dropped a client: ${(e as Error).message}`);
        socket.destroy();
      }
    });
  };
  const onHello = (socket: net.Socket, hello: Hello) => {
    switch (hello.mode) {
      case 'attach':
        socket.write(frame(FRAME.output, scrollback.recent()));
        attached.add(socket);
        audit('attach');
        resize(hello.cols, hello.rows);
        redraw();
        return;
      case 'send':
        pty.write(Buffer.from(hello.data, 'base64').toString('utf8'));
        return void socket.end(frame(FRAME.reply, { written: Buffer.from(hello.data, 'base64').length }));
      case 'read': {
        const r = scrollback.read(hello.offset ?? 0, hello.max ?? spec.scrollbackBytes);
        return void socket.end(frame(FRAME.reply, { data: r.data.toString('base64'), offset: r.offset, end: r.end, dropped: r.dropped }));
      }
      case 'status':
        return void socket.end(frame(FRAME.reply, infoNow()));
      case 'stop':
        stopWaiters.add(socket);
        audit('stop');
        stop('stopped');
        return;
      default:
        socket.destroy();
    }
  };
  server.on('connection', serve);

  writeSessionInfo(paths.meta, { ...info, pid: process.pid });
  audit('start');
  // the supervisor ends the session when told to, never because a terminal hung up
  process.on('SIGHUP', () => {});
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stop('stopped'));
  const ended = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
  // a tool that ends before its container ran (the runtime refused it) did not start: say why
  const first = await Promise.race([running.then(() => 'up' as const), ended.then(() => 'ended' as const)]);
  if (first === 'up') ready();
  else ready(`the runtime ended before the container ran: ${scrollback.recent().toString('utf8').trim().slice(-2000)}`);
  const { exitCode, signal } = await ended;
  const status = signal ? 128 + signal : exitCode;
  if (ending) await quiet(spec.signals.cleanupArgv);
  for (const t of timers) clearTimeout(t);
  watchdog?.stdin?.end('done\n');
  lifeline?.release();
  const egressTotals = (await egress?.stop()) ?? [];
  output.close();
  const exit = { status: ending === 'timeout' ? 124 : status, endedAt: new Date().toISOString(), ...(ending ? { reason: ending } : {}) };
  writeSessionInfo(paths.meta, { ...info, pid: process.pid, exit });
  audit('end', {
    time: new Date(startedMs).toISOString(),
    exitCode: exit.status,
    signal: null,
    durationMs: Date.now() - startedMs,
    limitsHit: ending === 'timeout' ? ['timeout'] : [],
    egress: egressTotals,
  });
  const bye = frame(FRAME.exit, { status: exit.status });
  for (const c of [...attached, ...stopWaiters]) c.end(bye);
  server.close();
  try {
    fs.unlinkSync(paths.socket);
  } catch {
    // gone already
  }
  return exit.status;
}
