// Entry of the egress proxy process (dist/proxy.mjs), started by shim for one allow-list run or install
// under Node's permission model (see plan/egress.ts). Its config is the last argument. It reports to
// shim as JSON lines on stdout (each connection, then one "decision" per request) and stops when its stdin
// closes: shim closes it when the run ends, and the kernel closes it when shim dies, so the proxy
// never outlives the run. With brokered credentials, shim first writes their values as one JSON line on
// stdin (never argv, environment or disk); the proxy then creates the run's CA, sends its certificate
// ("ca"), and only then listens.
import dns from 'node:dns';
import tls from 'node:tls';
import type { ProxyConfig } from '../plan/egress.js';
import { compileAllowList } from '../plan/allow-list.js';
import { createEgressProxy, type Broker, type Decision } from './server.js';

/** Messages from the proxy process to shim, one JSON object per line. */
export type ProxyMessage =
  | { type: 'connection' }
  | { type: 'decision'; decision: Decision }
  | { type: 'failed'; message: string }
  | { type: 'ca'; pem: string }
  | { type: 'warning'; message: string };

/** The first line shim writes on the proxy's stdin when credentials are brokered. */
export interface ProxySecrets {
  /** Credential name → real value. */
  values: Record<string, string>;
  /** The host ca_bundle's PEM text (trusted for upstreams besides Node's root store). */
  caBundle?: string;
}

/** How long connections still open at the end get to finish and report. */
const STOP_GRACE_MS = 1000;

function send(message: ProxyMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** The first line of stdin (the secrets), or undefined when stdin ends first. */
function firstLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const nl = pending.indexOf('\n');
      if (nl < 0) return;
      process.stdin.off('data', onData);
      resolve(pending.slice(0, nl));
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => resolve(undefined));
  });
}

async function loadBroker(config: ProxyConfig, line: string): Promise<Broker> {
  let secrets: ProxySecrets;
  try {
    secrets = JSON.parse(line) as ProxySecrets;
  } catch {
    // never the parser's message: it quotes the input
    throw new Error('unreadable credentials on stdin');
  }
  const { createRunCa } = await import('./certificates.js');
  const { createBroker } = await import('./broker.js');
  const ca = await createRunCa(config.tool);
  const credentials = config.credentials.map((c) => ({ ...c, value: secrets.values[c.name] ?? '' }));
  const trusted = [...tls.rootCertificates, ...(secrets.caBundle ? [secrets.caBundle] : [])];
  const broker = createBroker({ tool: config.tool, credentials, ca, trusted, onWarning: (message) => send({ type: 'warning', message }) });
  send({ type: 'ca', pem: ca.certPem });
  return broker;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[process.argv.length - 1]!) as ProxyConfig;
  let stopped = false;
  let stop: () => void = () => process.exit();
  // the run is over: the container is gone, so open connections are closing; let them report, then exit
  process.stdin.on('end', () => {
    stopped = true;
    stop();
  });
  process.stdin.resume();
  let broker: Broker | undefined;
  if (config.credentials?.length) {
    const line = await firstLine();
    if (line === undefined || stopped) return stop();
    broker = await loadBroker(config, line);
  }
  const server = createEgressProxy({
    tool: config.tool,
    allow: compileAllowList(config.allow),
    lookup: (host) => dns.promises.lookup(host, { all: true, verbatim: true }),
    onDecision: (decision) => send({ type: 'decision', decision }),
    ...(broker ? { broker } : {}),
  });
  // told first, so shim knows whether any decision can still be on its way when the run ends
  server.on('connection', () => send({ type: 'connection' }));
  server.on('error', (e) => {
    send({ type: 'failed', message: e.message });
    process.exitCode = 1;
    process.stdin.destroy();
  });
  // the directory is new and private to this run (created by shim), so nothing can be in the way
  server.listen(config.socket);
  stop = () => {
    server.close();
    const deadline = Date.now() + STOP_GRACE_MS;
    const poll = () =>
      server.getConnections((_e, count) => {
        if (!count || Date.now() > deadline) process.stdout.end(() => process.exit());
        else setTimeout(poll, 20);
      });
    poll();
  };
}

main().catch((e: unknown) => {
  send({ type: 'failed', message: (e as Error).message });
  process.exit(1);
});
