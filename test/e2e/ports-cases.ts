// Forwarded ports on a real runtime: a server bound to the container's own 127.0.0.1 (node's http, and
// real vite from npm) is reachable on the host's 127.0.0.1:PORT. A tool with ports and no network
// serves and reaches nothing outside; the same tool with "network": "bridge" reaches out (control), and
// so does the host. Host ports are chosen by the system (":PORT") and read from what shim says.
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainText } from '../../src/session/plain-text.js';
import { waitFor } from './wait-for.js';
import { createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from './harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const SERVE = `serve-${tag}`;
const BRIDGED = `bridged-${tag}`;
const VITE = `vite-${tag}`;
const TOOLS = {
  [SERVE]: { tool: 'npm:cowsay', command: 'node', ports: [':8000'] },
  [BRIDGED]: { tool: 'npm:cowsay', command: 'node', network: 'bridge', ports: [':8000'] },
  [VITE]: { tool: 'npm:vite@6', command: 'vite', mounts: [{ src: '.' }], ports: [':5173'] },
};

// serves on the container's loopback only; /probe tries a TCP connection to argv's host and port
const SERVER = String.raw`
const net = require('node:net');
const [host, port] = process.argv.slice(1);
require('node:http').createServer((req, res) => {
  if (req.url !== '/probe') return res.end('hello from 127.0.0.1 inside');
  const c = net.connect({ host, port: Number(port) }, () => { c.destroy(); res.end('reached'); });
  c.setTimeout(5000, () => { c.destroy(); res.end('blocked: timeout'); });
  c.on('error', (e) => res.end('blocked: ' + e.code));
}).listen(8000, '127.0.0.1', () => console.log('listening'));
`;

/** Starts a serving run; resolves with the host port shim chose once the server inside listens. */
async function serve(run: ResultPromise, ready: RegExp, port: number): Promise<number> {
  let out = '';
  run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  run.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const said = waitFor(run.stderr!, new RegExp(`port ${port} is on http://127\\.0\\.0\\.1:(\\d+)`), () => out);
  // a run that ends first fails the test at once, with what it said
  const ended = run.then((r) => Promise.reject(new Error(`the run ended (exit ${r.exitCode}) before it served: ${out}`)));
  await Promise.race([waitFor(run.stdout!, ready, () => out), ended]);
  return Number((await said)[1]);
}

async function get(port: number, urlPath = '/'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${urlPath}`);
  return res.text();
}

async function stopRun(run: ResultPromise): Promise<void> {
  run.kill('SIGTERM');
  await run;
}

export function definePortCases(flavour: Flavour): void {
  describe(`forwarded ports on ${flavour}`, () => {
    let sb: Sandbox;
    let outside: { host: string; port: number };

    beforeAll(async () => {
      sb = await createSandbox(flavour, TOOLS);
      const r = await sb.run(['shim', 'install', SERVE, BRIDGED, VITE]);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      // a host outside, by address: a refusal is then the missing route, not a missing resolver
      outside = { host: (await dns.lookup('registry.npmjs.org', { family: 4 })).address, port: 443 };
    });
    afterAll(async () => {
      await removeToolVolumes(sb, Object.keys(TOOLS));
      removeSandbox(sb);
    });

    it('reaches a server bound to 127.0.0.1 inside on 127.0.0.1:PORT of the host; with ports and no network it reaches nothing outside', async () => {
      const run = sb.run([SERVE, '-e', SERVER, outside.host, String(outside.port)]);
      try {
        const port = await serve(run, /listening/, 8000);
        expect(await get(port)).toBe('hello from 127.0.0.1 inside');
        // several at once: each is paired with a connector of its own
        expect(await Promise.all(Array.from({ length: 12 }, () => get(port)))).toEqual(Array(12).fill('hello from 127.0.0.1 inside'));
        expect(await get(port, '/probe')).toMatch(/^blocked: E/);
        // control: the host reaches the same address and port
        const fromHost = await new Promise<string>((resolve) => {
          const c = net.connect(outside, () => {
            c.destroy();
            resolve('reached');
          });
          c.on('error', (e) => resolve(`blocked: ${(e as NodeJS.ErrnoException).code}`));
        });
        expect(fromHost).toBe('reached');
      } finally {
        await stopRun(run);
      }
    });

    it('with "network": "bridge" and ports, the server is reachable the same way and reaches out (control)', async () => {
      const run = sb.run([BRIDGED, '-e', SERVER, outside.host, String(outside.port)]);
      try {
        const port = await serve(run, /listening/, 8000);
        expect(await get(port)).toBe('hello from 127.0.0.1 inside');
        expect(await get(port, '/probe')).toBe('reached');
      } finally {
        await stopRun(run);
      }
    });

    it('forwards the ports of a session for as long as it runs, and its start says where', async () => {
      const name = `web-${tag}`;
      const start = await sb.run(['shim', 'run', '-d', '--name', name, SERVE, '-e', SERVER, outside.host, String(outside.port)]);
      try {
        expect(start.exitCode, String(start.stderr)).toBe(0);
        const port = Number(/port 8000 is on http:\/\/127\.0\.0\.1:(\d+)/.exec(String(start.stderr))?.[1]);
        expect(port).toBeGreaterThan(0);
        // the session is up once its container runs; its server may still be starting
        for (let i = 0; i < 100 && !String((await sb.run(['shim', 'logs', name])).stdout).includes('listening'); i++) await new Promise((r) => setTimeout(r, 100));
        expect(await get(port)).toBe('hello from 127.0.0.1 inside');
        expect(await get(port, '/probe')).toMatch(/^blocked: E/);
        // shim ps says where it serves, long after the start's message scrolled away
        const listed = JSON.parse(String((await sb.run(['shim', 'ps', '--json'])).stdout)) as { sessions: { name: string; ports: unknown }[] };
        expect(listed.sessions.find((s) => s.name === name)?.ports).toEqual([{ container: 8000, url: `http://127.0.0.1:${port}` }]);
        expect(String((await sb.run(['shim', 'ps'])).stdout)).toMatch(new RegExp(`^${name} .* 127\\.0\\.0\\.1:${port}->8000 `, 'm'));
      } finally {
        await sb.run(['shim', 'stop', name]);
      }
      // control: an ended session serves nothing, and ps says so
      const ended = JSON.parse(String((await sb.run(['shim', 'ps', '--json'])).stdout)) as { sessions: { name: string; state: string; ports: unknown }[] };
      expect(ended.sessions.find((s) => s.name === name)).toMatchObject({ state: 'exited', ports: [] });
    });

    it('serves plain `vite` (it binds localhost inside) on the host, and vite shows no container address', async () => {
      fs.writeFileSync(path.join(sb.project, 'index.html'), '<!doctype html><h1>vite-through-shim</h1>\n');
      if (flavour === 'rootless') fs.chownSync(path.join(sb.project, 'index.html'), sb.uid, sb.uid);
      const run = sb.run([VITE]);
      let out = '';
      run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        // vite colours its words when CI is set: "\x1b[1mLocal\x1b[22m:"
        const port = await serve(run, /Local/, 5173);
        expect(await get(port)).toContain('vite-through-shim');
        expect(await get(port, '/@vite/client')).toContain('HMRContext');
        expect(plainText(out)).toContain('Network: use --host to expose');
        expect(plainText(out)).not.toMatch(/Network:\s+http/);
      } finally {
        await stopRun(run);
        fs.rmSync(path.join(sb.project, 'index.html'));
      }
    });
  });
}
