// Network policy end to end: TCP ports are forwarded by shim in every network mode (UDP ones need a
// network), allow-lists are refused rather than widened, and SHIM_ALLOW_NETWORK widens one run with a
// warning. Host ports here are chosen by the system, or held by the test: never one hoped to be free.
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt, valuesOf } from './helpers.js';

beforeAll(requireBuilt);

describe('network', () => {
  it('SHIM_EXTRA_PORTS with network bridge is forwarded by shim from 127.0.0.1, and says where a free port was chosen', async () => {
    const w = createWorld();
    w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge' } });
    const out = await w.shim(['run', 'vite'], { env: { SHIM_EXTRA_PORTS: ':80' } });
    expectExit(out, 0);
    const argv = w.lastToolRun();
    expect(valuesOf(argv, '--network')).toEqual(['bridge']);
    expect(argv).not.toContain('--publish');
    expect(valuesOf(argv, '--mount').some((m) => /^type=bind,src=\/.*shim-ports-[^,]+,dst=\/run\/shim-ports,ro$/.test(m))).toBe(true);
    expect(out.stderr).toMatch(/vite: port 80 is on http:\/\/127\.0\.0\.1:\d+\n/);
  });

  it('configured ports and SHIM_EXTRA_PORTS: TCP forwarded, UDP published by the runtime', async () => {
    const w = createWorld();
    w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge', ports: [':5173', '0.0.0.0:9000:9000/udp'] } });
    expectExit(await w.shim(['run', 'vite'], { env: { SHIM_EXTRA_PORTS: ':80, :81' } }), 0);
    const argv = w.lastToolRun();
    expect(valuesOf(argv, '--publish')).toEqual(['0.0.0.0:9000:9000/udp']);
    expect(argv.slice(argv.indexOf('/usr/local/libexec/shim/with-ports'))).toEqual(['/usr/local/libexec/shim/with-ports', 'vite']);
  });

  it('TCP ports with network none run with --network none behind the forwarder (inbound only)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_EXTRA_PORTS: ':80' } });
    expectExit(out, 0);
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['none']);
    expect(w.lastToolRun()).toContain('/usr/local/libexec/shim/with-ports');
  });

  it('a UDP port with network none exits 125 with a clear message and runs nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_EXTRA_PORTS: '5353/udp' } });
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('SHIM_EXTRA_PORTS "5353/udp" is a UDP port');
    expect(w.toolRuns()).toEqual([]);
  });

  it('a host port in use exits 125 naming it and what to do, and runs nothing', async () => {
    const w = createWorld();
    // the test holds the port for the whole run: it cannot be free
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge', ports: [`${port}:5173`] } });
      const out = await w.shim(['run', 'vite']);
      expectExit(out, 125);
      expect(out.stderr).toContain(`cannot forward port 5173: 127.0.0.1:${port} is already in use on the host`);
      expect(out.stderr).toContain(`"${port + 1}:5173"`);
      expect(out.stderr).not.toMatch(/\n\s+at /);
      expect(w.toolRuns()).toEqual([]);
      // control: the same config with any free host port runs
      w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge', ports: [':5173'] } });
      expectExit(await w.shim(['run', 'vite']), 0);
    } finally {
      holder.close();
    }
  });

  it('a malformed SHIM_EXTRA_PORTS exits 125 naming it', async () => {
    const w = createWorld();
    w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge' } });
    const out = await w.shim(['run', 'vite'], { env: { SHIM_EXTRA_PORTS: '99999' } });
    expectExit(out, 125);
    expect(out.stderr).toContain('SHIM_EXTRA_PORTS: "99999" is not a port mapping');
    expect(w.toolRuns()).toEqual([]);
  });

  it('allowed_hosts with bridge exits 125 naming both and never runs', async () => {
    const w = createWorld();
    w.writeConfig({ claude: { tool: 'npm:claude', network: 'bridge', allowed_hosts: ['api.anthropic.com'] } });
    const out = await w.shim(['run', 'claude']);
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('"bridge" and allowed_hosts');
    expect(w.calls().filter((c) => c.argv[0] === 'run')).toEqual([]);
  });

  it('allowed_hosts runs the tool with --network none behind the in-container forwarder, and the proxy variables', async () => {
    const w = createWorld();
    w.writeConfig({ claude: { tool: 'npm:claude', allowed_hosts: ['api.anthropic.com'] } });
    const out = await w.shim(['run', 'claude', '--version']);
    expectExit(out, 0);
    const argv = w.lastToolRun();
    expect(valuesOf(argv, '--network')).toEqual(['none']);
    expect(argv.slice(argv.indexOf('/usr/local/libexec/shim/with-proxy'))).toEqual(['/usr/local/libexec/shim/with-proxy', 'claude', '--version']);
    expect(valuesOf(argv, '--env')).toContain('HTTPS_PROXY=http://127.0.0.1:3128');
    expect(valuesOf(argv, '--mount').some((m) => /^type=bind,src=\/.*shim-egress-[^,]+,dst=\/run\/shim,ro$/.test(m))).toBe(true);
  });

  it('SHIM_ALLOW_NETWORK=1 gives --network bridge and warns on stderr', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_ALLOW_NETWORK: '1' } });
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['bridge']);
    expect(out.stderr).toContain('warning: SHIM_ALLOW_NETWORK is set: eslint gets full network access for this run');
  });

  it('SHIM_ALLOW_NETWORK=0 changes nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_ALLOW_NETWORK: '0' } });
    expectExit(out, 0);
    expect(valuesOf(w.lastToolRun(), '--network')).toEqual(['none']);
    expect(out.stderr).not.toContain('SHIM_ALLOW_NETWORK');
  });
});
