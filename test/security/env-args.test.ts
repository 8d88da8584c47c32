// Adversarial env and podman_args cases, run for real on rootful podman. Every refused configuration
// runs under a tool name that is never installed, and must exit 125 naming the field, with no
// container and no install volume of that tool; each refusal has a positive control showing the same
// probe works (the variable arrives, the flag reaches podman, the capability shows) when allowed.
// Outcomes are checked on the host side (files, containers, volumes) or in /proc/self/status.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Sandbox } from '../e2e/harness.js';
import { expectNothingStarted } from './refusal.js';

const tag = Math.random().toString(36).slice(2, 8);
/** Installed once; runs every positive control. */
const PROBE = `eprobe-${tag}`;
/** Never installed: every refused configuration runs under this name, so nothing of it may ever exist. */
const DENY = `edeny-${tag}`;
const BASE = { tool: 'npm:cowsay', command: 'sh' };
/** A host file a shell-evaluated variable name would create. */
const PWNED = `/tmp/p-${tag}`;
const INJECTED_NAME = `x[$(touch ${PWNED})]`;
/** The capability sets and no_new_privs of the tool's shell. */
const STATUS_PROBE = "grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs):' /proc/self/status";
const NET_RAW_BIT = 1n << 13n;

const statusOf = (out: string): Record<string, string> => Object.fromEntries(out.trim().split('\n').map((l) => l.split(/:\s*/) as [string, string]));

