// allowed_hosts against real containers: the tool has no route out and reaches only the listed hosts,
// through shim's proxy. The full probe set runs on rootful podman, the core on rootless podman and
// docker. Every denied probe has a control that succeeds with the same probe code: the allowed host
// through the proxy, the same connect with "network": "bridge", or IPv6 over the container's own ::1.
// The canary is a listener on the host's loopback; the real allowed host is the npm registry.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { SHIM, createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from '../e2e/harness.js';
import { PROBE_SCRIPT, probeResult, proxyProcesses, runProxyDir, type ProbeResult } from './egress-probe.js';

const REGISTRY = 'registry.npmjs.org';
/** What the registry's name resolves to on the build machines; any public address works as well. */
const REGISTRY_IP = '203.0.113.80';
const HOST_RESOLVER = fs.readFileSync('/etc/resolv.conf', 'utf8').match(/^nameserver\s+(\S+)/m)?.[1];
const tag = Math.random().toString(36).slice(2, 8);

interface Harness {
  sb: Sandbox;
  tool: string;
  /** Rewrites the probe tool's config (same spec: no reinstall), runs one probe, returns its result. */
  probe(cfg: Record<string, unknown>, ...args: string[]): Promise<ProbeResult & { stderr: string }>;
  sh(cfg: Record<string, unknown>, script: string, env?: Record<string, string>): Promise<{ exitCode?: number; stdout: string; stderr: string }>;
  /** Rewrites the probe tool's config (same spec: no reinstall). */
  configure(cfg: Record<string, unknown>): void;
  audit(): Promise<{ network: string; egress: { host: string; port: number; action: string; bytesUp: number; bytesDown: number }[] }[]>;
}

async function harness(flavour: Flavour): Promise<Harness> {
  const tool = `egress-${flavour}-${tag}`;
  const base = { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: './', dst: '/workspace', opts: 'ro' }] };
  const sb = await createSandbox(flavour, { [tool]: base });
  fs.writeFileSync(path.join(sb.project, 'probe.cjs'), PROBE_SCRIPT);
  const configure = (cfg: Record<string, unknown>) =>
    fs.writeFileSync(path.join(sb.root, 'config', 'shim', 'config.json'), JSON.stringify({ [tool]: { ...base, ...cfg } }, null, 2));
  const sh: Harness['sh'] = async (cfg, script, env = {}) => {
    configure(cfg);
    const r = await sb.run(['shim', 'run', tool, '-c', script], { env });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  return {
    sb,
    tool,
    sh,
    configure,
    async probe(cfg, ...args) {
      const r = await sh(cfg, `node /workspace/probe.cjs ${args.join(' ')}`);
      return { ...probeResult(r.stdout, r.stderr), stderr: r.stderr };
    },
    async audit() {
      const r = await sb.run(['shim', 'log', '--json', '--tool', tool]);
      return JSON.parse(String(r.stdout));
    },
  };
}

const allow = (...hosts: string[]) => ({ allowed_hosts: hosts });

