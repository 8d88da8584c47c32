// The egress proxy: HTTPS through CONNECT and plain HTTP in absolute form, for the hosts of one tool's
// allow-list only. Order of checks, each before the next costs anything: strict parsing of the target,
// the allow-list (no DNS lookup for a denied name), resolution in the proxy, vetting of every address
// (no loopback, private, link-local…), then a connection to a vetted address (never a second lookup).
// TLS is not intercepted, except for a host a brokered credential is bound to (broker.ts). Every
// request ends in one decision record.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { findAllowing, type AllowEntry, type Method } from '../plan/allow-list.js';
import { forbiddenAddressReason } from '../plan/addresses.js';
import { parseAbsoluteUrl, parseConnectTarget, type Target } from './authority.js';

export interface Decision {
  method: Method;
  /** The requested host (normalised), or a sanitised excerpt of what could not be parsed. */
  host: string;
  port: number;
  /** deny: refused by the policy; fail: allowed, but its upstream could not be reached (not a policy
   *  problem: the name does not resolve, nothing answers, TLS to it fails). */
  action: 'allow' | 'deny' | 'fail';
  /** Why it was denied, or why an allowed request could not be completed. */
  reason?: string;
  /** What kind of failure a "fail" was. */
  failure?: Failure;
  /** The vetted address that was dialled. */
  address?: string;
  bytesUp: number;
  bytesDown: number;
  /** Names of the brokered credentials that were put into requests of this connection. */
  credentials?: string[];
  /** How many times a brokered credential's real value was removed from a bound host's answers. */
  redactions?: number;
}

/** Why an allowed request did not reach its upstream. */
export type Failure = 'resolve' | 'connect' | 'timeout' | 'tls' | 'upstream';

/** Decrypts tunnels to hosts with bound credentials (broker.ts); absent: every tunnel is opaque. */
export interface Broker {
  binds(target: Target): boolean;
  intercept(client: Duplex, head: Buffer, target: Target, open: () => Promise<{ socket: net.Socket; address: string }>, decide: Decide): void;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface ProxyOptions {
  tool: string;
  allow: readonly AllowEntry[];
  /** Resolves a host name to all of its addresses (dns.lookup with all: true in production). */
  lookup: (host: string) => Promise<ResolvedAddress[]>;
  /** Opens the upstream connection to an already vetted address (tests point it at a local server). */
  dial?: (address: string, port: number) => net.Socket;
  onDecision: (d: Decision) => void;
  broker?: Broker;
  /** Limits; the defaults suit a tool's lifetime. */
  lookupTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const MAX_CONNECTIONS = 256;
const HEADERS_TIMEOUT_MS = 15_000;

// headers that belong to one hop (RFC 9110 §7.6.1) and must not be forwarded
export const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Set when the request was allowed but could not be completed. */
    readonly failure?: Failure,
  ) {
    super(message);
  }
}

/** What kind of failure `e` is (a refusal of this file, or a TLS or socket error of an upstream). */
export function failureOf(e: unknown): Failure {
  if (e instanceof Refusal && e.failure) return e.failure;
  const code = String((e as NodeJS.ErrnoException).code ?? '');
  return /CERT|SSL|TLS|SIGNATURE|ISSUER|HOSTNAME/.test(code) ? 'tls' : 'upstream';
}