describe('env and podman_args policy against real containers (podman)', () => {
  let sb: Sandbox;

  const configure = (tool: string, cfg: Record<string, unknown>) => {
    const tools = { [PROBE]: BASE, [DENY]: BASE, [tool]: { ...BASE, ...cfg } };
    fs.writeFileSync(path.join(sb.root, 'config', 'shim', 'config.json'), JSON.stringify(tools, null, 2));
  };
  const run = (tool: string, cfg: Record<string, unknown>, script: string, env: Record<string, string> = {}) => {
    configure(tool, cfg);
    return sb.run(['shim', 'run', tool, '-c', script], { env });
  };

  /** Exit 125 naming the field and the reason, nothing on stdout, and no container or install of DENY. */
  async function expectRefused(r: { exitCode?: number; stdout: unknown; stderr: unknown }, ...fragments: string[]) {
    const stderr = String(r.stderr);
    expect(r.exitCode, stderr).toBe(125);
    expect(String(r.stdout)).toBe('');
    for (const f of fragments) expect(stderr).toContain(f);
    await expectNothingStarted(sb, DENY);
  }

  beforeAll(async () => {
    fs.rmSync(PWNED, { force: true });
    sb = await createSandbox('podman', { [PROBE]: BASE, [DENY]: BASE });
    // install the probe tool once (the first run installs), so later controls are quick
    const first = await run(PROBE, {}, 'echo installed');
    expect(first.exitCode, String(first.stderr)).toBe(0);
  });

  afterAll(async () => {
    await removeToolVolumes(sb, [PROBE, DENY]);
    removeSandbox(sb);
    fs.rmSync(PWNED, { force: true });
  });

  describe('environment', () => {
    it('refuses a shell-injection variable name at config load: no container, no file on the host', async () => {
      await expectRefused(await run(DENY, { env_passthrough: [INJECTED_NAME] }, 'true'), `${DENY}.env_passthrough[0]`, 'must be a variable name');
      await expectRefused(await run(DENY, { env: { [INJECTED_NAME]: '1' } }, 'true'), `${DENY}.env`, 'must be a variable name');
      expect(fs.existsSync(PWNED)).toBe(false);
      // positive control: the same text as a value reaches the tool byte for byte, under a valid name,
      // and is not evaluated on the host either
      const ok = await run(PROBE, { env: { PLAIN_NAME: `$(touch ${PWNED})` } }, 'printf "%s" "$PLAIN_NAME"');
      expect(ok.exitCode, String(ok.stderr)).toBe(0);
      expect(ok.stdout).toBe(`$(touch ${PWNED})`);
      expect(fs.existsSync(PWNED)).toBe(false);
    });

    it('refuses a secret-looking passthrough not listed in secrets; with secrets it arrives', async () => {
      const env = { NPM_TOKEN: `npm-secret-${tag}` };
      await expectRefused(
        await run(DENY, { env_passthrough: ['NPM_TOKEN'] }, 'echo "$NPM_TOKEN"', env),
        `${DENY}.env_passthrough[0]: NPM_TOKEN looks like a secret`,
        `add "NPM_TOKEN" to ${DENY}.secrets if this tool should get it`,
      );
      // positive control: listed in secrets, the same passthrough arrives
      const ok = await run(PROBE, { env_passthrough: ['NPM_TOKEN'], secrets: ['NPM_TOKEN'] }, 'echo "token=$NPM_TOKEN"', env);
      expect(ok.exitCode, String(ok.stderr)).toBe(0);
      expect(ok.stdout).toBe(`token=npm-secret-${tag}\n`);
    });

    it('refuses a secret-looking configured value not listed in secrets; with secrets it arrives', async () => {
      await expectRefused(await run(DENY, { env: { API_TOKEN: 'configured-secret' } }, 'echo "$API_TOKEN"'), `${DENY}.env.API_TOKEN: API_TOKEN looks like a secret`);
      const ok = await run(PROBE, { env: { API_TOKEN: 'configured-secret' }, secrets: ['API_TOKEN'] }, 'echo "$API_TOKEN"');
      expect(ok.exitCode, String(ok.stderr)).toBe(0);
      expect(ok.stdout).toBe('configured-secret\n');
    });

    it('never passes SSH_AUTH_SOCK, even when listed in secrets; an ordinary socket path variable passes', async () => {
      const env = { SSH_AUTH_SOCK: '/tmp/ssh-agent.sock', SOCK_PATH: '/tmp/ssh-agent.sock' };
      await expectRefused(
        await run(DENY, { env_passthrough: ['SSH_AUTH_SOCK'], secrets: ['SSH_AUTH_SOCK'] }, 'echo "$SSH_AUTH_SOCK"', env),
        `${DENY}.env_passthrough[0]: SSH_AUTH_SOCK is never passed to a tool, even when listed in secrets`,
        'ssh-agent',
      );
      await expectRefused(await run(DENY, { env: { SSH_AUTH_SOCK: '/x' }, secrets: ['SSH_AUTH_SOCK'] }, 'true'), `${DENY}.env.SSH_AUTH_SOCK`);
      // positive control: the same value under a name that is no host socket arrives; SSH_AUTH_SOCK set
      // on the host but not configured does not
      const ok = await run(PROBE, { env_passthrough: ['SOCK_PATH'] }, 'echo "sock=$SOCK_PATH"; env | grep -c SSH_AUTH_SOCK || true', env);
      expect(ok.exitCode, String(ok.stderr)).toBe(0);
      expect(ok.stdout).toBe('sock=/tmp/ssh-agent.sock\n0\n');
    });

    it('refuses overriding HOME and PATH, which shim sets; the tool sees shim\'s own', async () => {
      await expectRefused(await run(DENY, { env: { HOME: '/workspace' } }, 'true'), `${DENY}.env.HOME: HOME is set by shim`);
      await expectRefused(await run(DENY, { env_passthrough: ['PATH'] }, 'true'), `${DENY}.env_passthrough[0]: PATH is set by shim`);
      const ok = await run(PROBE, {}, 'echo "$HOME"');
      expect(ok.stdout).toBe('/home/shim\n');
    });
  });

  describe('podman_args', () => {
    it.each([
      [['--privileged'], '--privileged'],
      [['--cap-add=SYS_ADMIN'], '--cap-add'],
      [['-v', '/:/host'], '--volume'],
      [['--security-opt', 'seccomp=unconfined'], '--security-opt'],
      [['--pid=host'], '--pid'],
      [['--userns=host'], '--userns'],
      [['--runtime', '/bin/false'], '--runtime'],
      [['-eFOO=1'], '--env'],
    ])('refuses %j before any container starts', async (podman_args, flag) => {
      const r = await run(DENY, { podman_args }, STATUS_PROBE);
      await expectRefused(r, `${DENY}.podman_args[0]`, flag, 'unsafe_podman_args');
    });

    it('positive control: an allowed --label reaches podman and the container runs', async () => {
      const child = run(PROBE, { podman_args: ['--label', `io.example.probe=${tag}`] }, 'echo started; sleep 4; echo done');
      let seen = '';
      for (let i = 0; i < 40 && !seen; i++) {
        await new Promise((r) => setTimeout(r, 250));
        seen = (await sb.runtime(['ps', '--filter', `label=io.example.probe=${tag}`, '--format', '{{.Labels}}'])).stdout.trim();
      }
      const r = await child;
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(r.stdout).toBe('started\ndone\n');
      expect(seen).toContain(`io.shim.tool:${PROBE}`);
    });

    it('a normal run has no capabilities and no_new_privs set', async () => {
      const r = await run(PROBE, {}, STATUS_PROBE);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(statusOf(r.stdout)).toEqual({ CapEff: '0000000000000000', CapPrm: '0000000000000000', CapBnd: '0000000000000000', NoNewPrivs: '1' });
      // positive control of the probe: the same image run directly by podman, without shim's flags,
      // shows capabilities and no no_new_privs
      const direct = await sb.runtime(['run', '--rm', '--pull=never', '--network=none', sb.env.SHIM_BASE_IMAGE!, 'sh', '-c', STATUS_PROBE]);
      expect(direct.exitCode, direct.stderr).toBe(0);
      const status = statusOf(direct.stdout);
      expect(status.CapEff).not.toBe('0000000000000000');
      expect(status.NoNewPrivs).toBe('0');
    });

    it('with unsafe_podman_args, --cap-add=NET_RAW passes with a warning and shows in CapEff; without, it is refused', async () => {
      await expectRefused(await run(DENY, { podman_args: ['--cap-add=NET_RAW'] }, STATUS_PROBE), `${DENY}.podman_args[0]: "--cap-add=NET_RAW" gives the tool capabilities`);
      const r = await run(PROBE, { podman_args: ['--cap-add=NET_RAW'], unsafe_podman_args: true }, STATUS_PROBE);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(String(r.stderr)).toContain(`${PROBE}: "unsafe_podman_args" is set`);
      expect(String(r.stderr)).toContain('--cap-add=NET_RAW');
      const capEff = BigInt(`0x${statusOf(r.stdout).CapEff}`);
      expect(capEff & NET_RAW_BIT).toBe(NET_RAW_BIT);
      // and back without the flag: nothing
      const plain = await run(PROBE, { unsafe_podman_args: false }, STATUS_PROBE);
      expect(statusOf(plain.stdout).CapEff).toBe('0000000000000000');
      expect(String(plain.stderr)).not.toContain('unsafe_podman_args');
    });
  });
});
