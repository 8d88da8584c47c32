// Runs a run's port forwarding (plan/port-forward.ts) while the container runs: listens on each host
// address and on the Unix socket the container's connectors wait on, and pairs each client with a
// waiting connector, telling it the container port. Bytes are relayed, never read: what comes from the
// container goes to the client as a published port's would. Decides nothing.
import fs from 'node:fs';
import net from 'node:net';
import { formatHostAddress, type BoundPort, type PortForward, type PortForwardPlan } from '../plan/port-forward.js';
import { RuntimeError } from '../errors.js';

/** Connectors held waiting at once (the container runs 4; more would only be the tool's). */
const MAX_WAITING = 16;
/** Clients held while no connector waits (the container's end is gone, or starting its next one). */
const MAX_PENDING = 64;

export interface RunningPortForward {
  bound: BoundPort[];
  /** Stops listening, closes every connection and removes the socket's directory. */
  stop(): void;
}

function listenError(f: PortForward, e: NodeJS.ErrnoException): RuntimeError {
  const address = formatHostAddress(f.hostIp, f.hostPort);
  if (e.code === 'EADDRINUSE') {
    return new RuntimeError(
      `cannot forward port ${f.containerPort}: ${address} is already in use on the host`,
      `stop what listens there (ss -ltnp 'sport = :${f.hostPort}' names it), or map another host port: "${f.hostPort + 1}:${f.containerPort}" (or ":${f.containerPort}" for any free one)`,
    );
  }
  if (e.code === 'EADDRNOTAVAIL') return new RuntimeError(`cannot forward port ${f.containerPort}: ${f.hostIp} is not an address of this host`, 'use 127.0.0.1 (the default) or an address the host has');
  if (e.code === 'EACCES') return new RuntimeError(`cannot forward port ${f.containerPort}: ${address} needs privileges on the host`, `map a host port above 1023: "${f.containerPort + 8000}:${f.containerPort}"`);
  return new RuntimeError(`cannot forward port ${f.containerPort} on ${address}: ${e.message}`);
}

async function listen(server: net.Server, options: net.ListenOptions | string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
}

/** Relays between a client and a connector until either ends; an error on one ends both. */
function relay(client: net.Socket, connector: net.Socket): void {
  const end = () => {
    client.destroy();
    connector.destroy();
  };
  client.on('error', end).on('close', end);
  connector.on('error', end).on('close', end);
  client.pipe(connector);
  connector.pipe(client);
  client.resume();
}

/** Creates the socket's directory (0700, must not exist), listens on its socket and on every host
 *  address; rejects with a RuntimeError naming the address when one cannot be had (nothing is left). */
export async function startPortForward(plan: PortForwardPlan): Promise<RunningPortForward> {
  try {
    fs.mkdirSync(plan.socketDir, { mode: 0o700 });
  } catch (e) {
    throw new RuntimeError(`cannot create the port forwarding's directory ${plan.socketDir}: ${(e as Error).message}`, 'check that its parent exists and is writable (XDG_RUNTIME_DIR or /tmp)');
  }
  const waiting: net.Socket[] = [];
  const pending: { client: net.Socket; port: number }[] = [];
  const open = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  };
  const pair = () => {
    while (waiting.length && pending.length) {
      const connector = waiting.shift()!;
      const { client, port } = pending.shift()!;
      connector.off('end', connector.destroy);
      connector.write(`${port}\n`);
      relay(client, connector);
    }
  };
  // a connector of the container waits here; beyond a few, they are the tool's and are refused
  const connectors = net.createServer({ allowHalfOpen: true }, (socket) => {
    track(socket);
    socket.on('error', () => {});
    if (waiting.length >= MAX_WAITING) return void socket.destroy();
    waiting.push(socket);
    // a waiting connector that hangs up its side (half-open sockets never 'close' by themselves) would
    // keep its place and be paired with a client for nothing: it goes at once
    socket.once('end', socket.destroy);
    socket.once('close', () => {
      const i = waiting.indexOf(socket);
      if (i >= 0) waiting.splice(i, 1);
    });
    pair();
  });
  const servers: net.Server[] = [connectors];
  const stop = () => {
    for (const s of servers) s.close();
    for (const s of open) s.destroy();
    fs.rmSync(plan.socketDir, { recursive: true, force: true });
  };
  const bound: BoundPort[] = [];
  try {
    await listen(connectors, plan.socketPath);
    for (const f of plan.forwards) {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
        track(client);
        client.on('error', () => {});
        if (pending.length >= MAX_PENDING) return void client.destroy();
        const entry = { client, port: f.containerPort };
        pending.push(entry);
        client.once('close', () => {
          const i = pending.indexOf(entry);
          if (i >= 0) pending.splice(i, 1);
        });
        pair();
      });
      servers.push(server);
      try {
        await listen(server, { host: f.hostIp, port: f.hostPort, ipv6Only: f.hostIp.includes(':') });
      } catch (e) {
        throw listenError(f, e as NodeJS.ErrnoException);
      }
      bound.push({ ...f, boundPort: (server.address() as net.AddressInfo).port });
    }
  } catch (e) {
    stop();
    throw e;
  }
  for (const s of servers) s.unref();
  return { bound, stop };
}
