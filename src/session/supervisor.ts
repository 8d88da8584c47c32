// A session's supervisor: a detached process (its own session, no terminal) that runs the session's
// runtime command on a pseudo-terminal it holds, for as long as the tool lives. It owns what a
// foreground shim owns during a run: the lifeline (the container ends if the supervisor dies, however),
// the watchdog, the egress proxy and the timeout; and it serves the session's clients on its socket
// (clients.ts). It decides nothing: the command, flags and limits come planned in the SessionSpec (spec.ts).
import fs from 'node:fs';
import net from 'node:net';
import type { IPty } from '@lydell/node-pty';
import type { AuditRecord } from '../audit/record.js';
import { appendAudit } from '../audit/log.js';
import { boundUrl, formatChosenPorts } from '../plan/port-forward.js';
import { startPortForward, type RunningPortForward } from '../runtime/port-forward.js';
import { holdLifeline, type HeldLifeline } from '../runtime/lifeline.js';
import { signalName, spawnQuiet, startWatchdog } from '../runtime/exec.js';
import { startEgressProxy, type EgressSession } from '../runtime/egress-proxy.js';
import { setLongTimeout } from '../runtime/long-timeout.js';
import { askOomKilled } from '../runtime/oom.js';
import { formatKilled } from '../plan/oom.js';
import type { Env } from '../host.js';
import { OutputLog, Scrollback } from './output-store.js';
import { ClientHub } from './clients.js';
import { TerminalModes } from './terminal-modes.js';
import { writeSessionInfo } from './store.js';
import { processStart } from '../runtime/proc.js';
import { AttentionState } from './attention.js';
import { restartDelay } from './restart.js';
import { listen } from './listen.js';
import { SessionChecks } from './checks.js';
import type { SessionSpec } from './spec.js';

type Log = (message: string) => void;
type Ending = 'stopped' | 'timeout';

/** Runs the session to its end; `ready` is called once the container runs (or with the reason it
 *  cannot start), `tell` with what the starting shim says before that (a chosen host port). `env` is
 *  the supervisor's own (the user's: brokered credentials are read from it). Resolves to the status. */
