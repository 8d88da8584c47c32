// One request of a decrypted tunnel to a bound host, and its answer (broker.ts sets the tunnel up).
// Going out, a placeholder becomes the real value only in the headers its credential belongs in
// (Authorization, Proxy-Authorization and the ones it names): a server that echoes another header (a
// CORS Origin, an error page) would hand the value back. TRACE and TRACK, which echo the whole request,
// are refused. Coming back, the real value is masked in every header and in the body (redact.ts), so
// the body must be readable: shim asks for identity encoding, and decodes gzip, deflate and br itself
// when a server compresses anyway (the tool accepts identity whatever it asked for); any other
// encoding is refused, since shim could not search it. Range is not forwarded: a value cut across two
// partial answers would escape a search that sees one answer at a time.
import http from 'node:http';
import https from 'node:https';
import { pipeline, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { Target } from './authority.js';
import type { Redactor } from './redact.js';
import { HOP_BY_HOP, failureOf, type Failure } from './server.js';

/** A credential as a tunnel uses it. */
export interface BoundCredential {
  name: string;
  placeholder: string;
  value: string;
  /** Lower-case request headers where the placeholder is replaced. */
  headers: readonly string[];
}

/** What one tunnel has done so far; broker.ts turns it into the connection's decision. */
export interface TunnelState {
  target: Target;
  bound: readonly BoundCredential[];
  agent: https.Agent;
  redactor: Redactor;
  /** Credentials put into a request. */
  injected: Set<string>;
  requests: number;
  /** Requests that got an answer from the upstream. */
  answered: number;
  redactions: number;
  /** The first upstream failure, when a request got no answer. */
  failure?: { kind: Failure; message: string };
  /** What was refused or withheld (a TRACE, an answer shim cannot search), for the decision's reason. */
  refused: string[];
}

const ECHOING_METHODS = new Set(['TRACE', 'TRACK']);
// request headers never forwarded to a bound host (see the top of the file)
const NOT_TO_BOUND = new Set(['range', 'if-range', 'accept-encoding']);
const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

export interface ExchangeOptions {
  tool: string;
  /** Told once per credential and header when the tool sends a placeholder where shim does not put it. */
  misplaced: (credential: string, header: string) => void;
}

/** The request's headers for the upstream: hop-by-hop ones dropped, placeholders swapped where they belong. */
function outgoingHeaders(req: http.IncomingMessage, tunnel: TunnelState, options: ExchangeOptions): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  const dropped = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()));
  const swap = (name: string, value: string): string => {
    let out = value;
    for (const c of tunnel.bound) {
      if (!out.includes(c.placeholder)) continue;
      if (!c.headers.includes(name)) {
        options.misplaced(c.name, name);
        continue;
      }
      out = out.split(c.placeholder).join(c.value);
      tunnel.injected.add(c.name);
    }
    return out;
  };
  for (const [k, v] of Object.entries(req.headers)) {
    if (HOP_BY_HOP.has(k) || dropped.has(k) || NOT_TO_BOUND.has(k) || v === undefined) continue;
    headers[k] = Array.isArray(v) ? v.map((x) => swap(k, x)) : swap(k, v);
  }
  const { host, port } = tunnel.target;
  headers.host = port === 443 ? host : `${host}:${port}`;
  headers['accept-encoding'] = 'identity';
  return headers;
}

/** The answer's headers with the real values masked; counts what was. */
function incomingHeaders(upRes: http.IncomingMessage, tunnel: TunnelState): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const clean = (v: string) => {
    const r = tunnel.redactor.text(v);
    tunnel.redactions += r.count;
    return r.text;
  };
  for (const [k, v] of Object.entries(upRes.headers)) {
    if (HOP_BY_HOP.has(k) || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(clean) : clean(v);
  }
  return out;
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  const body = `shim: ${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

/** Forwards one request of the tunnel to the bound host and its answer, masked, to the tool. */
export function exchange(req: http.IncomingMessage, res: http.ServerResponse, tunnel: TunnelState, options: ExchangeOptions): void {
  const { host, port } = tunnel.target;
  tunnel.requests++;
  const method = (req.method ?? '').toUpperCase();
  if (ECHOING_METHODS.has(method)) {
    tunnel.refused.push(`refused ${method} (it echoes the request)`);
    req.resume();
    return plain(res.setHeader('Allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'), 405, `${method} to ${host} is refused: it echoes the request, and ${host} receives brokered credentials`);
  }
  const upstream = https.request({ agent: tunnel.agent, host, port, method: req.method, path: req.url, headers: outgoingHeaders(req, tunnel, options), setHost: false });
  upstream.on('response', (upRes) => {
    tunnel.answered++;
    const out = incomingHeaders(upRes, tunnel);
    const status = upRes.statusCode ?? 502;
    const bodiless = method === 'HEAD' || status === 204 || status === 304 || status < 200;
    const encoding = String(upRes.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let decoder: Transform | undefined;
    if (!bodiless && encoding !== 'identity') {
      const make = DECODERS[encoding];
      if (!make) {
        upRes.destroy();
        tunnel.refused.push(`withheld an answer in Content-Encoding "${encoding}" (shim cannot search it)`);
        return plain(res, 502, `${host} answered in Content-Encoding "${encoding}", which shim cannot search for brokered credentials; the answer is withheld`);
      }
      decoder = make();
      delete out['content-encoding'];
      delete out['content-length'];
    }
    res.writeHead(status, out);
    const mask = tunnel.redactor.stream((n) => (tunnel.redactions += n));
    const done = (e: Error | null | undefined) => {
      if (e) res.destroy();
    };
    if (decoder) pipeline(upRes, decoder, mask, res, done);
    else pipeline(upRes, mask, res, done);
  });
  upstream.on('error', (e) => {
    if (res.headersSent) return void res.destroy();
    tunnel.failure ??= { kind: failureOf(e), message: e.message };
    plain(res.setHeader('Connection', 'close'), 502, `${host}:${port} for ${options.tool}: ${e.message}`);
  });
  req.pipe(upstream);
}
