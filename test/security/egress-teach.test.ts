// Egress that teaches, against a real container on rootful podman: a tool is refused a host, `shim
// suggest` names the host with how often it was refused, `shim allow` writes the drop-in, and the same
// probe then gets through (the positive control). The real host is the npm registry, as in
// egress.test.ts; the tool's own list starts with a host the probe never asks for.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';
import { PROBE_SCRIPT, probeResult } from './egress-probe.js';

const REGISTRY = 'registry.npmjs.org';
const tool = `teach-${Math.random().toString(36).slice(2, 8)}`;

describe('shim suggest and shim allow on rootful podman: a refused host, suggested, allowed, reached', () => {
  let sb: Sandbox;
  const probe = async () => {
    const r = await sb.run(['shim', 'run', tool, '-c', `node /workspace/probe.cjs connect ${REGISTRY}:443 tls`]);
    return { ...probeResult(r.stdout, r.stderr), stderr: String(r.stderr) };
  };

  beforeAll(async () => {
    sb = await createSandbox('podman', { [tool]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: './', dst: '/workspace', opts: 'ro' }], allowed_hosts: ['example.org'] } });
    fs.writeFileSync(path.join(sb.project, 'probe.cjs'), PROBE_SCRIPT);
  });

  afterAll(async () => {
    await removeToolVolumes(sb, [tool]);
    removeSandbox(sb);
  });

  it('refused twice → suggested with its count → allowed by the drop-in → reached', async () => {
    // the refusals (the first run also installs the probe tool)
    for (let i = 0; i < 2; i++) {
      const denied = await probe();
      expect(denied.status, denied.stderr).toBe(403);
      expect(denied.stderr).toContain(`${tool} may not reach ${REGISTRY}:443`);
    }

    const suggest = await sb.run(['shim', 'suggest', tool, '--json']);
    expect(suggest.exitCode, String(suggest.stderr)).toBe(0);
    const json = JSON.parse(String(suggest.stdout));
    expect(json.refusals).toEqual([expect.objectContaining({ entry: REGISTRY, host: REGISTRY, port: 443, requests: 2, runs: 2, status: 'suggested' })]);
    expect(json.add).toEqual([REGISTRY]);
    expect(json.command).toBe(`shim allow ${tool} ${REGISTRY}`);
    const human = await sb.run(['shim', 'suggest', tool]);
    expect(String(human.stderr)).toMatch(new RegExp(`${REGISTRY.replace(/\./g, '\\.')}:443 +2 +2 +\\S+ +add ${REGISTRY.replace(/\./g, '\\.')}`));

    const allow = await sb.run(['shim', 'allow', tool, REGISTRY]);
    expect(allow.exitCode, String(allow.stderr)).toBe(0);
    expect(String(allow.stdout)).toContain(`+      "${REGISTRY}"`);
    const dropIn = path.join(sb.root, 'config', 'shim', 'config.d', `50-allow-${tool}.json`);
    expect(fs.readFileSync(dropIn, 'utf8')).toContain(`"allowed_hosts": [\n      "example.org",\n      "${REGISTRY}"\n    ]`);
    // the user's own file is untouched
    expect(JSON.parse(fs.readFileSync(path.join(sb.root, 'config', 'shim', 'config.json'), 'utf8'))[tool].allowed_hosts).toEqual(['example.org']);

    // the positive control: the same probe now gets through the proxy to the registry
    const ok = await probe();
    expect(ok.status, ok.stderr).toBe(200);
    const after = JSON.parse(String((await sb.run(['shim', 'suggest', tool, '--json'])).stdout));
    expect(after.add).toEqual([]);
    expect(after.refusals[0]).toMatchObject({ host: REGISTRY, status: 'allowed-now', reason: REGISTRY });
  });

  it('an allowed host that does not resolve is audited as a failure, not "allow"; suggest and log say it is not the allow-list (control: the registry in the same run is "allow")', async () => {
    // .invalid never resolves (RFC 6761)
    const nowhere = `nowhere-${tool}.invalid`;
    const allowed = await sb.run(['shim', 'allow', tool, nowhere]);
    expect(allowed.exitCode, String(allowed.stderr)).toBe(0);
    const r = await sb.run(['shim', 'run', tool, '-c', `node /workspace/probe.cjs connect ${nowhere}:443 tls; node /workspace/probe.cjs connect ${REGISTRY}:443 tls`]);
    const [failed, reached] = String(r.stdout).split('\n').filter((l) => l.startsWith('{')).map((line) => probeResult(line, r.stderr));
    expect(failed!.status, String(r.stderr)).toBe(502);
    expect(reached!.status, String(r.stderr)).toBe(200);
    expect(String(r.stderr)).toContain(`${tool} may reach ${nowhere}:443, but the name does not resolve`);

    const log = JSON.parse(String((await sb.run(['shim', 'log', '--json', '--tool', tool])).stdout)) as { egress: Record<string, unknown>[] }[];
    const egress = log.at(-1)!.egress;
    expect(egress).toContainEqual(expect.objectContaining({ host: nowhere, port: 443, action: 'fail', failure: 'resolve', requests: 1, reason: expect.stringContaining('does not resolve') }));
    expect(egress.filter((e) => e.host === nowhere && e.action !== 'fail')).toEqual([]);
    expect(egress).toContainEqual(expect.objectContaining({ host: REGISTRY, port: 443, action: 'allow' }));

    const human = String((await sb.run(['shim', 'log', '--tool', tool])).stdout);
    expect(human).toMatch(/allowlist \(1 allowed, 0 denied, 1 unreachable\)/);
    expect(human).toContain(`unreachable ${nowhere}:443: the name does not resolve (not the allow-list)`);
    const suggest = await sb.run(['shim', 'suggest', tool, '--json']);
    const json = JSON.parse(String(suggest.stdout)) as { add: string[]; unreachable: Record<string, unknown>[] };
    expect(json.add).toEqual([]);
    expect(json.unreachable).toEqual([expect.objectContaining({ host: nowhere, port: 443, failure: 'resolve' })]);
  });
});