/** Starts `shim run <tool> -c script` in its own process group (as a terminal would), piped stdin. */
function spawnShim(h: Harness, script: string, env: Record<string, string> = {}) {
  const child = spawn(SHIM, ['run', h.tool, '-c', script], { cwd: h.sb.project, env: { ...h.sb.env, ...env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}
const BRIDGE = { network: 'bridge' };

describe('allowed_hosts on rootful podman: no route out, only the listed hosts through the proxy', () => {
  let h: Harness;
  let canary: net.Server;
  let canaryPort = 0;

  beforeAll(async () => {
    canary = net.createServer((c) => c.end('canary\n'));
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    canaryPort = (canary.address() as net.AddressInfo).port;
    h = await harness('podman');
    // the first run installs the probe tool: the install container reaches the registry, and only
    // it, through the same proxy
    const first = await h.sh({}, 'true', { SHIM_DEBUG: '1' });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/install command: .* --network none .*with-proxy \/usr\/local\/libexec\/shim\/install-tool/);
    expect(first.stderr).toContain('install egress allow registry.npmjs.org:443');
    expect(first.stderr).not.toMatch(/install egress allow (?!registry\.npmjs\.org:443)/);
  });

  afterAll(async () => {
    canary?.close();
    if (h) await removeToolVolumes(h.sb, [h.tool]);
    removeSandbox(h?.sb);
  });

  it('installs a real npm package through the proxy when the registry is listed, and not otherwise', async () => {
    // in a directory of its own with a package.json: the image's /node_modules (the tool's companions,
    // for configs that import them) would otherwise make npm take / as the project
    const install = 'mkdir -p /tmp/p && cd /tmp/p && echo {} > package.json && npm install --no-save --no-package-lock --no-audit --no-fund cowsay@1.6.0 >/dev/null 2>&1; node -e "require(\'/tmp/p/node_modules/cowsay\'); console.log(\'installed\')"';
    const allowed = await h.sh(allow(REGISTRY), install);
    expect(allowed.stdout, allowed.stderr).toContain('installed');
    const records = await h.audit();
    const last = records[records.length - 1]!;
    expect(last.network).toBe('allowlist');
    const registry = last.egress.find((e) => e.host === REGISTRY && e.action === 'allow');
    expect(registry?.port).toBe(443);
    expect(registry!.bytesDown).toBeGreaterThan(1000);

    const denied = await h.sh(allow('example.org'), install);
    expect(denied.stdout).not.toContain('installed');
    expect(denied.stderr).toContain(`may not reach ${REGISTRY}:443`);
  });

  it('answers 403 naming the host and the tool for a host not on the list (control: the listed host gets 200)', async () => {
    const ok = await h.probe(allow(REGISTRY), 'connect', `${REGISTRY}:443`, 'tls');
    expect(ok.status, ok.stderr).toBe(200);
    const denied = await h.probe(allow(REGISTRY), 'connect', 'example.com:443');
    expect(denied.status, denied.stderr).toBe(403);
    expect(denied.body).toContain('example.com:443');
    expect(denied.body).toContain(h.tool);
    // shim says it too, since a tool may turn the 403 into a vague error
    expect(denied.stderr).toContain(`${h.tool} may not reach example.com:443`);
    const record = (await h.audit()).pop()!;
    expect(record.egress).toContainEqual(expect.objectContaining({ host: 'example.com', port: 443, action: 'deny', bytesUp: 0, bytesDown: 0 }));
  });

  it('refuses a look-alike of a wildcard entry and a port that is not listed', async () => {
    const ok = await h.probe(allow('*.npmjs.org'), 'connect', `${REGISTRY}:443`, 'tls');
    expect(ok.status, ok.stderr).toBe(200);
    expect((await h.probe(allow('*.npmjs.org'), 'connect', 'evilnpmjs.org:443')).status).toBe(403);
    expect((await h.probe(allow(REGISTRY), 'connect', `${REGISTRY}:22`)).status).toBe(403);
  });

  it('has no route for direct TCP to an IP literal (control: the same connect works with bridge)', async () => {
    const control = await h.probe(BRIDGE, 'tcp', REGISTRY_IP, '443');
    expect(control, control.stderr).toMatchObject({ ok: true });
    const direct = await h.probe(allow(REGISTRY), 'tcp', REGISTRY_IP, '443');
    expect(direct.error, direct.stderr).toBe('ENETUNREACH');
    // and the proxy does not dial an unlisted literal either
    expect((await h.probe(allow(REGISTRY), 'connect', `${REGISTRY_IP}:443`)).status).toBe(403);
  });

  it('has no resolver: UDP DNS and lookups fail (control: both work with bridge)', async () => {
    expect(HOST_RESOLVER, 'the host has a nameserver in /etc/resolv.conf').toBeTruthy();
    const udpControl = await h.probe(BRIDGE, 'udp', HOST_RESOLVER!);
    expect(udpControl, udpControl.stderr).toMatchObject({ ok: true });
    const lookupControl = await h.probe(BRIDGE, 'resolve', REGISTRY);
    expect(lookupControl, lookupControl.stderr).toMatchObject({ ok: true });

    const udp = await h.probe(allow(REGISTRY), 'udp', HOST_RESOLVER!);
    expect(udp.error, udp.stderr).toBe('ENETUNREACH');
    const lookup = await h.probe(allow(REGISTRY), 'resolve', REGISTRY);
    expect(lookup.ok).toBeUndefined();
    expect(lookup.error).toMatch(/EAI_AGAIN|ENOTFOUND|ECONNREFUSED|timeout/);
  });

  it('has no IPv6 route out (control: IPv6 works over the container\'s own ::1)', async () => {
    const control = await h.probe(allow(REGISTRY), 'v6-loopback');
    expect(control, control.stderr).toMatchObject({ ok: true });
    const out = await h.probe(allow(REGISTRY), 'tcp', '2606:4700:4700::1111', '443');
    expect(out.error, out.stderr).toBe('ENETUNREACH');
  });

  it('never reaches the host\'s loopback services, even through a listed name (control: a listed literal does)', async () => {
    const control = await h.probe(allow(`127.0.0.1:${canaryPort}`), 'connect', `127.0.0.1:${canaryPort}`);
    expect(control, control.stderr).toMatchObject({ status: 200, banner: 'canary' });

    const direct = await h.probe(allow(REGISTRY), 'tcp', '127.0.0.1', String(canaryPort));
    expect(direct.error).toBe('ECONNREFUSED'); // the container's own loopback: nothing listens there
    const unlisted = await h.probe(allow(REGISTRY), 'connect', `127.0.0.1:${canaryPort}`);
    expect(unlisted.status).toBe(403);
    const byName = await h.probe(allow(`localhost:${canaryPort}`), 'connect', `localhost:${canaryPort}`);
    expect(byName.status, byName.stderr).toBe(403);
    expect(byName.body).toMatch(/resolves to (127\.0\.0\.1|::1) \(loopback\)/);
  });

  it('gives "network": "none" and allow-list containers only lo (control: bridge has more)', async () => {
    expect((await h.probe(BRIDGE, 'ifaces')).ifaces).toContain('eth0');
    expect((await h.probe({}, 'ifaces')).ifaces).toEqual(['lo']);
    expect((await h.probe(allow(REGISTRY), 'ifaces')).ifaces).toEqual(['lo']);
  });

  it('stops the proxy and removes its socket directory when the run ends (control: both exist during it)', async () => {
    h.configure(allow(REGISTRY));
    const run = spawnShim(h, "node /workspace/probe.cjs connect registry.npmjs.org:443 tls; echo during; read -r _", { SHIM_DEBUG: '1' });
    await vi.waitFor(() => expect(run.stdout()).toContain('during'), { timeout: 15_000 });
    const dir = runProxyDir(run.stderr());
    expect(dir, run.stderr()).toBeTruthy();
    expect(fs.existsSync(dir!)).toBe(true);
    expect(proxyProcesses(dir!)).not.toEqual([]);
    run.child.stdin!.end('go\n'); // the tool's `read` returns: the run ends
    expect(await run.exited).toBe(0);
    expect(probeResult(run.stdout(), run.stderr()).status).toBe(200);
    expect(fs.existsSync(dir!)).toBe(false);
    expect(proxyProcesses(dir!)).toEqual([]);
  });

  it('keeps the proxy through a Ctrl-C sent to shim\'s whole process group (the tool may carry on)', async () => {
    h.configure(allow(REGISTRY));
    // the tool ignores SIGINT, as an agent does when it interrupts its current step, then uses the network
    const run = spawnShim(h, "trap '' INT; echo started; sleep 2; node /workspace/probe.cjs connect registry.npmjs.org:443 tls");
    await vi.waitFor(() => expect(run.stdout()).toContain('started'), { timeout: 15_000 });
    process.kill(-run.child.pid!, 'SIGINT'); // what a terminal's Ctrl-C does: the whole foreground group
    const code = await run.exited;
    expect(probeResult(run.stdout(), run.stderr()), run.stderr()).toMatchObject({ status: 200 });
    expect(run.stderr()).not.toContain('egress proxy stopped');
    expect(code).toBe(0);
  });

  it('SHIM_ALLOW_NETWORK=1 lifts the allow-list for one run, with a warning', async () => {
    const r = await h.sh(allow(REGISTRY), 'node /workspace/probe.cjs ifaces', { SHIM_ALLOW_NETWORK: '1' });
    expect(probeResult(r.stdout, r.stderr).ifaces).toContain('eth0');
    expect(r.stderr).toContain('SHIM_ALLOW_NETWORK');
  });
});

describe.each(['rootless', 'docker'] as const)('allowed_hosts on %s: the core probes', (flavour) => {
  let h: Harness;

  beforeAll(async () => {
    h = await harness(flavour);
    const first = await h.sh({}, 'true');
    expect(first.exitCode, first.stderr).toBe(0);
  });

  afterAll(async () => {
    if (h) await removeToolVolumes(h.sb, [h.tool]);
    removeSandbox(h?.sb);
  });

  it('reaches the listed registry through the proxy and gets 403 for another host', async () => {
    const view = await h.sh(allow(REGISTRY), 'npm view cowsay@1.6.0 version');
    expect(view.stdout.trim(), view.stderr).toBe('1.6.0');
    const denied = await h.probe(allow(REGISTRY), 'connect', 'example.com:443');
    expect(denied.status, denied.stderr).toBe(403);
  });

  it('has no route for direct TCP (control: bridge) and only lo', async () => {
    const control = await h.probe(BRIDGE, 'tcp', REGISTRY_IP, '443');
    expect(control, control.stderr).toMatchObject({ ok: true });
    const direct = await h.probe(allow(REGISTRY), 'tcp', REGISTRY_IP, '443');
    expect(direct.error, direct.stderr).toBe('ENETUNREACH');
    expect((await h.probe(allow(REGISTRY), 'ifaces')).ifaces).toEqual(['lo']);
  });
});
