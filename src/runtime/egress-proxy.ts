// Runs the egress proxy process the planner described (plan/egress.ts) for the duration of one run:
// creates the private socket directory, starts the process, collects its decisions, and stops it and
// removes the directory when the run ends. Decides nothing about the policy. With brokered credentials
// it also reads their values (runtime/credentials.ts), writes them on the proxy's stdin, and writes the
// CA certificate the proxy answers with into the socket directory, before the container may start.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Env } from '../host.js';
import { writeCredentialCa } from './credential-ca.js';
import { loadCredentialValues } from './credentials.js';
import type { AuditEgress } from '../audit/record.js';
import type { ProxyPlan } from '../plan/egress.js';
import type { ProxyMessage } from '../proxy/main.js';
import type { Decision } from '../proxy/server.js';
import { RuntimeError } from '../errors.js';

export interface EgressHooks {
  /** Told once per host and port that was refused (shim says so on stderr: the tool may hide a 403). */
  onDenied: (message: string, decision: Decision) => void;
  /** Every decision, as it happens (SHIM_DEBUG). */
  onDecision?: (d: Decision) => void;
  /** The proxy died during the run: the tool has no network from then on. */
  onFailed: (message: string) => void;
  /** Something the user should know that is not a refusal (a client refused a brokered host's certificate). */
  onWarning?: (message: string) => void;
  /** Told once per host and port that was allowed but could not be reached (else onWarning). */
  onUnreachable?: (message: string, decision: Decision) => void;
}

export interface EgressSession {
  /** Resolves when the container may start (at once without credentials; with them, once the proxy has
   *  the values and its CA certificate is in place); rejects with a ConfigError when a value cannot be read. */
  ready: Promise<void>;
  /** Stops the proxy and returns what went through it, one entry per host, port and outcome. */
  stop(): Promise<AuditEgress[]>;
}

/** After this, a proxy that did not exit when told to stop is killed. */
const STOP_KILL_MS = 2000;

/** Creates the socket directory (0700, must not exist) and starts the proxy. The container may start
 *  at once: the in-container forwarder retries until the proxy listens. */
export function startEgressProxy(plan: ProxyPlan, hooks: EgressHooks, host: { env: Env; home: string } = { env: {}, home: '/' }): EgressSession {
  try {
    fs.mkdirSync(plan.socketDir, { mode: 0o700 });
  } catch (e) {
    throw new RuntimeError(`cannot create the egress proxy's directory ${plan.socketDir}: ${(e as Error).message}`, 'check that its parent exists and is writable (XDG_RUNTIME_DIR or /tmp)');
  }
  const [file, ...args] = plan.argv;
  // stdin is the proxy's lifeline (closed: stop), stdout carries its messages, stderr is shim's. Its
  // own process group: a Ctrl-C on the terminal is for the tool (an agent interrupting its current
  // step), and must not take the tool's network away
  const child = spawn(file!, args, { env: plan.env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  child.stdin!.on('error', () => {});
  const totals = new Map<string, AuditEgress>();
  const deniedSeen = new Set<string>();
  let stopping = false;
  let connections = 0;
  let onCa: (pem: string) => void = () => {};
  const onMessage = (m: ProxyMessage) => {
    if (m.type === 'connection') connections++;
    if (m.type === 'ca') onCa(m.pem);
    if (m.type === 'warning') (hooks.onWarning ?? hooks.onFailed)(m.message);
    if (m.type === 'failed') hooks.onFailed(`the egress proxy failed: ${m.message}`);
    if (m.type !== 'decision') return;
    const d = m.decision;
    hooks.onDecision?.(d);
    const key = `${d.action} ${d.host}:${d.port}`;
    if (d.action === 'deny' && !deniedSeen.has(key)) {
      deniedSeen.add(key);
      hooks.onDenied(d.reason ?? `${d.host}:${d.port} was refused`, d);
    }
    if (d.action === 'fail' && !deniedSeen.has(key)) {
      deniedSeen.add(key);
      (hooks.onUnreachable ?? hooks.onWarning)?.(d.reason ?? `${d.host}:${d.port} could not be reached`, d);
    }
    const total: AuditEgress = totals.get(key) ?? { host: d.host, port: d.port, action: d.action, requests: 0, bytesUp: 0, bytesDown: 0 };
    total.requests = (total.requests ?? 0) + 1;
    total.bytesUp += d.bytesUp;
    total.bytesDown += d.bytesDown;
    if (d.credentials?.length) total.credentials = [...new Set([...(total.credentials ?? []), ...d.credentials])].sort();
    if (d.reason && d.action !== 'allow' && !total.reason) total.reason = d.reason;
    if (d.failure && !total.failure) total.failure = d.failure;
    if (d.redactions) total.redactions = (total.redactions ?? 0) + d.redactions;
    totals.set(key, total);
  };
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        onMessage(JSON.parse(line) as ProxyMessage);
      } catch {
        // not a message: ignore rather than trust it
      }
    }
  });
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      hooks.onFailed(`cannot start the egress proxy (${file}): ${e.message}`);
      resolve();
    });
    child.once('close', (code, signal) => {
      if (!stopping) hooks.onFailed(`the egress proxy stopped during the run (${signal ?? `exit ${code}`}): the tool has no network from now on`);
      resolve();
    });
  });
  const ready = plan.credentials.length
    ? (async () => {
        const values = await loadCredentialValues(plan.credentials, host);
        const caBundle = plan.caBundle ? fs.readFileSync(plan.caBundle, 'utf8') : undefined;
        const ca = new Promise<string>((resolve, reject) => {
          onCa = resolve;
          void exited.then(() => reject(new RuntimeError('the egress proxy stopped before it was ready to broker credentials')));
        });
        child.stdin!.write(`${JSON.stringify({ values, ...(caBundle ? { caBundle } : {}) })}\n`);
        await writeCredentialCa(plan.socketDir, await ca, caBundle);
      })()
    : Promise.resolve();
  ready.catch(() => {});
  return {
    ready,
    async stop() {
      stopping = true;
      child.stdin!.end();
      if (connections > 0) {
        // decisions of connections still closing may be on their way: wait for the proxy to exit
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_KILL_MS);
        await exited;
        clearTimeout(timer);
      } else {
        // nobody ever connected: nothing can be pending, so the run does not wait
        child.kill();
      }
      fs.rmSync(plan.socketDir, { recursive: true, force: true });
      return [...totals.values()];
    },
  };
}
