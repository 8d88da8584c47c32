// Brokered credentials against real containers (rootful podman): the tool holds a per-run placeholder,
// and only requests to the bound host leave the proxy with the real value. Two local HTTPS servers on the
// host's loopback (certificates of a test CA given to shim as its ca_bundle), reached through the proxy
// as IP literals listed exactly in allowed_hosts: 127.0.0.1 is bound, 127.0.0.2 is only allowed.
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIM, createSandbox, removeSandbox, removeToolVolumes, sharedCacheDir, type Sandbox } from '../e2e/harness.js';
import { createRunCa } from '../../src/proxy/certificates.js';

const tag = Math.random().toString(36).slice(2, 8);
const SECRET = `real-secret-${tag}-${Math.random().toString(36).slice(2)}`;
const SECRET_CMD = `cmd-secret-${tag}-${Math.random().toString(36).slice(2)}`;

interface Seen {
  headers: Record<string, string | string[] | undefined>;
  url: string;
  method: string;
}

async function server(host: string, cert: { cert: string; key: string }, seen: Seen[]): Promise<{ srv: https.Server; port: number }> {
  const srv = https.createServer(cert, (req, res) => {
    seen.push({ headers: req.headers, url: req.url ?? '', method: req.method ?? '' });
    if (req.method === 'TRACE') {
      res.writeHead(200, { 'content-type': 'message/http' }).end(JSON.stringify(req.headers));
      return;
    }
    if (req.url === '/echo') {
      // what a careless server does: CORS that reflects Origin, a header and an error body quoting the
      // request (in two writes that cut the Authorization value in half)
      const auth = String(req.headers.authorization ?? '');
      const body = JSON.stringify({ error: 'bad request', received: req.headers });
      const cut = body.indexOf(auth) + Math.floor(auth.length / 2);
      res.writeHead(400, { 'content-type': 'application/json', 'access-control-allow-origin': String(req.headers.origin ?? '*'), 'x-echo-auth': auth });
      res.write(body.slice(0, cut));
      res.end(body.slice(cut));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${host}\n`);
  });
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  return { srv, port: (srv.address() as net.AddressInfo).port };
}

/** Every file under `dir` written since `since` (ms; the shared cache holds gigabytes of older files). */
function filesUnder(dir: string, since: number): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => {
      try {
        return fs.statSync(f).mtimeMs >= since;
      } catch {
        return false;
      }
    });
}

/** The places (process argv/environ, files under `dirs` written since `since`) that hold `value`. */
function leaks(value: string, dirs: readonly string[], since: number): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    for (const what of ['cmdline', 'environ']) {
      try {
        if (fs.readFileSync(`/proc/${pid}/${what}`).includes(value)) found.push(`/proc/${pid}/${what}`);
      } catch {
        // gone, or a kernel thread
      }
    }
  }
  for (const file of dirs.flatMap((d) => filesUnder(d, since))) {
    try {
      if (fs.readFileSync(file).includes(value)) found.push(file);
    } catch {
      // a socket or a file removed meanwhile
    }
  }
  return found;
}

describe('credentials on rootful podman: the proxy puts the real value into requests to the bound host only', () => {
  let sb: Sandbox;
  let secrets: string;
  const seenA: Seen[] = [];
  const seenB: Seen[] = [];
  let a: { srv: https.Server; port: number };
  let b: { srv: https.Server; port: number };
  const tool = `cred-${tag}`;
  let hostA = '';
  let hostB = '';
  const base = { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: './', dst: '/workspace', opts: 'ro' }] };
  const configure = (credentials: Record<string, unknown>) =>
    fs.writeFileSync(path.join(sb.root, 'config', 'shim', 'config.json'), JSON.stringify({ [tool]: { ...base, allowed_hosts: [hostA, hostB], credentials } }, null, 2));
  const run = async (script: string) => {
    const r = await sb.run(['shim', 'run', tool, '-c', script]);
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const dirsToScan = () => [path.join(sb.root, 'state'), path.join(sb.root, 'config'), sharedCacheDir('podman'), ...fs.readdirSync('/tmp').filter((d) => d.startsWith('shim-egress-')).map((d) => path.join('/tmp', d))];

  beforeAll(async () => {
    const ca = await createRunCa('test');
    a = await server('127.0.0.1', await ca.issue('127.0.0.1'), seenA);
    b = await server('127.0.0.2', await ca.issue('127.0.0.2'), seenB);
    hostA = `127.0.0.1:${a.port}`;
    hostB = `127.0.0.2:${b.port}`;
    sb = await createSandbox('podman', { [tool]: base });
    // the host's bundle: the system's plus the test CA (what a network with its own CA would give shim)
    const system = fs.existsSync('/etc/ssl/certs/ca-certificates.crt') ? fs.readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8') : '';
    const bundle = path.join(sb.root, 'host-ca-bundle.pem');
    fs.writeFileSync(bundle, `${system}\n${ca.certPem}`);
    sb.env.SHIM_CA_BUNDLE = bundle;
    fs.writeFileSync(path.join(sb.project, 'test-ca.pem'), ca.certPem);
    // the values live outside shim's directories
    secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-cred-src-'));
    fs.writeFileSync(path.join(secrets, 'key'), `${SECRET}\nsecond line is ignored\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(secrets, 'cmd-key'), `${SECRET_CMD}\n`, { mode: 0o600 });
    configure({});
    const first = await run('true');
    expect(first.exitCode, first.stderr).toBe(0);
  });

  afterAll(async () => {
    a?.srv.close();
    b?.srv.close();
    await removeToolVolumes(sb, [tool]);
    removeSandbox(sb);
    if (secrets) fs.rmSync(secrets, { recursive: true, force: true });
  });

  it('node fetch: the bound host gets the real value in every header, the other allowed host the placeholder; the container holds only the placeholder', async () => {
    configure({ TEST_API_KEY: { from: `file:${path.join(secrets, 'key')}`, hosts: [hostA] } });
    seenA.length = 0;
    seenB.length = 0;
    const fetchBoth = `const h = { 'x-api-key': process.env.TEST_API_KEY, authorization: 'Bearer ' + process.env.TEST_API_KEY };
      for (const u of ['https://${hostA}/a', 'https://${hostB}/b']) { const r = await fetch(u, { headers: h }); console.log(r.status, (await r.text()).trim()); }`;
    const r = await run(`printf 'env=%s\\n' "$TEST_API_KEY"; env | grep -c '${SECRET}'; node --input-type=module -e "${fetchBoth.replace(/"/g, '\\"')}"`);
    expect(r.exitCode, r.stderr).toBe(0);
    const placeholder = /env=(shim-cred-\S+)/.exec(r.stdout)?.[1];
    expect(placeholder, r.stdout).toBeDefined();
    expect(r.stdout).toContain('\n0\n');
    expect(r.stdout).toContain('200 ok 127.0.0.1');
    expect(r.stdout).toContain('200 ok 127.0.0.2');
    expect(seenA[0]!.headers['x-api-key']).toBe(SECRET);
    expect(seenA[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(seenB[0]!.headers['x-api-key']).toBe(placeholder);
    expect(seenB[0]!.headers.authorization).toBe(`Bearer ${placeholder}`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
    // the audit log names the credential and the host, never the value
    const log = String((await sb.run(['shim', 'log', '--json', '--tool', tool])).stdout);
    expect(log).not.toContain(SECRET);
    const last = (JSON.parse(log) as { egress: { host: string; port: number; credentials?: string[] }[] }[]).at(-1)!;
    expect(last.egress.find((e) => e.host === '127.0.0.1' && e.port === a.port)?.credentials).toEqual(['TEST_API_KEY']);
    expect(last.egress.find((e) => e.host === '127.0.0.2')?.credentials).toBeUndefined();
  });

  it('a bound host that echoes: Origin keeps the placeholder, the echoed value is masked in headers and the body, TRACE is refused; the audit counts it (control: the host got the real value)', async () => {
    configure({ TEST_API_KEY: { from: `file:${path.join(secrets, 'key')}`, hosts: [hostA] } });
    seenA.length = 0;
    const probe = `const h = { authorization: 'Bearer ' + process.env.TEST_API_KEY, origin: 'https://' + process.env.TEST_API_KEY + '.example' };
      const r = await fetch('https://${hostA}/echo', { headers: h });
      console.log('STATUS ' + r.status); console.log('ACAO ' + r.headers.get('access-control-allow-origin')); console.log('ECHO ' + r.headers.get('x-echo-auth')); console.log('BODY ' + await r.text());
      const https = await import('node:https');
      await new Promise((done) => https.request('https://${hostA}/', { method: 'TRACE', headers: h }, (t) => { let b = ''; t.on('data', (d) => (b += d)); t.on('end', () => { console.log('TRACE ' + t.statusCode + ' ' + b.trim()); done(); }); }).on('error', (e) => { console.log('TRACE error ' + e.message); done(); }).end());`;
    const r = await run(`node --input-type=module -e "${probe.replace(/"/g, '\\"')}"`);
    expect(r.exitCode, r.stderr).toBe(0);
    const placeholder = /ACAO https:\/\/(shim-cred-\S+)\.example/.exec(r.stdout)?.[1];
    expect(placeholder, r.stdout).toBeDefined();
    // control: the server got the real value in Authorization (and only there), so it echoed the real value
    expect(seenA[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(seenA[0]!.headers.origin).toBe(`https://${placeholder}.example`);
    expect(r.stdout).toContain('STATUS 400');
    expect(r.stdout).toContain(`ECHO Bearer ${'*'.repeat(SECRET.length)}`);
    expect(r.stdout).toContain(`"authorization":"Bearer ${'*'.repeat(SECRET.length)}"`);
    expect(r.stdout).toMatch(/TRACE 405 shim: TRACE to 127\.0\.0\.1 is refused/);
    expect(seenA.map((s) => s.method)).not.toContain('TRACE');
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
    const log = String((await sb.run(['shim', 'log', '--json', '--tool', tool])).stdout);
    expect(log).not.toContain(SECRET);
    const egress = (JSON.parse(log) as { egress: { host: string; port: number; action: string; redactions?: number; reason?: string }[] }[]).at(-1)!.egress;
    expect(egress.find((e) => e.host === '127.0.0.1' && e.action === 'allow')?.redactions).toBe(2);
    expect(egress.find((e) => e.host === '127.0.0.1' && e.action === 'deny')?.reason).toBe('127.0.0.1 receives brokered credentials: refused TRACE (it echoes the request)');
  });

  it('no process argv or environment and nothing under shim\'s state, config or cache holds the value, during or after the run', async () => {
    configure({ TEST_API_KEY: { from: `file:${path.join(secrets, 'key')}`, hosts: [hostA] } });
    seenA.length = 0;
    // mtimes have coarse granularity on some file systems: a second of margin
    const since = Date.now() - 1000;
    const script = `node -e "fetch('https://${hostA}/', { headers: { 'x-api-key': process.env.TEST_API_KEY } }).then(r => console.log('READY', r.status))"; sleep 3`;
    const child = spawn(SHIM, ['run', tool, '-c', script], { cwd: sb.project, env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('READY')) resolve();
      });
      child.on('close', () => reject(new Error(`the run ended before READY: ${out} ${err}`)));
    });
    expect(seenA.at(-1)?.headers['x-api-key']).toBe(SECRET);
    expect(leaks(SECRET, dirsToScan(), since)).toEqual([]);
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, err).toBe(0);
    expect(leaks(SECRET, dirsToScan(), since)).toEqual([]);
  });

  it('a cmd: source works (its output is the value, never shown)', async () => {
    configure({ TEST_TOKEN: { from: `cmd:/bin/cat ${path.join(secrets, 'cmd-key')}`, hosts: [hostA] } });
    seenA.length = 0;
    const r = await run(`node -e "fetch('https://${hostA}/c', { headers: { authorization: 'token ' + process.env.TEST_TOKEN } }).then(r => console.log(r.status))"`);
    expect(r.stdout.trim(), r.stderr).toBe('200');
    expect(seenA[0]!.headers.authorization).toBe(`token ${SECRET_CMD}`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET_CMD);
  });

  it('git (libcurl) through the bound host sends the real value; hosts without credentials are not decrypted', async () => {
    configure({ TEST_API_KEY: { from: `file:${path.join(secrets, 'key')}`, hosts: [hostA] } });
    seenA.length = 0;
    seenB.length = 0;
    const r = await run(`git -c http.extraHeader="Authorization: Bearer $TEST_API_KEY" ls-remote https://${hostA}/repo.git; git -c http.extraHeader="Authorization: Bearer $TEST_API_KEY" ls-remote https://${hostB}/repo.git; true`);
    expect(seenA.length, r.stderr).toBeGreaterThan(0);
    expect(seenA[0]!.url).toContain('/repo.git/info/refs');
    expect(seenA[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    // the second host's TLS reached the server itself (its own certificate, verified through the bundle)
    expect(seenB[0]!.headers.authorization).toMatch(/^Bearer shim-cred-/);
  });

  it('a client that pins certificates for the bound host fails, and shim names the host', async () => {
    configure({ TEST_API_KEY: { from: `file:${path.join(secrets, 'key')}`, hosts: [hostA] } });
    seenA.length = 0;
    // the client trusts only the server's real CA: shim's certificate is refused
    const pinned = `require('https').get({ host: '127.0.0.1', port: ${a.port}, ca: require('fs').readFileSync('/workspace/test-ca.pem') }, (r) => console.log('reached', r.statusCode)).on('error', (e) => { console.log('refused', e.code); process.exit(3); })`;
    const r = await run(`node -e "${pinned.replace(/"/g, '\\"')}"`);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('refused');
    expect(r.stderr).toContain("refused shim's certificate for 127.0.0.1");
    expect(seenA).toEqual([]);
  });

  it('refuses a credential bound to a host that allowed_hosts does not list, naming tool, key and host', async () => {
    configure({ TEST_API_KEY: { from: `file:${path.join(secrets, 'key')}`, hosts: ['api.example.com'] } });
    const r = await run('true');
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toContain(`${tool}: credentials.TEST_API_KEY is bound to api.example.com, which is not in allowed_hosts`);
  });
});
