// The credential broker in-process against a real HTTPS upstream on 127.0.0.1 that behaves like a
// server a tool could abuse: it reflects Origin (CORS), echoes the request's headers into an error body
// and a response header, answers TRACE with the request, cuts a value across chunks, and compresses
// whatever it is asked. The tool's side is a real TLS client through CONNECT that trusts the run's CA.
// Every probe that must not get the real value back has a control showing that the upstream did get
// (and send back) the real value, so the probe would have seen it.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAllowList } from '../../src/plan/allow-list.js';
import { createBroker } from '../../src/proxy/broker.js';
import { createRunCa, type RunCa } from '../../src/proxy/certificates.js';
import { createEgressProxy, type Decision } from '../../src/proxy/server.js';

const SECRET = `sk-real-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
const PLACEHOLDER = 'shim-cred-test1234-test-api-key';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

let upstreamCa: RunCa;
let runCa: RunCa;
let upstream: https.Server;
let upstreamPort = 0;
let untrusted: https.Server;
let untrustedPort = 0;
let proxy: http.Server;
let proxyPort = 0;
const seen: Seen[] = [];
let upstreamConnections = 0;
const decisions: Decision[] = [];
const warnings: string[] = [];
// the /split route waits for the test to say when to send the rest
let sendRest: () => void = () => {};

function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
  const auth = String(req.headers.authorization ?? '');
  const token = auth.replace(/^Bearer /, '');
  switch (req.url) {
    case '/cors':
      res.writeHead(200, { 'access-control-allow-origin': String(req.headers.origin ?? '*'), 'x-echo-auth': auth, 'content-type': 'text/plain' }).end('cors ok\n');
      return;
    case '/error':
    {
      const body = JSON.stringify({ error: 'bad request', received: req.headers });
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    }
      return;
    case '/encoded':
      res.writeHead(200, { 'content-type': 'text/plain' }).end(
        [`basic=${Buffer.from(`user:${token}`).toString('base64')}`, `b64url=${Buffer.from(`xx${token}`).toString('base64url')}`, `url=${encodeURIComponent(`${token}/&`)}`, `hex=${Buffer.from(token).toString('hex')}`, 'plain line'].join('\n'),
      );
      return;
    case '/gzip':
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' }).end(zlib.gzipSync(`compressed: ${auth}\n`));
      return;
    case '/compress':
      res.writeHead(200, { 'content-encoding': 'compress', 'content-type': 'application/octet-stream' }).end(Buffer.from(`not really compressed: ${auth}`));
      return;
    case '/split': {
      // the value's first half ends one write, the second half starts the next
      const half = Math.floor(token.length / 2);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`first line\nkey=${token.slice(0, half)}`);
      sendRest = () => res.end(`${token.slice(half)}\nlast line\n`);
      return;
    }
    default:
      if (req.method === 'TRACE') {
        res.writeHead(200, { 'content-type': 'message/http' }).end(`TRACE ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${req.method}\n`);
  }
}

beforeAll(async () => {
  upstreamCa = await createRunCa('upstream');
  runCa = await createRunCa('tool');
  upstream = https.createServer(await upstreamCa.issue('127.0.0.1'), routes);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as net.AddressInfo).port;
  upstream.on('secureConnection', () => upstreamConnections++);
  // a bound host whose certificate nothing trusts: TLS to it fails upstream
  untrusted = https.createServer(await (await createRunCa('stranger')).issue('127.0.0.1'), routes);
  await new Promise<void>((resolve) => untrusted.listen(0, '127.0.0.1', resolve));
  untrustedPort = (untrusted.address() as net.AddressInfo).port;
  const host = `127.0.0.1:${upstreamPort}`;
  const other = `127.0.0.1:${untrustedPort}`;
  const broker = createBroker({
    tool: 'mytool',
    credentials: [{ name: 'TEST_API_KEY', hosts: [host, other], placeholder: PLACEHOLDER, value: SECRET, headers: ['authorization', 'proxy-authorization', 'x-api-key'] }],
    ca: runCa,
    trusted: [upstreamCa.certPem],
    onWarning: (m) => warnings.push(m),
  });
  proxy = createEgressProxy({ tool: 'mytool', allow: compileAllowList([host, other]), lookup: async () => [], onDecision: (d) => decisions.push(d), broker });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as net.AddressInfo).port;
});

afterAll(async () => {
  proxy?.close();
  upstream?.close();
  untrusted?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The decision the proxy recorded for this connection. */
  decision: Decision;
}

/** One request through a new CONNECT tunnel, as a tool in the container makes it; `onData` sees each chunk. */
async function viaProxy(method: string, path: string, headers: Record<string, string> = {}, onData?: (soFar: string) => void, port = upstreamPort): Promise<Answer> {
  const before = decisions.length;
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `127.0.0.1:${port}` }).on('connect', (res, s) => (res.statusCode === 200 ? resolve(s) : reject(new Error(`CONNECT ${res.statusCode}`)))).on('error', reject).end();
  });
  const answer = await new Promise<Omit<Answer, 'decision'>>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path, headers, createConnection: () => tls.connect({ socket, host: '127.0.0.1', ca: runCa.certPem }) }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => {
        body += d;
        onData?.(body);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject).end();
  });
  socket.destroy();
  await expect.poll(() => decisions.length).toBeGreaterThan(before);
  return { ...answer, decision: decisions.at(-1)! };
}

const bearer = { authorization: `Bearer ${PLACEHOLDER}` };

describe('the broker swaps the placeholder only where a credential belongs', () => {
  it('Origin and other headers carry the placeholder; Authorization and x-api-key the real value (control)', async () => {
    const a = await viaProxy('GET', '/cors', { ...bearer, 'x-api-key': PLACEHOLDER, origin: `https://${PLACEHOLDER}.example`, 'x-custom': PLACEHOLDER });
    const got = seen.at(-1)!.headers;
    expect(got.authorization).toBe(`Bearer ${SECRET}`);
    expect(got['x-api-key']).toBe(SECRET);
    expect(got.origin).toBe(`https://${PLACEHOLDER}.example`);
    expect(got['x-custom']).toBe(PLACEHOLDER);
    expect(a.headers['access-control-allow-origin']).toBe(`https://${PLACEHOLDER}.example`);
    expect(a.decision).toMatchObject({ action: 'allow', credentials: ['TEST_API_KEY'] });
    expect(warnings.join('\n')).toContain('sent the placeholder of TEST_API_KEY in the header origin, where shim does not put credentials');
    expect(warnings.join('\n')).not.toContain(SECRET);
  });
});

