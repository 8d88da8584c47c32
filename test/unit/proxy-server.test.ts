// The egress proxy in-process: a fake resolver decides what names resolve to, and `dial` ignores the
// vetted address (recording it) and connects to a local upstream instead, so every outcome is observed
// without leaving 127.0.0.1. Each refusal has an allowed request through the same proxy as its control.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileAllowList } from '../../src/plan/allow-list.js';
import { createEgressProxy, type Decision, type ResolvedAddress } from '../../src/proxy/server.js';

const TOOL = 'mytool';
const PUBLIC = '203.0.113.7';

const ALLOW = [
  'example.com',
  '*.example.org',
  'plain.test',
  '203.0.113.10',
  'loopback.test',
  'private.test',
  'metadata.test',
  'mapped.test',
  'mixed.test',
  'two.test',
  'hang.test',
  'fails.test',
  'empty.test',
  'refused.test',
];

// what the fake resolver answers; names not here resolve to PUBLIC
const ANSWERS: Record<string, string[]> = {
  'loopback.test': ['127.0.0.1'],
  'private.test': ['10.0.0.5'],
  'metadata.test': ['169.254.169.254'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'mixed.test': [PUBLIC, '10.0.0.1'],
  'two.test': [PUBLIC, '203.0.113.8'],
  'empty.test': [],
};

// everything opened by a test, closed in afterEach
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

function track<T extends net.Server>(server: T): T {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return server;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A TCP upstream that answers every chunk with "echo:" + the chunk, and keeps what it received. */
async function startEchoUpstream(): Promise<{ port: number; received: () => string }> {
  let received = '';
  const server = track(
    net.createServer((s) => {
      s.on('error', () => {});
      s.on('data', (d) => {
        received += d.toString();
        s.write(`echo:${d.toString()}`);
      });
    }),
  );
  return { port: await listen(server), received: () => received };
}

/** An HTTP upstream that records the requests it gets. */
async function startHttpUpstream(): Promise<{ port: number; requests: http.IncomingMessage[] }> {
  const requests: http.IncomingMessage[] = [];
  const server = track(
    http.createServer((req, res) => {
      requests.push(req);
      req.resume();
      req.on('end', () => res.end(`hello from upstream ${req.url}`));
    }),
  );
  return { port: await listen(server), requests };
}

interface Proxy {
  port: number;
  lookup: ReturnType<typeof vi.fn<(host: string) => Promise<ResolvedAddress[]>>>;
  dial: ReturnType<typeof vi.fn<(address: string, port: number) => net.Socket>>;
  decisions: Decision[];
}

/** Starts the proxy; `dial` connects to `upstream` (a port on 127.0.0.1, or a Unix socket path)
 *  whatever address it is given. */
async function startProxy(upstream: number | string, allow: string[] = ALLOW): Promise<Proxy> {
  const decisions: Decision[] = [];
  const lookup = vi.fn(async (host: string): Promise<ResolvedAddress[]> => {
    if (host === 'hang.test') return new Promise<never>(() => {});
    if (host === 'fails.test') throw new Error('ENOTFOUND fails.test');
    return (ANSWERS[host] ?? [PUBLIC]).map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  });
  const dial = vi.fn((_address: string, _port: number) => (typeof upstream === 'string' ? net.connect({ path: upstream }) : net.connect({ host: '127.0.0.1', port: upstream })));
  const server = track(
    createEgressProxy({ tool: TOOL, allow: compileAllowList(allow), lookup, dial, onDecision: (d) => decisions.push(d), lookupTimeoutMs: 100 }),
  );
  return { port: await listen(server), lookup, dial, decisions };
}

/** A raw client socket to the proxy (tracked for cleanup). */
function connectTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    sockets.add(s);
    s.on('error', reject);
  });
}

/** Sends raw bytes and collects everything the proxy answers until it closes the connection. */
async function rawExchange(port: number, bytes: string): Promise<string> {
  const s = await connectTo(port);
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    s.write(bytes);
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1]);
const bodyOf = (response: string) => response.slice(response.indexOf('\r\n\r\n') + 4);
const connectRequest = (target: string) => `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`;

