// `shim doctor` against real podman, in-process (doctorCommand with an App on the sandbox's
// environment): the runtime is found with its version, the image the global setup built is current,
// the links `shim up` made are valid and first on PATH, and a link pointing nowhere fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/with-config-files.js';
import { doctorCommand } from '../../src/commands/doctor.js';
import type { Check } from '../../src/doctor/model.js';
import type { HostEnv } from '../../src/host.js';
import { createReporter } from '../../src/report.js';
import { REPO, SHIM, createSandbox, removeSandbox, type Sandbox } from './harness.js';

let sandbox: Sandbox | undefined;
afterEach(() => {
  removeSandbox(sandbox);
  sandbox = undefined;
});

async function doctorJson(sb: Sandbox): Promise<{ status: number; ok: boolean; checks: Check[]; stderr: string }> {
  const host: HostEnv = {
    cwd: sb.project,
    home: sb.env.HOME!,
    uid: process.getuid!(),
    gid: process.getgid!(),
    env: sb.env,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    arch: process.arch,
    shimEntry: fs.realpathSync(SHIM),
    packageRoot: REPO,
    version: 'e2e',
    node: { path: process.execPath, version: process.versions.node },
  };
  let out = '';
  let err = '';
  const status = await doctorCommand(createApp(host, createReporter((t) => (err += t), 0), (t) => (out += t)), { json: true });
  const parsed = JSON.parse(out) as { ok: boolean; checks: Check[] };
  return { status, ...parsed, stderr: err };
}

const find = (checks: Check[], id: string) => {
  const c = checks.find((x) => x.id === id);
  expect(c, `no check ${id}: ${JSON.stringify(checks, null, 1)}`).toBeDefined();
  return c!;
};

describe('shim doctor on real podman', () => {
  it('reports podman with its version, the current image, and the links of `shim up` first on PATH', async () => {
    sandbox = await createSandbox('podman', { cowsay: { tool: 'npm:cowsay' }, 'doctor-probe': { tool: 'npm:cowsay' } });
    const d = await doctorJson(sandbox);
    const context = JSON.stringify(d.checks, null, 1);
    expect(find(d.checks, 'runtime')).toMatchObject({ status: 'pass', message: expect.stringMatching(/^podman \d+\.\d+\.\d+\S* at \//) });
    expect(find(d.checks, 'image').status, context).toBe('pass');
    expect(find(d.checks, 'bin-dir').status).toBe('pass');
    for (const name of ['cowsay', 'doctor-probe']) {
      expect(find(d.checks, `link:${name}`).status, context).toBe('pass');
      expect(find(d.checks, `path:${name}`)).toMatchObject({ status: 'pass', message: expect.stringContaining(path.join(sandbox.bin, name)) });
    }
    expect(find(d.checks, 'config').status).toBe('pass');
    expect(find(d.checks, 'egress').status, context).toBe('pass');
    expect(['v1', 'v2'].some((v) => find(d.checks, 'cgroup').message.includes(`cgroup ${v}`))).toBe(true);
    // runc's verdict depends on this host's runc; whatever else failed is a bug
    const runc = find(d.checks, 'runc');
    expect(runc.message).toMatch(/runc|crun/);
    const failed = d.checks.filter((c) => c.status === 'fail').map((c) => c.id);
    expect(failed.filter((id) => id !== 'runc'), context).toEqual([]);
    expect(d.status).toBe(failed.length ? 1 : 0);
    expect(d.ok).toBe(failed.length === 0);
    expect(d.stderr).toBe('');
  });

  it('a tool link pointing nowhere fails with a fix; its sibling stays valid', async () => {
    sandbox = await createSandbox('podman', { cowsay: { tool: 'npm:cowsay' }, 'doctor-probe': { tool: 'npm:cowsay' } });
    const link = path.join(sandbox.bin, 'doctor-probe');
    fs.rmSync(link);
    fs.symlinkSync(path.join(os.tmpdir(), 'shim-e2e-nowhere', 'doctor-probe'), link);
    const d = await doctorJson(sandbox);
    expect(d.status).toBe(1);
    expect(d.ok).toBe(false);
    expect(find(d.checks, 'link:doctor-probe')).toMatchObject({ status: 'fail', message: expect.stringContaining('which does not exist'), fix: expect.stringContaining('shim up') });
    expect(find(d.checks, 'link:cowsay').status).toBe('pass');
    expect(find(d.checks, 'path:cowsay').status).toBe('pass');
  });
});