describe('the real value never comes back to the tool', () => {
  it('a response header echoing Authorization is masked, and counted', async () => {
    const a = await viaProxy('GET', '/cors', bearer);
    // control: the upstream got the real value and sent it back
    expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(a.headers['x-echo-auth']).toBe(`Bearer ${'*'.repeat(SECRET.length)}`);
    expect(a.decision.redactions).toBe(1);
  });

  it('an error body quoting the request headers is masked, with its length kept', async () => {
    const a = await viaProxy('GET', '/error', { ...bearer, 'x-api-key': PLACEHOLDER });
    expect(a.status).toBe(400);
    expect(a.body).not.toContain(SECRET);
    const received = (JSON.parse(a.body) as { received: Record<string, string> }).received;
    expect(received.authorization).toBe(`Bearer ${'*'.repeat(SECRET.length)}`);
    expect(received['x-api-key']).toBe('*'.repeat(SECRET.length));
    expect(Number(a.headers['content-length'])).toBe(Buffer.byteLength(a.body, 'latin1'));
    expect(a.decision.redactions).toBe(2);
  });

  it('a value cut across two chunks is held back until it can be checked, then masked; the rest flows at once', async () => {
    const chunks: string[] = [];
    let released = false;
    const a = await viaProxy('GET', '/split', bearer, (soFar) => {
      chunks.push(soFar);
      // the first line reached the tool before the rest was even sent: only the possible start of the value waits
      if (!released && soFar.includes('first line\n')) {
        released = true;
        expect(soFar).not.toContain(SECRET.slice(0, Math.floor(SECRET.length / 2)));
        sendRest();
      }
    });
    expect(released).toBe(true);
    expect(a.body).toBe(`first line\nkey=${'*'.repeat(SECRET.length)}\nlast line\n`);
    expect(a.decision.redactions).toBe(1);
  });

  it('base64 (any alignment, either alphabet), percent-encoded and hex echoes are masked; other lines are untouched', async () => {
    const a = await viaProxy('GET', '/encoded', bearer);
    const lines = a.body.split('\n');
    expect(lines.at(-1)).toBe('plain line');
    // control: each encoded line decodes to the real value when not masked
    const basic = Buffer.from(`user:${SECRET}`).toString('base64');
    expect(lines[0]).not.toBe(`basic=${basic}`);
    expect(lines[0]!.startsWith('basic=')).toBe(true);
    expect(Buffer.from(lines[0]!.slice(6), 'base64').toString('latin1')).not.toContain(SECRET.slice(0, 12));
    expect(lines[1]).not.toContain(Buffer.from(`xx${SECRET}`).toString('base64url').slice(4, 20));
    expect(lines[2]).toBe(`url=${'*'.repeat(encodeURIComponent(SECRET).length)}${encodeURIComponent('/&')}`);
    expect(lines[3]).toBe(`hex=${'*'.repeat(SECRET.length * 2)}`);
    expect(a.decision.redactions).toBe(4);
  });

  it('a compressed answer is decoded and masked (shim asked for identity; the tool gets identity)', async () => {
    const a = await viaProxy('GET', '/gzip', { ...bearer, 'accept-encoding': 'gzip, br' });
    expect(seen.at(-1)!.headers['accept-encoding']).toBe('identity');
    expect(a.headers['content-encoding']).toBeUndefined();
    expect(a.body).toBe(`compressed: Bearer ${'*'.repeat(SECRET.length)}\n`);
    expect(a.decision.redactions).toBe(1);
  });

  it('an answer in an encoding shim cannot read is withheld', async () => {
    const a = await viaProxy('GET', '/compress', bearer);
    expect(a.status).toBe(502);
    expect(a.body).toContain('Content-Encoding "compress", which shim cannot search');
    expect(a.body).not.toContain(SECRET);
    // control: the upstream did send the real value in that answer
    expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(decisions.slice(-2)).toContainEqual(expect.objectContaining({ action: 'deny', reason: '127.0.0.1 receives brokered credentials: withheld an answer in Content-Encoding "compress" (shim cannot search it)' }));
  });

  it('a clean answer passes unchanged and counts nothing (control)', async () => {
    const a = await viaProxy('GET', '/hello', bearer);
    expect(a.body).toBe('hello GET\n');
    expect(a.decision.redactions).toBeUndefined();
  });
});

