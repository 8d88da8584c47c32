// Entry of the egress proxy process (dist/proxy.mjs), started by shim for one allow-list run under Node's
// permission model (see plan/egress.ts). Its config is the last argument; it reports "ready" and every
// decision to shim over the IPC channel, and exits as soon as that channel closes, so it never outlives
// the run, even when shim is killed.
import dns from 'node:dns';
import type { ProxyConfig } from '../plan/egress.js';
import { compileAllowList } from './allow-list.js';
import { createEgressProxy, type Decision } from './server.js';

/** Messages from the proxy process to shim. */
export type ProxyMessage = { type: 'ready' } | { type: 'decision'; decision: Decision } | { type: 'failed'; message: string };

const STOP_GRACE_MS = 1000;

function send(message: ProxyMessage): void {
  if (process.connected) process.send!(message);
}

function main(): void {
  const config = JSON.parse(process.argv[process.argv.length - 1]!) as ProxyConfig;
  const server = createEgressProxy({
    tool: config.tool,
    allow: compileAllowList(config.allow),
    lookup: (host) => dns.promises.lookup(host, { all: true, verbatim: true }),
    onDecision: (decision) => send({ type: 'decision', decision }),
  });
  server.on('error', (e) => {
    send({ type: 'failed', message: e.message });
    process.exit(1);
  });
  // the directory is new and private to this run (created by shim), so nothing can be in the way
  server.listen(config.socket, () => send({ type: 'ready' }));
  // "stop": the run is over; connections still open are closing (the container is gone), so give them
  // a moment to report their decision, then exit
  process.on('message', (m: { type?: string }) => {
    if (m?.type !== 'stop') return;
    server.close();
    const deadline = Date.now() + STOP_GRACE_MS;
    const poll = () =>
      server.getConnections((_e, count) => {
        if (!count || Date.now() > deadline) process.exit(0);
        setTimeout(poll, 20);
      });
    poll();
  });
  process.on('disconnect', () => process.exit(0));
}

main();
