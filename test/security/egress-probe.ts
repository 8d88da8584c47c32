// The network probe the egress tests run inside containers (written into the project as probe.cjs and
// run with the image's node). Each probe prints one JSON line, so a probe that could not even run
// (no JSON) fails the test instead of looking like a refusal. Also: finding a run's proxy from the host.
import fs from 'node:fs';

export const PROBE_SCRIPT = String.raw`
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');
const fs = require('node:fs');
const [kind, a, b] = process.argv.slice(2);
const out = (v) => { console.log(JSON.stringify(v)); process.exit(0); };
setTimeout(() => out({ error: 'timeout' }), 5000);

// a DNS query for registry.npmjs.org, type A, class IN
const query = Buffer.from('abcd01000001000000000000' + '087265676973747279056e706d6a73036f726700' + '00010001', 'hex');

if (kind === 'connect') {
  // CONNECT through the in-container forwarder; after a 200, read what the far end says first
  const s = net.connect(3128, '127.0.0.1', () => s.write('CONNECT ' + a + ' HTTP/1.1\r\nHost: ' + a + '\r\n\r\n'));
  let buf = '';
  s.on('data', (d) => {
    buf += d;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const status = Number(buf.split(' ')[1]);
    const rest = buf.slice(end + 4);
    if (status !== 200) return out({ status, body: rest.trim() });
    if (rest) return out({ status, banner: rest.trim() });
    if (b === 'tls') return out({ status });
  });
  s.on('error', (e) => out({ error: e.code }));
} else if (kind === 'tcp') {
  const s = net.connect({ host: a, port: Number(b) }, () => { s.destroy(); out({ ok: true }); });
  s.on('error', (e) => out({ error: e.code }));
} else if (kind === 'udp') {
  const s = dgram.createSocket(net.isIPv6(a) ? 'udp6' : 'udp4');
  s.on('message', () => out({ ok: true }));
  s.on('error', (e) => out({ error: e.code }));
  s.send(query, 53, a, (e) => e && out({ error: e.code }));
} else if (kind === 'resolve') {
  dns.lookup(a, (e, address) => out(e ? { error: e.code } : { ok: true, address }));
} else if (kind === 'ifaces') {
  out({ ifaces: fs.readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort() });
} else if (kind === 'v6-loopback') {
  // the positive control for IPv6: the same connect code works over ::1 inside the container
  const srv = net.createServer((c) => c.end()).listen(0, '::1', () => {
    const s = net.connect({ host: '::1', port: srv.address().port }, () => { s.destroy(); out({ ok: true }); });
    s.on('error', (e) => out({ error: e.code }));
  });
  srv.on('error', (e) => out({ error: e.code }));
} else if (kind === 'fetch') {
  fetch(a).then((r) => out({ status: r.status }), (e) => out({ error: (e.cause && e.cause.code) || e.message }));
} else {
  out({ error: 'unknown probe ' + kind });
}
`;

export interface ProbeResult {
  ok?: boolean;
  status?: number;
  body?: string;
  banner?: string;
  error?: string;
  address?: string;
  ifaces?: string[];
}

/** The probe's JSON line from a run's stdout; throws (failing the test) when there is none. */
export function probeResult(stdout: unknown, stderr: unknown): ProbeResult {
  const line = String(stdout).trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`the probe printed nothing.\nstdout: ${String(stdout)}\nstderr: ${String(stderr)}`);
  return JSON.parse(line) as ProbeResult;
}

/** The run's egress socket directory, from the "run command:" line SHIM_DEBUG prints (a first run
 *  also prints the install's, which is gone by the time the tool runs). */
export function runProxyDir(stderr: string): string | undefined {
  return /run command: .*?src=(\/[^,]*shim-egress-[^,]+),dst=\/run\/shim/.exec(stderr)?.[1];
}

/** PIDs of proxy processes serving that directory. */
export function proxyProcesses(dir: string): string[] {
  return fs.readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.includes('proxy.mjs') && cmd.includes(dir);
    } catch {
      return false; // the process ended while we looked
    }
  });
}
