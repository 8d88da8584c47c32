// Two honesty probes on real runtimes. A run killed with SIGKILL under a memory limit is called "out
// of memory" only when the runtime reports the OOM kill (docker does, through its event log, even
// after --rm removed the container); a tool that kills itself with SIGKILL is not. And
// SHIM_ALLOW_NETWORK never gives a tool of the safe profile a network.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const SMALL = `oomsmall-${tag}`;
const SAFE = `netsafe-${tag}`;
const PLAIN = `netplain-${tag}`;
const ALL = [SMALL, SAFE, PLAIN];

const alloc = (mb: number) => `const a = []; for (let i = 0; i < ${mb}; i++) a.push(Buffer.alloc(1 << 20, 1)); console.log('held ${mb}')`;
// the container's network interfaces other than loopback
const interfaces = "console.log(require('fs').readdirSync('/sys/class/net').filter((n) => n !== 'lo').length)";

describe('out of memory, told apart from SIGKILL, on docker', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('docker', { [SMALL]: { tool: 'npm:cowsay', command: 'node', limits: { memory: '96m' } } });
  }, 120_000);
  afterAll(async () => {
    await removeToolVolumes(sb, [SMALL]);
    removeSandbox(sb);
  });

  it('a memory bomb is named out of memory; a tool that SIGKILLs itself is not', async () => {
    // positive control: an allocation under the limit succeeds
    const fits = await sb.run([SMALL, '-e', alloc(16)]);
    expect([fits.exitCode, String(fits.stdout).trim()], String(fits.stderr)).toEqual([0, 'held 16']);
    const bomb = await sb.run([SMALL, '-e', alloc(400)]);
    expect(bomb.exitCode).toBe(137);
    expect(bomb.stderr).toContain(`${SMALL} was killed: out of memory (limit 96m)`);
    const self = await sb.run([SMALL, '-e', "process.kill(process.pid, 'SIGKILL')"]);
    expect(self.exitCode).toBe(137);
    expect(self.stderr).toContain(`${SMALL} was killed (SIGKILL), possibly out of memory (limit 96m)`);
    expect(self.stderr).not.toContain('was killed: out of memory');
    // the audit log says oom only for the first
    const log = await sb.run(['shim', 'log', '--json', '--tool', SMALL]);
    const records = JSON.parse(String(log.stdout)) as { exitCode: number; limitsHit: string[] }[];
    expect(records.slice(-2).map((r) => [r.exitCode, r.limitsHit.includes('oom')])).toEqual([[137, true], [137, false]]);
  }, 300_000);
});

describe('SHIM_ALLOW_NETWORK and the safe profile, on podman', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('podman', {
      [SAFE]: { tool: 'npm:cowsay', command: 'node', profile: 'safe' },
      [PLAIN]: { tool: 'npm:cowsay', command: 'node' },
    });
  }, 120_000);
  afterAll(async () => {
    await removeToolVolumes(sb, [SAFE, PLAIN]);
    removeSandbox(sb);
  });

  it('lifts a default-profile tool to a network, never a safe one (ignored with a warning)', async () => {
    const allow = { SHIM_ALLOW_NETWORK: '1' };
    // positive control: the variable gives a default-profile tool an interface besides loopback
    const plain = await sb.run([PLAIN, '-e', interfaces], { env: allow });
    expect([plain.exitCode, String(plain.stdout).trim()], String(plain.stderr)).toEqual([0, '1']);
    const safe = await sb.run([SAFE, '-e', interfaces], { env: allow });
    expect([safe.exitCode, String(safe.stdout).trim()], String(safe.stderr)).toEqual([0, '0']);
    expect(safe.stderr).toContain(`SHIM_ALLOW_NETWORK is ignored for ${SAFE}: the "safe" profile allows no network`);
  }, 300_000);
});