export async function superviseSession(spec: SessionSpec, ready: (error?: string) => void, log: Log, env: Env, tell: Log = log): Promise<number> {
  const { paths, info } = spec;
  // who the supervisor is, for `ps` and a new start to tell it still runs (session/store.ts)
  const self = { pid: process.pid, pidStart: processStart(process.pid) };
  const startedMs = Date.now();
  const audit = (event: NonNullable<AuditRecord['session']>['event'], extra: Partial<AuditRecord> = {}) =>
    appendAudit(spec.stateDir, { ...spec.audit, time: new Date().toISOString(), ...extra, session: { name: info.name, event } }, log);

  const scrollback = new Scrollback(spec.scrollbackBytes);
  const modes = new TerminalModes();
  // a bell or notification escape in the output, until a terminal attaches or input arrives
  const attention = new AttentionState(() => new Date().toISOString());
  let pty: IPty | undefined;
  let exited = false;
  let ending: Ending | undefined;
  let size = { cols: spec.cols, rows: spec.rows };
  const quiet = (argv: readonly string[]) => spawnQuiet(spec.command.file, argv, spec.command.env);
  const timers: NodeJS.Timeout[] = [];
  let restarts = 0;
  const checks = new SessionChecks(spec.watch, log);
  let shownPorts: { container: number; url: string }[] = [];
  // the session as its record and its status say it
  const record = () => ({ ...info, ...self, ...(restarts ? { restarts } : {}), ...(shownPorts.length ? { ports: shownPorts } : {}), ...(checks.warnings.length ? { warnings: [...checks.warnings] } : {}) });
  // between two runs of a restarting session the last terminal's process is gone already
  const killPty = (sig: NodeJS.Signals) => {
    try {
      pty?.kill(sig);
    } catch {
      // ended already
    }
  };
  let restartRequested = false;
  const restartWaiters: ((n: number) => void)[] = [];
  // ends the wait before a restart early (a stop during it)
  let wake: () => void = () => {};
  // a signal through the runtime; the runtime client itself when that fails (no container yet, or a
  // paused one the runtime will not signal)
  const signal = (sig: 'SIGHUP' | 'SIGTERM') =>
    quiet(spec.signals.signalArgv[sig]).then((code) => {
      if (code !== 0 && !exited) killPty(sig);
    });
  const stop = (why: Ending) => {
    if (ending || exited) return;
    ending = why;
    wake();
    // what a closing terminal sends (an interactive shell or REPL ignores SIGTERM alone), then SIGTERM
    void signal('SIGHUP').then(() => signal('SIGTERM'));
    timers.push(
      setTimeout(() => {
        void quiet(spec.signals.forceKillArgv);
        if (!exited) killPty('SIGKILL');
      }, spec.stopGraceMs),
    );
  };
  const resize = (cols: number, rows: number) => {
    if (!(cols > 0 && rows > 0 && cols < 10000 && rows < 10000) || exited || !pty) return;
    size = { cols, rows };
    pty.resize(cols, rows);
  };
  const hub = new ClientHub(
    {
      write: (text) => {
        attention.clear();
        if (!exited) pty?.write(text);
      },
      resize,
      // a full-screen program redraws on SIGWINCH, which the kernel sends only when the size changes:
      // change it for a moment, so a terminal that attaches gets a whole screen, not a stale one
      redraw: () => {
        if (exited || !pty) return;
        pty.resize(size.cols + 1, size.rows);
        timers.push(setTimeout(() => resize(size.cols, size.rows), 60));
      },
      modes: () => modes.restore(),
      stop: () => stop('stopped'),
      restart: () => {
        // the tool ends as with stop, and the loop below runs it again at once
        if (ending || exited) return Promise.resolve(restarts);
        restartRequested = true;
        void signal('SIGHUP').then(() => signal('SIGTERM'));
        return new Promise<number>((resolve) => restartWaiters.push(resolve));
      },
      info: () => ({ ...record(), ...(attention.get() ? { attention: attention.get() } : {}) }),
      audit: (event) => {
        if (event === 'attach') attention.clear();
        audit(event);
      },
      log,
    },
    scrollback,
    spec.scrollbackBytes,
  );

  // connections are served from the moment the socket exists (a status or stop may come at once)
  const server = net.createServer((socket) => hub.serve(socket));
  server.on('error', (e) => log(`socket: ${e.message}`));
  try {
    await listen(paths, server);
  } catch (e) {
    ready((e as Error).message);
    return 125;
  }

  let containerUp: () => void = () => {};
  const running = new Promise<void>((resolve) => (containerUp = resolve));
  let egress: EgressSession | undefined;
  let ports: RunningPortForward | undefined;
  let lifeline: HeldLifeline | undefined;
  let watchdog: ReturnType<typeof startWatchdog>;
  let launch: () => Promise<{ exitCode: number; signal?: number }> = () => Promise.resolve({ exitCode: 125 });
  let ended!: Promise<{ exitCode: number; signal?: number }>;
  const output = new OutputLog(paths.log, paths.oldLog, spec.logBytes, log);
  let timeout: { clear(): void } | undefined;
  try {
    if (spec.portForward) {
      ports = await startPortForward(spec.portForward);
      for (const line of formatChosenPorts(info.tool, ports.bound)) tell(line);
      // in its record, so `shim ps` and the page say where a session serves (a chosen port especially)
      shownPorts = ports.bound.map((b) => ({ container: b.containerPort, url: boundUrl(b) }));
    }
    if (spec.proxy) {
      egress = startEgressProxy(spec.proxy, { onDenied: log, onFailed: log, onWarning: log }, { env, home: spec.home });
      await egress.ready;
    }
    // ready once the container runs (its watcher holds the lifeline), so `shim shell` and `ps` find it
    // at once after a detached start
    lifeline = spec.signals.lifeline ? await holdLifeline(spec.signals.lifeline, () => containerUp()) : undefined;
    if (!lifeline) containerUp();
    const { spawn } = await import('@lydell/node-pty');
    launch = () => {
      // bytes, not text: what the tool writes reaches terminals and the log exactly as written
      pty = spawn(spec.command.file, [...spec.command.argv], { name: 'xterm-256color', cols: size.cols, rows: size.rows, cwd: info.cwd, env: { ...spec.command.env }, encoding: null });
      watchdog = startWatchdog(spec.signals.watchdogArgv, spec.command.env);
      pty.onData((data: string | Buffer) => {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        scrollback.write(bytes);
        modes.see(bytes);
        attention.see(bytes);
        output.write(bytes);
        hub.output(bytes);
      });
      const p = pty;
      return new Promise((resolve) => p.onExit(resolve));
    };
    ended = launch();
    if (spec.timeoutMs) timeout = setLongTimeout(() => stop('timeout'), spec.timeoutMs);
    writeSessionInfo(paths.meta, record());
  } catch (e) {
    if (pty) pty.kill('SIGKILL');
    ports?.stop();
    await egress?.stop();
    lifeline?.release();
    server.close();
    ready((e as Error).message);
    return 125;
  }
  audit('start');
  // the supervisor ends the session when told to, never because a terminal hung up
  process.on('SIGHUP', () => {});
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stop('stopped'));

  // a tool that ends before its container ran (the runtime refused it) did not start: say why
  const first = await Promise.race([running.then(() => 'up' as const), ended.then(() => 'ended' as const)]);
  // a restarting session's tool may end at once by itself: its own status (below 125) is an exit, not a
  // failed start
  const early = first === 'ended' ? await ended : undefined;
  const startFailed = early !== undefined && !(spec.restart && !early.signal && early.exitCode < 125);
  // a failed start is told once the session has ended (its snapshot dropped, its end recorded)
  if (!startFailed) ready();

  let result = await ended;
  // "restart": the same command again (the same plan, mounts and copy), until the policy says no
  for (;;) {
    const delay = restartDelay(spec.restart, result.signal ? 128 + result.signal : result.exitCode, ending ?? (startFailed ? 'failed' : undefined), restarts, restartRequested);
    if (delay === undefined) break;
    restartRequested = false;
    // what the run that ended made is said now, not after the wait
    checks.afterRun();
    watchdog?.stdin?.end('done\n');
    // the ended container's name is free again before the next one takes it (docker removes --rm late)
    await quiet(spec.signals.cleanupArgv);
    if (delay) await new Promise<void>((resolve) => ((wake = resolve), timers.push(setTimeout(resolve, delay))));
    if (ending) break;
    restarts += 1;
    log(`restart ${restarts} after exit ${result.signal ? 128 + result.signal : result.exitCode}`);
    writeSessionInfo(paths.meta, record());
    ended = launch();
    for (const w of restartWaiters.splice(0)) w(restarts);
    result = await ended;
  }
  exited = true;
  for (const w of restartWaiters.splice(0)) w(restarts);
  const status = result.signal ? 128 + result.signal : result.exitCode;
  if (ending) await quiet(spec.signals.cleanupArgv);
  timeout?.clear();
  for (const t of timers) clearTimeout(t);
  watchdog?.stdin?.end('done\n');
  lifeline?.release();
  ports?.stop();
  const egressTotals = (await egress?.stop()) ?? [];
  output.close();
  // a 137 under a memory limit: the runtime's event log says whether the kernel killed it for memory
  const oom = status === 137 && !ending && spec.memory ? await askOomKilled({ runtime: spec.runtime, runtimeEnv: spec.command.env }, info.container, startedMs) : false;
  const reason = ending ?? (oom ? ('oom' as const) : undefined);
  const exit = { status: ending === 'timeout' ? 124 : status, endedAt: new Date().toISOString(), ...(reason ? { reason } : {}) };
  // as after a plain run: repositories the tool made or changed, and no snapshot of a failed start
  const kept = await checks.afterLast(exit.status, env);
  info.snapshots = spec.audit.snapshots = kept.length ? kept : undefined;
  try {
    writeSessionInfo(paths.meta, { ...record(), exit });
  } catch (e) {
    log(`cannot record the session's end in ${paths.meta}: ${(e as Error).message}`);
  }

  audit('end', {
    time: new Date(startedMs).toISOString(),
    exitCode: exit.status,
    signal: status > 128 ? (signalName(status - 128) ?? null) : null,
    durationMs: Date.now() - startedMs,
    limitsHit: ending === 'timeout' ? ['timeout'] : oom ? ['oom'] : [],
    egress: egressTotals,
    ...(spec.audit.warnings?.length || checks.warnings.length ? { warnings: [...(spec.audit.warnings ?? []), ...checks.warnings] } : {}),
  });
  if (startFailed) ready(`the runtime ended before the container ran: ${scrollback.recent().toString('utf8').trim().slice(-2000)}`);
  // as a run says it: confirmed by the runtime, or only possibly (a 137 under a memory limit)
  hub.ended(exit.status, status === 137 && !ending && spec.memory ? formatKilled(info.tool, spec.memory, oom) : undefined);
  server.close();
  try {
    fs.unlinkSync(paths.socket);
  } catch {
    // gone already
  }
  return exit.status;
}
