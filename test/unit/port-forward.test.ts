// The host end of port forwarding with real sockets: a client on the host address is paired with a
// connector waiting on the Unix socket, which is told the container port first; a client that comes
// while no connector waits is held until one does; a host port in use is a clear error and leaves
// nothing behind. The in-container end is played by the test (the real one runs in test/e2e/ports-*).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { boundUrl, formatSessionPorts, planPortForward } from '../../src/plan/port-forward.js';
import { startPortForward, type RunningPortForward } from '../../src/runtime/port-forward.js';
import { RuntimeError } from '../../src/errors.js';

const running: RunningPortForward[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.stop();
});

const base = () => fs.mkdtempSync(path.join(os.tmpdir(), 'shim-pf-'));
const planIn = (dir: string, forwards: { hostIp: string; hostPort: number; containerPort: number }[]) =>
  planPortForward({ env: { XDG_RUNTIME_DIR: dir }, uid: 1 }, `r${Math.random().toString(36).slice(2, 8)}`, forwards);

/** A connector as the container's forwarder behaves: waits, reads the port line, then answers with
 *  the port and what the client sent once the client is done sending. */
function connector(socketPath: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ path: socketPath, allowHalfOpen: true });
    let got = '';
    s.on('data', (d) => {
      const before = got.includes('\n');
      got += d.toString();
      if (!before && got.includes('\n')) resolve(got.slice(0, got.indexOf('\n')));
    });
    s.on('end', () => {
      const nl = got.indexOf('\n');
      s.end(`port ${got.slice(0, nl)} got ${JSON.stringify(got.slice(nl + 1))}`);
    });
  });
}

function request(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.end(text));
    let got = '';
    c.on('data', (d) => (got += d.toString()));
    c.on('close', () => resolve(got));
    c.on('error', reject);
  });
}

describe('startPortForward', () => {
  it('pairs a client with a waiting connector, which is told the container port; holds a client until one waits', async () => {
    const dir = base();
    const plan = planIn(dir, [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 5173 }]);
    const fwd = await startPortForward(plan);
    running.push(fwd);
    expect(fs.statSync(plan.socketDir).mode & 0o777).toBe(0o700);
    const port = fwd.bound[0]!.boundPort;
    expect(port).toBeGreaterThan(0);
    // no connector yet: the client is held, then served by the first that comes
    const answer = request(port, 'GET / HTTP/1.0\r\n\r\n');
    await new Promise((r) => setImmediate(r));
    const told = connector(plan.socketPath);
    expect(await told).toBe('5173');
    expect(await answer).toBe('port 5173 got "GET / HTTP/1.0\\r\\n\\r\\n"');
    // a connector already waiting serves the next client
    const waiting = connector(plan.socketPath);
    expect(await request(port, 'again')).toBe('port 5173 got "again"');
    expect(await waiting).toBe('5173');
    fwd.stop();
    expect(fs.existsSync(plan.socketDir)).toBe(false);
  });

  it('a host port in use is a RuntimeError naming it, and nothing is left behind', async () => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const held = (holder.address() as net.AddressInfo).port;
    try {
      const plan = planIn(base(), [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80 }, { hostIp: '127.0.0.1', hostPort: held, containerPort: 81 }]);
      const err = await startPortForward(plan).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RuntimeError);
      expect((err as RuntimeError).message).toBe(`cannot forward port 81: 127.0.0.1:${held} is already in use on the host`);
      expect(fs.existsSync(plan.socketDir)).toBe(false);
      // control: the same plan without the held port starts
      const ok = await startPortForward({ ...plan, forwards: plan.forwards.slice(0, 1) });
      running.push(ok);
      expect(ok.bound).toHaveLength(1);
    } finally {
      holder.close();
    }
  });
});

describe('where a forwarded port is, as shim ps shows it', () => {
  it('a URL a browser takes (IPv6 in brackets), and docker-like cells; "-" without ports', () => {
    expect(boundUrl({ hostIp: '127.0.0.1', hostPort: 0, containerPort: 8000, boundPort: 41234 })).toBe('http://127.0.0.1:41234');
    expect(boundUrl({ hostIp: '::1', hostPort: 5173, containerPort: 5173, boundPort: 5173 })).toBe('http://[::1]:5173');
    expect(formatSessionPorts([{ container: 8000, url: 'http://127.0.0.1:41234' }, { container: 5173, url: 'http://[::1]:5173' }])).toBe('127.0.0.1:41234->8000,[::1]:5173->5173');
    expect(formatSessionPorts([])).toBe('-');
  });
});