/** A printable excerpt of something unparseable, safe to put in a log line. */
function sanitize(raw: string): string {
  const printable = raw.replace(/[^\x21-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

export type Decide = (d: Omit<Decision, 'method' | 'host' | 'port'>) => void;

/** Ends a request that was refused (403: a deny) or could not be completed (allowed, then 502/504: a fail). */
function fail(e: unknown, decide: Decide, reply: (status: number, text: string) => void): void {
  const r = e instanceof Refusal ? e : new Refusal(502, (e as Error).message, failureOf(e));
  decide(r.status === 403 ? { action: 'deny', reason: r.message, bytesUp: 0, bytesDown: 0 } : { action: 'fail', reason: r.message, failure: r.failure ?? 'upstream', bytesUp: 0, bytesDown: 0 });
  reply(r.status, r.message);
}

export function createEgressProxy(options: ProxyOptions): http.Server {
  const dial = options.dial ?? ((address: string, port: number) => net.connect({ host: address, port }));
  const lookupTimeout = options.lookupTimeoutMs ?? 10_000;
  const connectTimeout = options.connectTimeoutMs ?? 15_000;
  const denied = (host: string, port: number, why: string) => `${options.tool} may not reach ${host}:${port}: ${why}`;

  /** The allow-list, then resolution and vetting: the addresses to dial (in the resolver's order), or a Refusal. */
  async function vet(target: Target, method: Method): Promise<string[]> {
    const { host, port } = target;
    if (!findAllowing(options.allow, target, method)) {
      const why = target.ip ? 'IP addresses are refused unless listed in allowed_hosts' : `not in allowed_hosts of ${options.tool}`;
      throw new Refusal(403, denied(host, port, method === 'connect' && port !== 443 && !target.ip ? `${why} (a port other than 443 must be listed, as "${host}:${port}")` : why));
    }
    // a listed IP literal is dialled as written: it cannot be rebound
    if (target.ip) return [host];
    let addresses: ResolvedAddress[];
    try {
      addresses = await withTimeout(options.lookup(host), lookupTimeout, 'lookup');
    } catch (e) {
      throw new Refusal(502, `${options.tool} may reach ${host}:${port}, but the name does not resolve (${(e as Error).message}): a DNS or network problem on this machine, not the allow-list`, 'resolve');
    }
    if (!addresses.length) throw new Refusal(502, `${options.tool} may reach ${host}:${port}, but the name has no address: a DNS problem, not the allow-list`, 'resolve');
    // one forbidden address refuses the name: a host that also resolves to the LAN is not trusted
    for (const a of addresses) {
      const reason = forbiddenAddressReason(a.address);
      if (reason) throw new Refusal(403, denied(host, port, `it resolves to ${a.address} (${reason})`));
    }
    return addresses.map((a) => a.address);
  }

  /** Connects to the first vetted address that answers (a host without an IPv6 route still reaches
   *  a name whose first address is IPv6), or fails with the last error. */
  async function openFirst(addresses: readonly string[], port: number): Promise<{ socket: net.Socket; address: string }> {
    let failure: unknown;
    for (const address of addresses) {
      try {
        return { socket: await open(address, port), address };
      } catch (e) {
        failure = e;
      }
    }
    throw failure;
  }

  /** Connects to one vetted address, or fails with 502/504. */
  function open(address: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const upstream = dial(address, port);
      const timer = setTimeout(() => {
        upstream.destroy();
        reject(new Refusal(504, `connecting to ${address}:${port} timed out`, 'timeout'));
      }, connectTimeout);
      upstream.once('connect', () => {
        clearTimeout(timer);
        // from here the caller's handlers decide; an error no handler sees must not end the proxy
        upstream.removeAllListeners('error');
        upstream.on('error', () => {});
        resolve(upstream);
      });
      upstream.once('error', (e) => {
        clearTimeout(timer);
        reject(new Refusal(502, `cannot connect to ${address}:${port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, 'connect'));
      });
    });
  }

  function handleConnect(req: http.IncomingMessage, client: Duplex, head: Buffer) {
    client.on('error', () => {});
    const parsed = parseConnectTarget(req.url ?? '');
    const reply = (status: number, text: string) => {
      const body = `shim: ${text}\n`;
      client.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (!parsed.ok) {
      options.onDecision({ method: 'connect', host: sanitize(req.url ?? ''), port: 0, action: 'deny', reason: parsed.reason, bytesUp: 0, bytesDown: 0 });
      return reply(400, `bad CONNECT target: ${parsed.reason}`);
    }
    const { host, port } = parsed.value;
    const decide: Decide = (d) => options.onDecision({ method: 'connect', host, port, ...d });
    vet(parsed.value, 'connect')
      .then(async (addresses) => {
        if (options.broker?.binds(parsed.value)) return options.broker.intercept(client, head, parsed.value, () => openFirst(addresses, port), decide);
        const { socket: upstream, address } = await openFirst(addresses, port);
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          client.destroy();
          upstream.destroy();
          decide({ action: 'allow', address, bytesUp: upstream.bytesWritten, bytesDown: upstream.bytesRead });
        };
        upstream.on('error', finish).on('close', finish);
        client.on('close', finish);
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        client.pipe(upstream);
        upstream.pipe(client);
      })
      .catch((e: unknown) => fail(e, decide, reply));
  }

  function handleRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    const parsed = parseAbsoluteUrl(req.url ?? '');
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain', Connection: 'close' }).end(`shim: ${text}\n`);
    };
    if (!parsed.ok) {
      options.onDecision({ method: 'http', host: sanitize(req.url ?? ''), port: 0, action: 'deny', reason: parsed.reason, bytesUp: 0, bytesDown: 0 });
      return reply(400, `bad proxy request: ${parsed.reason}`);
    }
    const { target, path } = parsed.value;
    const decide: Decide = (d) => options.onDecision({ method: 'http', host: target.host, port: target.port, ...d });
    vet(target, 'http')
      .then(async (addresses) => {
        const { socket: upstreamSocket, address } = await openFirst(addresses, target.port);
        const headers: http.OutgoingHttpHeaders = {};
        const dropped = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()));
        for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && !dropped.has(k) && v !== undefined) headers[k] = v;
        // the Host header names the vetted host, whatever the client wrote (no virtual-host smuggling)
        headers.host = target.port === 80 ? target.host : `${target.host}:${target.port}`;
        const upstream = http.request({ createConnection: () => upstreamSocket, method: req.method, path, headers, setHost: false });
        let failure: Error | undefined;
        const finished = new Promise<void>((resolve) => {
          upstream.on('response', (upRes) => {
            const out: http.OutgoingHttpHeaders = {};
            for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
            res.writeHead(upRes.statusCode ?? 502, out);
            upRes.pipe(res);
            upRes.on('end', resolve).on('error', () => resolve());
          });
          upstream.on('error', (e) => {
            if (!res.headersSent) {
              failure = e;
              reply(502, `${target.host}: ${e.message}`);
            } else res.destroy();
            resolve();
          });
        });
        req.pipe(upstream);
        await finished;
        upstreamSocket.destroy();
        const bytes = { address, bytesUp: upstreamSocket.bytesWritten, bytesDown: upstreamSocket.bytesRead };
        decide(failure ? { action: 'fail', reason: `${target.host}:${target.port}: ${failure.message}`, failure: failureOf(failure), ...bytes } : { action: 'allow', ...bytes });
      })
      .catch((e: unknown) => fail(e, decide, reply));
  }

  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: 0, keepAlive: false });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('connect', handleConnect);
  server.on('request', handleRequest);
  // a protocol upgrade (WebSocket over plain HTTP) is not proxied; wss:// goes through CONNECT
  server.on('upgrade', (_req: http.IncomingMessage, socket: Duplex) => socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n'));
  server.on('clientError', (_e, socket) => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'));
  return server;
}
