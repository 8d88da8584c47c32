// B7 of scripts/bench.mjs: the latency a brokered credential adds to one HTTPS request. One container
// run makes the same requests, each on a new connection, to two local HTTPS servers reached through
// shim's egress proxy: one bound to a credential (the proxy terminates TLS, replaces the placeholder in
// the headers, and opens its own TLS connection upstream), one only allowed (a plain CONNECT tunnel).
// Timed inside the container, so container start and stop are not part of either figure.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REQUESTS = 40;
const TOOL = 'shimbench-cred';

// each request on a new connection (Connection: close), so both include a full CONNECT and TLS handshake
const CLIENT = String.raw`
const [n, ...urls] = process.argv.slice(2);
const out = {};
for (const u of urls) {
  const times = [];
  for (let i = 0; i < Number(n) + 2; i++) {
    const t0 = performance.now();
    const r = await fetch(u, { headers: { 'x-api-key': process.env.BENCH_KEY, connection: 'close' } });
    await r.text();
    if (r.status !== 200) throw new Error(u + ' answered ' + r.status);
    if (i >= 2) times.push(performance.now() - t0);
  }
  out[u] = times;
}
console.log(JSON.stringify(out));
`;

// the servers run in their own process: the bench's spawnSync would block them in this one
const SERVERS = String.raw`
const https = require('node:https');
const [key, cert] = process.argv.slice(1);
const seen = new Set();
const tls = { key: require('fs').readFileSync(key), cert: require('fs').readFileSync(cert) };
const ports = [];
for (const host of ['127.0.0.1', '127.0.0.2']) {
  const srv = https.createServer(tls, (req, res) => {
    if (req.url === '/__seen') return res.end(JSON.stringify([...seen]));
    seen.add(host + ' ' + req.headers['x-api-key']);
    res.end('ok');
  });
  srv.listen(0, host, () => {
    ports.push(srv.address().port);
    if (ports.length === 2) console.log(JSON.stringify(ports));
  });
}
`;

/** Runs B7; `h` holds bench.mjs's helpers (makeSetup, mustRun, stats, log, fmtMs…). */
export async function benchB7(root, runtime, h) {
  const dir = path.join(root, 'b7');
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  h.mustRun('openssl', 'openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=shim bench', '-addext', 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2', '-addext', 'basicConstraints=critical,CA:TRUE']);
  const tls = { cert: fs.readFileSync(cert, 'utf8') };
  const servers = spawn(process.execPath, ['-e', SERVERS, key, cert], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [portA, portB] = await new Promise((resolve, reject) => {
    servers.stdout.once('data', (d) => resolve(JSON.parse(String(d))));
    servers.once('exit', () => reject(new Error('B7: the HTTPS servers did not start')));
  });
  try {
    const hostA = `127.0.0.1:${portA}`;
    const hostB = `127.0.0.2:${portB}`;
    fs.writeFileSync(path.join(dir, 'secret'), 'bench-real-value\n');
    const tool = { tool: 'npm:cowsay', command: 'node', mounts: [{ src: '.' }], allowed_hosts: [hostA, hostB], credentials: { BENCH_KEY: { from: `file:${path.join(dir, 'secret')}`, hosts: [hostA] } } };
    const setup = h.makeSetup(path.join(dir, 'setup'), runtime, [], { [TOOL]: tool });
    const system = fs.existsSync('/etc/ssl/certs/ca-certificates.crt') ? fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') : '';
    fs.writeFileSync(path.join(dir, 'bundle.pem'), `${system}\n${tls.cert}`);
    const env = { ...setup.env, SHIM_CA_BUNDLE: path.join(dir, 'bundle.pem') };
    fs.writeFileSync(path.join(setup.project, 'client.mjs'), CLIENT);
    h.log(`B7: ${REQUESTS} HTTPS requests each, brokered vs plain allow-listed (${runtime})`);
    // the project is the current directory, mounted at its own path
    const r = h.mustRun('B7 client', setup.link(TOOL), [path.join(setup.project, 'client.mjs'), String(REQUESTS), `https://${hostA}/`, `https://${hostB}/`], { env, cwd: setup.project });
    const times = JSON.parse(r.stdout.trim().split('\n').pop());
    const seen = await new Promise((resolve, reject) =>
      https.get({ host: '127.0.0.1', port: portA, path: '/__seen', ca: tls.cert }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d)).on('end', () => resolve(JSON.parse(body)));
      }).on('error', reject),
    );
    const seenA = new Set(seen.filter((v) => v.startsWith('127.0.0.1 ')).map((v) => v.slice(10)));
    const seenB = new Set(seen.filter((v) => v.startsWith('127.0.0.2 ')).map((v) => v.slice(10)));
    if (!seenA.has('bench-real-value') || seenA.size !== 1 || ![...seenB].every((v) => v.startsWith('shim-cred-'))) throw new Error(`B7: the bound host got ${[...seenA].map((v) => v.replace(/^shim-cred-.*/, 'the placeholder')).join(', ')}, the other host ${[...seenB].map((v) => v.replace(/^shim-cred-.*/, 'the placeholder')).join(', ')}`);
    const brokered = h.stats(times[`https://${hostA}/`]);
    const plain = h.stats(times[`https://${hostB}/`]);
    const diff = brokered.median - plain.median;
    return {
      id: 'B7',
      title: `one HTTPS request (new connection) with a brokered credential vs a plain allow-listed host (${runtime})`,
      shim: brokered,
      baseline: plain,
      result: `${diff >= 0 ? '+' : ''}${h.ms(diff)} ms per request (${h.fmtMs(brokered)} vs ${h.fmtMs(plain)})`,
      diffMs: diff,
      target: 'reported only',
      met: null,
      notes: [
        `timed in the container by fetch over ${REQUESTS} requests to each host (after 2 untimed), each with Connection: close`,
        'brokered: TLS terminated by the proxy with a leaf of the run CA (issued once per host), the header rewritten, a new verified TLS connection upstream; plain: a CONNECT tunnel',
      ],
    };
  } finally {
    servers.kill();
  }
}

/** Removes B7's volumes: its tool volume (named per setup: shim-tool-<tool>-<hash>) and its download
 *  cache. Listed and matched exactly, since docker takes no name prefix (podman would). */
export function removeB7Volumes(runtime, sh) {
  const ls = sh(runtime, ['volume', 'ls', '--format', '{{.Name}}']);
  const re = new RegExp(`^shim-(tool|cache)-${TOOL}(-[0-9a-f]{12})?$`);
  const names = ls.stdout.split('\n').filter((v) => re.test(v));
  if (names.length) sh(runtime, ['volume', 'rm', '-f', ...names], { stdio: 'ignore' });
}

// `node scripts/bench-credentials.mjs [options]` runs B7 alone: bench.mjs --only B7 (its options too,
// e.g. --out DIR to keep bench/results.md, which holds the last full run)
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bench = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench.mjs');
  const child = spawn(process.execPath, [bench, '--only', 'B7', ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
