// Entry of the egress proxy process (dist/proxy.mjs), started by shim for one allow-list run or install
// under Node's permission model (see plan/egress.ts). Its config is the last argument. It reports to
// shim as JSON lines on stdout (each connection, then one "decision" per request) and stops when its stdin
// closes: shim closes it when the run ends, and the kernel closes it when shim dies, so the proxy
// never outlives the run.
import dns from 'node:dns';
import type { ProxyConfig } from '../plan/egress.js';
import { compileAllowList } from './allow-list.js';
import { createEgressProxy, type Decision } from './server.js';

/** Messages from the proxy process to shim, one JSON object per line. */
export type ProxyMessage = { type: 'connection' } | { type: 'decision'; decision: Decision } | { type: 'failed'; message: string };

/** How long connections still open at the end get to finish and report. */
const STOP_GRACE_MS = 1000;

function send(message: ProxyMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function main(): void {
  const config = JSON.parse(process.argv[process.argv.length - 1]!) as ProxyConfig;
  const server = createEgressProxy({
    tool: config.tool,
    allow: compileAllowList(config.allow),
    lookup: (host) => dns.promises.lookup(host, { all: true, verbatim: true }),
    onDecision: (decision) => send({ type: 'decision', decision }),
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
  // the run is over: the container is gone, so open connections are closing; let them report, then exit
  process.stdin.on('end', () => {
    server.close();
    const deadline = Date.now() + STOP_GRACE_MS;
    const poll = () =>
      server.getConnections((_e, count) => {
        if (!count || Date.now() > deadline) process.stdout.end(() => process.exit());
        else setTimeout(poll, 20);
      });
    poll();
  });
  process.stdin.resume();
}

main();
