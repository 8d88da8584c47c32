// The engine's own configuration must not reach shim's containers. podman: a containers.conf with
// `volumes` and `env` (given through CONTAINERS_CONF, so no other test on this machine sees it) is
// added to every plain `podman run` (positive control) and makes shim refuse, naming file and keys.
// docker: a client config.json with `proxies` puts the proxy URL (credentials included) into every plain
// `docker run` (positive control); shim's containers run without it.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';
import { expectNothingStarted } from './refusal.js';

const tag = Math.random().toString(36).slice(2, 8);
const BASE = { tool: 'npm:cowsay', command: 'sh' };
const IMAGE = process.env.SHIM_BASE_IMAGE || 'localhost/shim-base:bookworm';
const PROBE_SCRIPT = 'echo "token=${LEAKED_TOKEN:-unset}"; cat /leak/secret 2>/dev/null || echo no-volume';

describe('containers.conf does not reach shim containers (podman)', () => {
  let sb: Sandbox;
  let conf: string;
  const DENY = `cdeny-${tag}`;

  beforeAll(async () => {
    sb = await createSandbox('podman', { [DENY]: BASE });
    const leakDir = path.join(sb.root, 'leak');
    fs.mkdirSync(leakDir);
    fs.writeFileSync(path.join(leakDir, 'secret'), 'HOST-SECRET\n');
    // this machine's own settings (runtime, cgroup manager) stay: CONTAINERS_CONF replaces every file
    const system = fs.existsSync('/etc/containers/containers.conf') ? fs.readFileSync('/etc/containers/containers.conf', 'utf8') : '';
    const added = `[containers]\nvolumes = ["${leakDir}:/leak:ro"]\nenv = ["LEAKED_TOKEN=conf-secret"]\n`;
    conf = path.join(sb.root, 'containers.conf');
    fs.writeFileSync(conf, /^\[containers\]\s*$/m.test(system) ? system.replace(/^\[containers\]\s*$/m, added) : `${added}${system}`);
  });

  afterAll(() => removeSandbox(sb));

  it('refuses to run, naming the file and keys; a plain podman run gets them', async () => {
    const control = await execa('podman', ['run', '--rm', IMAGE, 'sh', '-c', PROBE_SCRIPT], { env: { CONTAINERS_CONF: conf }, reject: false });
    expect(control.exitCode, control.stderr).toBe(0);
    expect(control.stdout).toBe('token=conf-secret\nHOST-SECRET');

    const denied = await sb.run(['shim', 'run', DENY, '-c', PROBE_SCRIPT], { env: { CONTAINERS_CONF: conf } });
    expect(denied.exitCode, String(denied.stderr)).toBe(125);
    expect(String(denied.stdout)).toBe('');
    expect(String(denied.stderr)).toContain(`${conf}: [containers] volumes`);
    expect(String(denied.stderr)).toContain(`${conf}: [containers] env`);
    await expectNothingStarted(sb, DENY);
  });
});

describe("docker's client proxies do not reach shim containers (docker)", () => {
  let sb: Sandbox;
  let dockerConfig: string;
  const PROBE = `dprobe-${tag}`;
  const SCRIPT = 'env | grep -i _proxy || echo no-proxy';
  const URL = `http://user:proxy-secret-${tag}@proxy.invalid:3128`;

  beforeAll(async () => {
    sb = await createSandbox('docker', { [PROBE]: BASE });
    dockerConfig = path.join(sb.root, 'docker-config');
    fs.mkdirSync(dockerConfig);
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ proxies: { default: { httpProxy: URL, httpsProxy: URL } } }));
    // installed before the proxies exist: the install's network is not what this test is about
    const first = await sb.run(['shim', 'run', PROBE, '-c', 'echo installed']);
    expect(first.exitCode, String(first.stderr)).toBe(0);
  });

  afterAll(async () => {
    await removeToolVolumes(sb, [PROBE]);
    removeSandbox(sb);
  });

  it('runs without the proxy URL; a plain docker run with the same client config gets it', async () => {
    const control = await execa('docker', ['run', '--rm', IMAGE, 'sh', '-c', SCRIPT], { env: { DOCKER_CONFIG: dockerConfig }, reject: false });
    expect(control.exitCode, control.stderr).toBe(0);
    expect(control.stdout).toContain(`HTTP_PROXY=${URL}`);

    const r = await sb.run(['shim', 'run', PROBE, '-c', SCRIPT], { env: { DOCKER_CONFIG: dockerConfig } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toBe('no-proxy\n');
    // the client config shim used: the user's, without proxies
    const own = path.join(sb.root, 'state', 'shim', 'docker-config', 'config.json');
    expect(JSON.parse(fs.readFileSync(own, 'utf8'))).toEqual({});
    expect(fs.statSync(own).mode & 0o777).toBe(0o600);
  });
});