/** Sends CONNECT and resolves with the socket and the proxy's response head, once the head is complete. */
async function openTunnel(port: number, target: string, extra = ''): Promise<{ socket: net.Socket; head: string; rest: () => string }> {
  const socket = await connectTo(port);
  return new Promise((resolve, reject) => {
    let buffered = '';
    let resolved = false;
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (!resolved && end >= 0) {
        resolved = true;
        const head = buffered.slice(0, end + 4);
        resolve({ socket, head, rest: () => buffered.slice(end + 4) });
      }
    });
    socket.on('close', () => {
      if (!resolved) reject(new Error(`proxy closed before answering: ${JSON.stringify(buffered)}`));
    });
    socket.write(connectRequest(target) + extra);
  });
}

/** A plain-HTTP request through the proxy (absolute-form path), with a fresh connection. */
function proxyGet(port: number, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CONNECT to an allowed host', () => {
  let echo: Awaited<ReturnType<typeof startEchoUpstream>>;
  let proxy: Proxy;
  beforeEach(async () => {
    echo = await startEchoUpstream();
    proxy = await startProxy(echo.port);
  });

  it('answers 200 and tunnels bytes both ways, then records the decision', async () => {
    const { socket, head } = await openTunnel(proxy.port, 'example.com:443');
    expect(head).toBe('HTTP/1.1 200 Connection Established\r\n\r\n');
    const reply = new Promise<string>((resolve) => socket.once('data', (d) => resolve(d.toString())));
    socket.write('ping');
    expect(await reply).toBe('echo:ping');
    expect(echo.received()).toBe('ping');
    // the decision is recorded when the tunnel closes, not before
    expect(proxy.decisions).toEqual([]);
    socket.destroy();
    await vi.waitFor(() => expect(proxy.decisions).toHaveLength(1));
    const d = proxy.decisions[0]!;
    expect(d).toMatchObject({ method: 'connect', host: 'example.com', port: 443, action: 'allow', address: PUBLIC });
    expect(d.bytesUp).toBeGreaterThan(0);
    expect(d.bytesDown).toBeGreaterThan(0);
    expect(d.reason).toBeUndefined();
  });

  it('forwards bytes sent together with the CONNECT request', async () => {
    const { socket, rest } = await openTunnel(proxy.port, 'example.com:443', 'early');
    await vi.waitFor(() => expect(rest()).toContain('echo:early'));
    expect(echo.received()).toBe('early');
    socket.destroy();
  });

  it('dials the vetted address and port, resolving the name exactly once', async () => {
    const { socket } = await openTunnel(proxy.port, 'two.test:443');
    expect(proxy.lookup).toHaveBeenCalledTimes(1);
    expect(proxy.lookup).toHaveBeenCalledWith('two.test');
    expect(proxy.dial).toHaveBeenCalledTimes(1);
    expect(proxy.dial).toHaveBeenCalledWith(PUBLIC, 443);
    socket.destroy();
  });

  it('allows a name under a wildcard entry', async () => {
    const { head, socket } = await openTunnel(proxy.port, 'a.example.org:443');
    expect(statusOf(head)).toBe(200);
    socket.destroy();
  });

  it('dials a listed IP literal exactly as written, without a lookup', async () => {
    const { head, socket } = await openTunnel(proxy.port, '203.0.113.10:443');
    expect(statusOf(head)).toBe(200);
    expect(proxy.dial).toHaveBeenCalledWith('203.0.113.10', 443);
    expect(proxy.lookup).not.toHaveBeenCalled();
    socket.destroy();
  });
});