describe('TRACE and TRACK to a bound host', () => {
  it('are refused before they reach it, and recorded as refusals; a GET on the same tunnel path goes through (control)', async () => {
    for (const method of ['TRACE']) {
      const count = seen.length;
      const a = await viaProxy(method, '/', bearer);
      expect(a.status).toBe(405);
      expect(a.body).toContain(`${method} to 127.0.0.1 is refused`);
      expect(seen.length).toBe(count);
      expect(decisions.slice(-2)).toContainEqual(expect.objectContaining({ action: 'deny', reason: `127.0.0.1 receives brokered credentials: refused ${method} (it echoes the request)` }));
    }
    const g = await viaProxy('GET', '/', bearer);
    expect(g.body).toBe('hello GET\n');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', headers: { authorization: `Bearer ${SECRET}` } });
  });

  it('TRACK never opens a connection to the upstream; a GET does (control)', async () => {
    const before = upstreamConnections;
    const t = await viaProxy('TRACK', '/', bearer);
    expect(t.status).toBe(400);
    expect(upstreamConnections).toBe(before);
    await viaProxy('GET', '/', bearer);
    expect(upstreamConnections).toBe(before + 1);
  });
});

describe('a bound host that cannot be reached', () => {
  it('TLS to it fails: the tool gets a 502 and the connection is recorded as a "tls" failure, not "allow" (control: the trusted host is "allow")', async () => {
    const a = await viaProxy('GET', '/hello', bearer, undefined, untrustedPort);
    expect(a.status).toBe(502);
    expect(a.decision).toMatchObject({ action: 'fail', failure: 'tls' });
    const ok = await viaProxy('GET', '/hello', bearer);
    expect(ok.decision).toMatchObject({ action: 'allow' });
  });
});
