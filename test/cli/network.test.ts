// Network policy end to end: ports need a network, allow-lists are refused rather than widened, and
// SHIM_ALLOW_NETWORK widens one run with a warning.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt, valuesOf } from './helpers.js';

beforeAll(requireBuilt);

describe('network', () => {
  it('SHIM_EXTRA_PORTS with network bridge publishes on 127.0.0.1', async () => {
    const w = createWorld();
    w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge' } });
    expectExit(await w.shim(['run', 'vite'], { env: { SHIM_EXTRA_PORTS: '8080:80' } }), 0);
    const argv = w.lastToolRun();
    expect(valuesOf(argv, '--network')).toEqual(['bridge']);
    expect(valuesOf(argv, '--publish')).toEqual(['127.0.0.1:8080:80']);
  });

  it('configured ports and SHIM_EXTRA_PORTS are all published', async () => {
    const w = createWorld();
    w.writeConfig({ vite: { tool: 'npm:vite', network: 'bridge', ports: ['5173', '0.0.0.0:9000:9000/udp'] } });
    expectExit(await w.shim(['run', 'vite'], { env: { SHIM_EXTRA_PORTS: '8080:80, 8081:81' } }), 0);
    expect(valuesOf(w.lastToolRun(), '--publish')).toEqual(['127.0.0.1:5173:5173', '0.0.0.0:9000:9000/udp', '127.0.0.1:8080:80', '127.0.0.1:8081:81']);
  });

  it('ports with network none exit 125 with a clear message and run nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_EXTRA_PORTS: '8080:80' } });
    expectExit(out, 125);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('eslint: ports are published but the network is "none"');
    expect(w.toolRuns()).toEqual([]);
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