describe('CONNECT refused by the allow-list', () => {
  let proxy: Proxy;
  beforeEach(async () => {
    proxy = await startProxy((await startEchoUpstream()).port);
  });

  it('refuses a name not in the list with 403 naming host and tool, without resolving it', async () => {
    const response = await rawExchange(proxy.port, connectRequest('nothere.test:443'));
    expect(statusOf(response)).toBe(403);
    expect(bodyOf(response)).toContain('nothere.test:443');
    expect(bodyOf(response)).toContain(TOOL);
    expect(proxy.lookup).not.toHaveBeenCalled();
    expect(proxy.dial).not.toHaveBeenCalled();
    expect(proxy.decisions).toEqual([expect.objectContaining({ method: 'connect', host: 'nothere.test', port: 443, action: 'deny' })]);
  });

  it('resolves an allowed name (control: the lookup above was skipped because of the list)', async () => {
    const { head, socket } = await openTunnel(proxy.port, 'example.com:443');
    expect(statusOf(head)).toBe(200);
    expect(proxy.lookup).toHaveBeenCalledWith('example.com');
    socket.destroy();
  });

  it('refuses evilexample.org when only *.example.org is listed', async () => {
    const response = await rawExchange(proxy.port, connectRequest('evilexample.org:443'));
    expect(statusOf(response)).toBe(403);
    expect(proxy.lookup).not.toHaveBeenCalled();
  });

  it('refuses a port other than 443 for an entry without a port, saying how to list it', async () => {
    const response = await rawExchange(proxy.port, connectRequest('example.com:22'));
    expect(statusOf(response)).toBe(403);
    expect(bodyOf(response)).toContain('"example.com:22"');
    expect(proxy.lookup).not.toHaveBeenCalled();
  });

  it('refuses an IP literal that is not listed', async () => {
    const response = await rawExchange(proxy.port, connectRequest('203.0.113.9:443'));
    expect(statusOf(response)).toBe(403);
    expect(bodyOf(response)).toContain('IP addresses are refused unless listed');
    expect(proxy.lookup).not.toHaveBeenCalled();
    expect(proxy.dial).not.toHaveBeenCalled();
  });

  it('refuses everything with an empty list', async () => {
    const empty = await startProxy((await startEchoUpstream()).port, []);
    const response = await rawExchange(empty.port, connectRequest('example.com:443'));
    expect(statusOf(response)).toBe(403);
    expect(empty.lookup).not.toHaveBeenCalled();
  });
});

