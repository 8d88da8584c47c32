// `shim doctor`'s egress self-test: starts the real proxy process the way a run does (same plan, same
// permission flags), asks it for a host that is not on its list through its socket, and expects a 403
// and a recorded refusal. No container and no network are needed: a denied name is never resolved.
import net from 'node:net';
import { planProxy } from '../plan/egress.js';
import type { HostEnv } from '../host.js';
import { startEgressProxy } from '../runtime/egress-proxy.js';

export interface EgressSelfTest {
  ok: boolean;
  detail: string;
}

const PROBE_HOST = 'example.com:443';
const WAIT_MS = 3000;

/** Sends one CONNECT over the socket, retrying while the proxy is still starting; resolves to the status line. */
function askProxy(socketPath: string, deadline: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath, () => socket.write(`CONNECT ${PROBE_HOST} HTTP/1.1\r\nHost: ${PROBE_HOST}\r\n\r\n`));
    let reply = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      reply += d;
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.split('\r\n')[0]!);
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if ((e.code === 'ENOENT' || e.code === 'ECONNREFUSED') && Date.now() < deadline) setTimeout(() => askProxy(socketPath, deadline).then(resolve, reject), 25);
      else reject(e);
    });
  });
}

export async function egressSelfTest(host: HostEnv, runId: string): Promise<EgressSelfTest> {
  const plan = planProxy(host, 'doctor', [], runId);
  const failures: string[] = [];
  const denied: string[] = [];
  const started = Date.now();
  let session: ReturnType<typeof startEgressProxy>;
  try {
    session = startEgressProxy(plan, { onDenied: (m) => denied.push(m), onFailed: (m) => failures.push(m) });
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
  let status = '';
  try {
    status = await askProxy(plan.socketPath, started + WAIT_MS);
  } catch (e) {
    failures.push(`no answer on ${plan.socketPath}: ${(e as Error).message}`);
  }
  const ms = Date.now() - started;
  const log = await session.stop();
  const refused = status.startsWith('HTTP/1.1 403') && log.some((e) => e.action === 'deny' && e.host === 'example.com' && e.port === 443);
  if (refused) return { ok: true, detail: `the proxy started (${plan.argv[1]}) and refused a host not on its list with 403 in ${ms} ms` };
  return { ok: false, detail: failures.length ? failures.join('; ') : `expected a 403 and a recorded refusal, got ${JSON.stringify(status)}` };
}
