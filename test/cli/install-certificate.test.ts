// A first run behind a TLS-intercepting proxy without a CA bundle: the install's output shows a
// certificate error, and shim says so and points at ca_bundle / SHIM_CA_BUNDLE instead of the generic
// "check the spec" hint (the fake runtime's FAKE_INSTALL_FAIL=cert prints npm's certificate error).
import { describe, expect, it } from 'vitest';
import { createWorld } from './helpers.js';

describe('install failure with a certificate error', () => {
  it('without a CA bundle: names the certificate error and the ca_bundle setting; the tool never runs', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_INSTALL_FAIL: 'cert', SHIM_CA_BUNDLE: undefined } });
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toContain('self-signed certificate in certificate chain');
    expect(out.stderr).toContain('installing eslint (npm:eslint) failed (exit 1): a TLS certificate could not be verified');
    expect(out.stderr).toMatch(/set "ca_bundle" in settings\.json \(or SHIM_CA_BUNDLE\)/);
    expect(out.stderr).not.toContain('check the spec');
    expect(w.toolRuns()).toEqual([]);
  });

  it('with a CA bundle that lacks the proxy CA: says that bundle does not hold it', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const bundle = '/etc/ssl/certs/ca-certificates.crt';
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_INSTALL_FAIL: 'cert', SHIM_CA_BUNDLE: bundle } });
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toContain(`the CA bundle ${bundle} does not hold the certificate authority`);
  });

  it('control: another install failure keeps the generic hint', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_INSTALL_FAIL: '1' } });
    expect(out.exitCode).toBe(125);
    expect(out.stderr).toContain('check the spec "npm:eslint"');
    expect(out.stderr).not.toContain('ca_bundle');
  });
});