describe('CONNECT to an allowed name that resolves to a forbidden address', () => {
  let proxy: Proxy;
  beforeEach(async () => {
    proxy = await startProxy((await startEchoUpstream()).port);
  });

  it.each([
    ['loopback.test', '127.0.0.1', 'loopback'],
    ['private.test', '10.0.0.5', 'private (RFC 1918)'],
    ['metadata.test', '169.254.169.254', 'link-local'],
    ['mapped.test', '::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    // one bad address among good ones refuses the name
    ['mixed.test', '10.0.0.1', 'private (RFC 1918)'],
  ])('refuses %s (resolves to %s) with 403 and never dials', async (name, address, reason) => {
    const response = await rawExchange(proxy.port, connectRequest(`${name}:443`));
    expect(statusOf(response)).toBe(403);
    expect(bodyOf(response)).toContain(`resolves to ${address} (${reason}`);
    expect(proxy.lookup).toHaveBeenCalledWith(name);
    expect(proxy.dial).not.toHaveBeenCalled();
    expect(proxy.decisions).toEqual([expect.objectContaining({ host: name, action: 'deny', reason: expect.stringContaining(address) })]);
  });

  it('dials a name resolving only to public addresses (control)', async () => {
    const { head, socket } = await openTunnel(proxy.port, 'example.com:443');
    expect(statusOf(head)).toBe(200);
    expect(proxy.dial).toHaveBeenCalledWith(PUBLIC, 443);
    socket.destroy();
  });
});

describe('CONNECT with a target that does not parse', () => {
  let proxy: Proxy;
  beforeEach(async () => {
    proxy = await startProxy((await startEchoUpstream()).port);
  });

  // raw bytes, since http clients refuse to send most of these; Node's own parser may answer 400
  // before the proxy sees the request, which is just as good
  it.each([
    ['a space', 'CONNECT a b:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['userinfo', 'CONNECT x@example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['percent-encoding', 'CONNECT %65xample.com:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['no port', 'CONNECT example.com HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['port 0', 'CONNECT example.com:0 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['unbracketed IPv6', 'CONNECT ::1:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a NUL byte', 'CONNECT example.com\0.evil:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a numeric host', 'CONNECT 127.1:443 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('answers 400 for %s, without resolving or dialling', async (_what, bytes) => {
    const response = await rawExchange(proxy.port, bytes);
    expect(statusOf(response)).toBe(400);
    expect(proxy.lookup).not.toHaveBeenCalled();
    expect(proxy.dial).not.toHaveBeenCalled();
  });

  it('answers 200 for the same framing with a good target (control)', async () => {
    const socket = await connectTo(proxy.port);
    const head = await new Promise<string>((resolve) => {
      socket.once('data', (d) => resolve(d.toString('latin1')));
      socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(statusOf(head)).toBe(200);
  });

  it('records a sanitised excerpt of the bad target', async () => {
    await rawExchange(proxy.port, connectRequest('x@example.com:443'));
    expect(proxy.decisions).toEqual([expect.objectContaining({ method: 'connect', host: 'x@example.com:443', port: 0, action: 'deny', reason: 'forbidden character "@"' })]);
  });
});

describe('CONNECT when resolution or the connection fails', () => {
  it('answers 502 when the lookup never resolves (after lookupTimeoutMs)', async () => {
    const proxy = await startProxy((await startEchoUpstream()).port);
    const response = await rawExchange(proxy.port, connectRequest('hang.test:443'));
    expect(statusOf(response)).toBe(502);
    expect(bodyOf(response)).toContain('lookup timed out');
    expect(proxy.dial).not.toHaveBeenCalled();
    expect(proxy.decisions).toEqual([expect.objectContaining({ host: 'hang.test', action: 'fail', failure: 'resolve' })]);
  });

  it('answers 502 when the lookup fails or finds no address', async () => {
    const proxy = await startProxy((await startEchoUpstream()).port);
    const failed = await rawExchange(proxy.port, connectRequest('fails.test:443'));
    expect(statusOf(failed)).toBe(502);
    expect(bodyOf(failed)).toContain('may reach fails.test:443, but the name does not resolve (ENOTFOUND fails.test): a DNS or network problem on this machine, not the allow-list');
    const empty = await rawExchange(proxy.port, connectRequest('empty.test:443'));
    expect(statusOf(empty)).toBe(502);
    expect(bodyOf(empty)).toContain('empty.test:443, but the name has no address');
    expect(proxy.dial).not.toHaveBeenCalled();
    // allowed, then not reachable: recorded as a failure, not as "allow" (nor as a refusal)
    expect(proxy.decisions).toEqual([
      expect.objectContaining({ host: 'fails.test', action: 'fail', failure: 'resolve', reason: expect.stringContaining('does not resolve') }),
      expect.objectContaining({ host: 'empty.test', action: 'fail', failure: 'resolve' }),
    ]);
    // control: a name that resolves, through the same proxy, is an "allow"
    const ok = await connectTo(proxy.port);
    ok.write(connectRequest('example.com:443'));
    expect(String(await new Promise((resolve) => ok.once('data', resolve)))).toMatch(/^HTTP\/1\.1 200 /);
    ok.destroy();
    await vi.waitFor(() => expect(proxy.decisions.at(-1)).toMatchObject({ host: 'example.com', action: 'allow' }));
  });

  it('answers 502 when the upstream refuses the connection, and records a failure', async () => {
    // nothing listens on a path in a new empty directory (a just-closed TCP port may be taken again)
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-proxy-test-'));
    const proxy = await startProxy(path.join(empty, 'nobody-listens'));
    const response = await rawExchange(proxy.port, connectRequest('refused.test:443'));
    expect(statusOf(response)).toBe(502);
    expect(bodyOf(response)).toContain(`cannot connect to ${PUBLIC}:443`);
    expect(proxy.dial).toHaveBeenCalledTimes(1);
    expect(proxy.decisions).toEqual([expect.objectContaining({ host: 'refused.test', action: 'fail', failure: 'connect', reason: expect.stringContaining('cannot connect') })]);
    fs.rmSync(empty, { recursive: true, force: true });
  });
});

describe('plain HTTP in absolute form', () => {
  let upstream: Awaited<ReturnType<typeof startHttpUpstream>>;
  let proxy: Proxy;
  beforeEach(async () => {
    upstream = await startHttpUpstream();
    proxy = await startProxy(upstream.port);
  });

  it('forwards to an allowed host:80 with the Host header of the target and proxy headers stripped', async () => {
    const res = await proxyGet(proxy.port, 'http://plain.test/path?x=1', {
      host: 'smuggled.test',
      'proxy-authorization': 'Basic c2VjcmV0',
      'proxy-connection': 'keep-alive',
      'x-kept': 'yes',
    });
    expect(res).toEqual({ status: 200, body: 'hello from upstream /path?x=1' });
    expect(upstream.requests).toHaveLength(1);
    const headers = upstream.requests[0]!.headers;
    expect(headers.host).toBe('plain.test');
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers['proxy-connection']).toBeUndefined();
    // an ordinary header goes through (so the absence of the two above is not an accident)
    expect(headers['x-kept']).toBe('yes');
    expect(proxy.lookup).toHaveBeenCalledTimes(1);
    expect(proxy.dial).toHaveBeenCalledWith(PUBLIC, 80);
    await vi.waitFor(() => expect(proxy.decisions).toHaveLength(1));
    expect(proxy.decisions[0]).toMatchObject({ method: 'http', host: 'plain.test', port: 80, action: 'allow', address: PUBLIC });
    expect(proxy.decisions[0]!.bytesDown).toBeGreaterThan(0);
  });

  it('refuses a host not in the list with 403, without resolving it', async () => {
    const res = await proxyGet(proxy.port, 'http://nothere.test/');
    expect(res.status).toBe(403);
    expect(res.body).toContain('nothere.test:80');
    expect(res.body).toContain(TOOL);
    expect(proxy.lookup).not.toHaveBeenCalled();
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a port other than 80 for an entry without a port', async () => {
    const res = await proxyGet(proxy.port, 'http://plain.test:8080/');
    expect(res.status).toBe(403);
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses an allowed name that resolves to a forbidden address', async () => {
    const res = await proxyGet(proxy.port, 'http://loopback.test/');
    expect(res.status).toBe(403);
    expect(res.body).toContain('resolves to 127.0.0.1');
    expect(proxy.dial).not.toHaveBeenCalled();
  });

  it('answers 400 to an origin-form request (a request to the proxy itself)', async () => {
    const res = await proxyGet(proxy.port, '/');
    expect(res.status).toBe(400);
    expect(res.body).toContain('not an absolute-form URL');
    expect(proxy.lookup).not.toHaveBeenCalled();
    expect(upstream.requests).toHaveLength(0);
  });

  it('answers 400 to an https:// URL without CONNECT', async () => {
    const res = await proxyGet(proxy.port, 'https://example.com/');
    expect(res.status).toBe(400);
    expect(res.body).toContain('only http://');
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('one slow client does not hold up the others', () => {
  it('answers a CONNECT while another connection has sent only half a request line', async () => {
    const echo = await startEchoUpstream();
    const proxy = await startProxy(echo.port);
    const slow = await connectTo(proxy.port);
    let slowClosed = false;
    slow.on('close', () => (slowClosed = true));
    slow.write('CONNECT exam');
    const { head, socket } = await openTunnel(proxy.port, 'example.com:443');
    expect(statusOf(head)).toBe(200);
    // the slow client is still waiting, its connection open
    expect(slowClosed).toBe(false);
    expect(slow.destroyed).toBe(false);
    socket.destroy();
    slow.destroy();
  });
});

describe('several vetted addresses', () => {
  it('falls back to the next vetted address when the first does not answer (control: the first answers when it can)', async () => {
    const upstream = await startEchoUpstream();
    // the first address "does not answer": a Unix socket path in a new empty directory, which no other
    // process can be listening on (a just-closed TCP port may be taken again by anything on the machine)
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-proxy-test-'));
    const nobody = path.join(empty, 'nobody-listens');
    const start = async (firstWorks: boolean) => {
      const dialled: string[] = [];
      const decisions: Decision[] = [];
      const dial = (address: string) => {
        dialled.push(address);
        return address === PUBLIC && !firstWorks ? net.connect({ path: nobody }) : net.connect({ host: '127.0.0.1', port: upstream.port });
      };
      const lookup = async (): Promise<ResolvedAddress[]> => [PUBLIC, '203.0.113.8'].map((address) => ({ address, family: 4 }));
      const server = track(createEgressProxy({ tool: TOOL, allow: compileAllowList(['two.test']), lookup, dial, onDecision: (d) => decisions.push(d) }));
      return { port: await listen(server), dialled, decisions };
    };
    const control = await start(true);
    const c = await connectTo(control.port);
    c.write(connectRequest('two.test:443'));
    await new Promise((resolve) => c.once('data', resolve));
    expect(control.dialled).toEqual([PUBLIC]);

    const fallback = await start(false);
    const f = await connectTo(fallback.port);
    f.write(connectRequest('two.test:443'));
    const reply = String(await new Promise((resolve) => f.once('data', resolve)));
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(fallback.dialled).toEqual([PUBLIC, '203.0.113.8']);
    f.destroy();
    await vi.waitFor(() => expect(fallback.decisions).toContainEqual(expect.objectContaining({ action: 'allow', address: '203.0.113.8' })));
    fs.rmSync(empty, { recursive: true, force: true });
  });
});
