// Credential brokering in the egress proxy: for a CONNECT to a host that a credential is bound to (and
// only then) the tunnel is terminated with a certificate of the run's CA, each request is forwarded over
// a new TLS connection to the vetted upstream (verified against Node's root store plus the host's
// ca_bundle), and the run's placeholders of the credentials bound to that host are replaced by their
// real values in the request headers. Bodies, responses and every other header pass untouched.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { compileAllowList, findAllowing, type AllowEntry } from '../plan/allow-list.js';
import type { Target } from './authority.js';
import type { RunCa } from './certificates.js';
import { HOP_BY_HOP, type Broker } from './server.js';

/** A credential as the proxy holds it: the real value never leaves this process except to its hosts. */
export interface HeldCredential {
  name: string;
  hosts: string[];
  placeholder: string;
  value: string;
}

interface Tunnel {
  target: Target;
  bound: (HeldCredential & { entries: AllowEntry[] })[];
  agent: https.Agent;
  injected: Set<string>;
  requests: number;
}

/** Replaces each bound placeholder in one header value; records which credentials were used. */
function inject(value: string, tunnel: Tunnel): string {
  let out = value;
  for (const c of tunnel.bound) {
    if (!out.includes(c.placeholder)) continue;
    out = out.split(c.placeholder).join(c.value);
    tunnel.injected.add(c.name);
  }
  return out;
}

export function createBroker(options: { tool: string; credentials: readonly HeldCredential[]; ca: RunCa; trusted: readonly string[]; onWarning: (message: string) => void }): Broker {
  const held = options.credentials.map((c) => ({ ...c, entries: compileAllowList(c.hosts) }));
  const tunnels = new WeakMap<object, Tunnel>();
  const warned = new Set<string>();
  const warnOnce = (host: string, message: string) => {
    if (warned.has(host)) return;
    warned.add(host);
    options.onWarning(message);
  };

  // one parser for every decrypted tunnel; each TLS socket is handed to it as a connection
  const inner = http.createServer({ keepAlive: true }, (req, res) => {
    const tunnel = tunnels.get(req.socket)!;
    const { host, port } = tunnel.target;
    tunnel.requests++;
    const headers: http.OutgoingHttpHeaders = {};
    const dropped = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()));
    for (const [k, v] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(k) || dropped.has(k) || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.map((x) => inject(x, tunnel)) : inject(v, tunnel);
    }
    headers.host = port === 443 ? host : `${host}:${port}`;
    const upstream = https.request({ agent: tunnel.agent, host, port, method: req.method, path: req.url, headers, setHost: false });
    upstream.on('response', (upRes) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
    });
    upstream.on('error', (e) => {
      if (res.headersSent) return void res.destroy();
      const body = `shim: ${host}:${port} for ${options.tool}: ${e.message}\n`;
      res.writeHead(502, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Connection: 'close' }).end(body);
    });
    req.pipe(upstream);
  });
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
      const tunnel: Tunnel = { target, bound, agent, injected: new Set(), requests: 0 };
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
            decide({ action: 'allow', ...(address ? { address } : {}), bytesUp: bytes.up, bytesDown: bytes.down, ...(tunnel.injected.size ? { credentials: [...tunnel.injected] } : {}) });
          };
          secure.on('secure', () => (handshake = true));
          secure.on('error', finish).on('close', finish);
          client.on('close', finish);
          inner.emit('connection', secure);
        },
        (e: unknown) => {
          decide({ action: 'allow', reason: `cannot issue a certificate for ${target.host}: ${(e as Error).message}`, bytesUp: 0, bytesDown: 0 });
          client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
        },
      );
    },
  };
}
