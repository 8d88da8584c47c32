// Credential brokering in the egress proxy: for a CONNECT to a host that a credential is bound to (and
// only then) the tunnel is terminated with a certificate of the run's CA, each request is forwarded over
// a new TLS connection to the vetted upstream (verified against Node's root store plus the host's
// ca_bundle), with the run's placeholders replaced by the real values in the headers where those
// credentials belong, and every answer has the real values removed before the tool sees it
// (broker-exchange.ts decides per request, redact.ts masks).
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { compileAllowList, findAllowing } from '../plan/allow-list.js';
import { exchange, type TunnelState } from './broker-exchange.js';
import type { RunCa } from './certificates.js';
import { createRedactor } from './redact.js';
import type { Broker } from './server.js';

/** A credential as the proxy holds it: the real value never leaves this process except to its hosts. */
export interface HeldCredential {
  name: string;
  hosts: string[];
  placeholder: string;
  value: string;
  /** Lower-case request headers where the placeholder is replaced (Authorization always among them). */
  headers: string[];
}

export function createBroker(options: { tool: string; credentials: readonly HeldCredential[]; ca: RunCa; trusted: readonly string[]; onWarning: (message: string) => void }): Broker {
  const held = options.credentials.map((c) => ({ ...c, entries: compileAllowList(c.hosts) }));
  const tunnels = new WeakMap<object, TunnelState>();
  const warned = new Set<string>();
  const warnOnce = (host: string, message: string) => {
    if (warned.has(host)) return;
    warned.add(host);
    options.onWarning(message);
  };

  const misplaced = (credential: string, header: string) =>
    warnOnce(
      `${credential} ${header}`,
      `${options.tool} sent the placeholder of ${credential} in the header ${header}, where shim does not put credentials (it went out as the placeholder); if ${header} is where this credential belongs, add "headers": [${JSON.stringify(header)}] to credentials.${credential}`,
    );
  // one parser for every decrypted tunnel; each TLS socket is handed to it as a connection
  const inner = http.createServer({ keepAlive: true }, (req, res) => exchange(req, res, tunnels.get(req.socket)!, { tool: options.tool, misplaced }));
  // a WebSocket to a bound host would carry the placeholder in frames shim does not parse: refused
  inner.on('upgrade', (_req: http.IncomingMessage, socket: Duplex) => socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n'));
  inner.on('clientError', (_e, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));

  return {
    binds: (target) => held.some((c) => findAllowing(c.entries, target, 'connect')),
    intercept(client, head, target, open, decide) {
      const bound = held.filter((c) => findAllowing(c.entries, target, 'connect'));
      const raw: net.Socket[] = [];
      let address: string | undefined;
      const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
      // every upstream connection goes to a vetted address, with TLS verified for the requested host
      (agent as unknown as { createConnection: unknown }).createConnection = (_o: unknown, done: (e: Error | null, s?: Duplex) => void) => {
        open().then(
          ({ socket, address: a }) => {
            raw.push(socket);
            address = a;
            done(null, tls.connect({ socket, host: target.host, ...(target.ip ? {} : { servername: target.host }), ca: [...options.trusted], ALPNProtocols: ['http/1.1'] }));
          },
          (e: unknown) => done(e as Error),
        );
        return undefined;
      };
      const tunnel: TunnelState = { target, bound, agent, redactor: createRedactor(bound.map((c) => c.value)), injected: new Set(), requests: 0, answered: 0, redactions: 0, refused: [] };
      options.ca.issue(target.host).then(
        (leaf) => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) client.unshift(head);
          const secure = new tls.TLSSocket(client as net.Socket, { isServer: true, cert: leaf.cert, key: leaf.key, ALPNProtocols: ['http/1.1'] });
          tunnels.set(secure, tunnel);
          let done = false;
          let handshake = false;
          const refused = `${options.tool}: a client in the container refused shim's certificate for ${target.host} (it pins certificates or ignores SSL_CERT_FILE/NODE_EXTRA_CA_CERTS), so the credentials bound to ${target.host} (${bound.map((c) => c.name).join(', ')}) cannot be brokered to it`;
          const finish = () => {
            if (done) return;
            done = true;
            agent.destroy();
            client.destroy();
            if (!tunnel.requests) warnOnce(target.host, handshake ? `${refused}: it closed the connection without a request` : refused);
            const bytes = raw.reduce((t, s) => ({ up: t.up + s.bytesWritten, down: t.down + s.bytesRead }), { up: 0, down: 0 });
            // a refused TRACE (or a withheld answer) is a refusal of its own; the tunnel itself was allowed
            if (tunnel.refused.length) decide({ action: 'deny', reason: `${target.host} receives brokered credentials: ${[...new Set(tunnel.refused)].join('; ')}`, bytesUp: 0, bytesDown: 0 });
            const failed = tunnel.failure && !tunnel.answered ? { action: 'fail' as const, reason: `${target.host}:${target.port}: ${tunnel.failure.message}`, failure: tunnel.failure.kind } : { action: 'allow' as const };
            decide({ ...failed, ...(address ? { address } : {}), bytesUp: bytes.up, bytesDown: bytes.down, ...(tunnel.injected.size ? { credentials: [...tunnel.injected] } : {}), ...(tunnel.redactions ? { redactions: tunnel.redactions } : {}) });
          };
          secure.on('secure', () => (handshake = true));
          secure.on('error', finish).on('close', finish);
          client.on('close', finish);
          inner.emit('connection', secure);
        },
        (e: unknown) => {
          decide({ action: 'fail', failure: 'tls', reason: `cannot issue a certificate for ${target.host}: ${(e as Error).message}`, bytesUp: 0, bytesDown: 0 });
          client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
        },
      );
    },
  };
}
