// The behaviour every runtime must show, run for real: through tool links made by `shim up`, with a
// real image built by shim and a real npm package (cowsay) installed by mise. Shell probes use the
// image's /bin/sh as the tool's command (the install is still real: the tool volume holds cowsay).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, waitForOutput, type Flavour, type Sandbox } from './harness.js';

const PROJECT = [{ src: '.', dst: '/workspace' }];
// Tool names unique to this run: tool volumes are per runtime user, so sandboxes of other test files
// (or of earlier runs) never share an install with these.
const tag = Math.random().toString(36).slice(2, 8);
const COW = `cowsay-${tag}`;
const BOX = `box-${tag}`;
const NETBOX = `netbox-${tag}`;
const ROBOX = `robox-${tag}`;
const STATEFUL = `stateful-${tag}`;
const SAMEPATH = `samepath-${tag}`;
export const CORE_TOOLS = {
  [SAMEPATH]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.' }] },
  [COW]: { tool: 'npm:cowsay', command: 'cowsay' },
  [BOX]: { tool: 'npm:cowsay', command: 'sh', mounts: PROJECT, env: { MULTI: 'line1\nline2', GREETING: 'hi there' }, env_passthrough: ['PASS_ME', 'PASS_UNSET'] },
  [NETBOX]: { tool: 'npm:cowsay', command: 'sh', network: 'bridge' },
  [ROBOX]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: '.', dst: '/workspace', opts: 'ro' }] },
  [STATEFUL]: { tool: 'npm:cowsay', command: 'sh', mounts: [{ src: 'state', dst: '/home/shim/state' }] },
};

/** Interfaces other than loopback listed in /proc/net/dev inside the container. */
const NON_LO_INTERFACES = `tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | grep -v '^lo$' || true`;

export function defineCoreCases(flavour: Flavour): void {
  describe(`core behaviour on ${flavour}`, () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await createSandbox(flavour, CORE_TOOLS);
    });
    afterAll(async () => {
      await removeToolVolumes(sb, Object.keys(CORE_TOOLS));
      await sb.runtime(['volume', 'rm', '--force', `shim-vol-${STATEFUL}-state`]);
      removeSandbox(sb);
    });

    it('installs a real npm tool with mise on first use, then runs it again without installing', async () => {
      const first = await sb.run([COW, 'hello', 'shim']);
      expect(first.stderr).toContain(`installing ${COW} (npm:cowsay, first use)`);
      expect(first.exitCode).toBe(0);
      expect(first.stdout).toContain('< hello shim >');
      // the second run is fully offline (network none) and must not install again
      const second = await sb.run([COW, 'again']);
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toContain('< again >');
      expect(second.stderr).not.toContain('installing');
    });

    it('mounts the project root at its own host path and starts in the current subdirectory', async () => {
      const sub = path.join(sb.project, 'deep', 'er');
      fs.mkdirSync(path.join(sb.project, '.git'), { recursive: true });
      fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sb.project, 'top.txt'), 'top\n');
      if (flavour === 'rootless') fs.chownSync(sub, sb.uid, sb.uid), fs.chownSync(path.dirname(sub), sb.uid, sb.uid), fs.chownSync(path.join(sb.project, '.git'), sb.uid, sb.uid);
      const r = await sb.run([SAMEPATH, '-c', 'pwd; cat ../../top.txt; cat "$1"', 'sh', path.join(sb.project, 'top.txt')], { cwd: sub });
      expect(r.stderr).not.toMatch(/No such file|can't/);
      expect(r.stdout).toBe(`${sub}\ntop\ntop\n`);
      expect(r.exitCode).toBe(0);
      // control: with a dst, the same subdirectory is reached under it
      const boxed = await sb.run([BOX, '-c', 'pwd'], { cwd: sub });
      expect(boxed.stdout).toBe('/workspace/deep/er\n');
    });

    it('passes arguments byte for byte', async () => {
      const args = ['a b', `it's "quoted"`, '$HOME', '*', 'line1\nline2', '', '-n', '--help', '\\back'];
      const r = await sb.run([BOX, '-c', 'for a in "$@"; do printf "%s\\0" "$a"; done', 'sh', ...args]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
    });

    it('forwards piped stdin and keeps stdout and stderr separate, without terminal codes', async () => {
      const r = await sb.run([BOX, '-c', 'cat; echo to-err >&2'], { input: 'abc\n' });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('abc\n');
      expect(r.stderr).toContain('to-err');
      expect(r.stdout).not.toContain('\r');
    });

    it.each([0, 1, 42])('passes exit status %i through unchanged', async (code) => {
      const r = await sb.run([BOX, '-c', `exit ${code}`]);
      expect(r.exitCode).toBe(code);
    });

    it.each([
      ['SIGTERM', 143],
      ['SIGINT', 130],
      ['SIGHUP', 129],
    ] as const)('delivers %s to the tool and leaves no container behind', async (signal, status) => {
      const child = sb.run([BOX, '-c', 'echo ready; exec sleep 60']);
      await waitForOutput(child, 'ready');
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(status);
      const left = await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${BOX}`, '--format', '{{.Names}}']);
      expect(left.exitCode).toBe(0);
      expect(left.stdout.trim()).toBe('');
    });

    it('gives the tool exactly its configured env, and no host variable it was not given', async () => {
      const r = await sb.run([BOX, '-c', 'env'], { env: { HOST_SECRET: 'leak-me', PASS_ME: 'passed', AWS_SECRET_ACCESS_KEY: 'x' } });
      expect(r.exitCode).toBe(0);
      const env = r.stdout;
      expect(env).toContain('MULTI=line1\nline2\n');
      expect(env).toContain('GREETING=hi there\n');
      // positive control: a listed passthrough variable does arrive, so the probe below could see one
      expect(env).toContain('PASS_ME=passed\n');
      expect(env).not.toContain('HOST_SECRET');
      expect(env).not.toContain('AWS_SECRET_ACCESS_KEY');
      expect(env).not.toContain('PASS_UNSET');
      expect(env).not.toMatch(/^(http|https|no)_proxy=/im);
    });

    it('writes to a read-write mount as the invoking user, and cannot write to a read-only one', async () => {
      const ok = await sb.run([BOX, '-c', 'echo data > written.txt && cat written.txt']);
      expect(ok.exitCode).toBe(0);
      const file = path.join(sb.project, 'written.txt');
      expect(fs.readFileSync(file, 'utf8')).toBe('data\n');
      expect(fs.statSync(file).uid).toBe(sb.uid);
      const ro = await sb.run([ROBOX, '-c', 'echo no > denied.txt']);
      expect(ro.exitCode).not.toBe(0);
      expect(ro.stderr).toMatch(/read-only file system/i);
      expect(fs.existsSync(path.join(sb.project, 'denied.txt'))).toBe(false);
      // the read-only tool does see the project (the write failed for the right reason)
      const seen = await sb.run([ROBOX, '-c', 'cat written.txt']);
      expect(seen.stdout).toBe('data\n');
    });

    it('has no network interface but loopback by default; bridge is the explicit opt-in', async () => {
      const none = await sb.run([BOX, '-c', NON_LO_INTERFACES]);
      expect(none.exitCode).toBe(0);
      expect(none.stdout.trim()).toBe('');
      // positive control: the same probe lists an interface when the tool has a network
      const bridge = await sb.run([NETBOX, '-c', NON_LO_INTERFACES]);
      expect(bridge.exitCode).toBe(0);
      expect(bridge.stdout.trim()).not.toBe('');
    });

    it('cannot write outside its mounts: the root file system and the tool install are read-only', async () => {
      const r = await sb.run([BOX, '-c', 'touch /usr/x 2>&1; touch /mise/x 2>&1; touch /tmp/ok && echo tmp-ok']);
      expect(r.stdout).toMatch(/\/usr\/x.*Read-only file system/);
      expect(r.stdout).toMatch(/\/mise\/x.*Read-only file system/);
      expect(r.stdout).toContain('tmp-ok');
    });

    it('runs two calls of the same tool at the same time without collisions', async () => {
      const [a, b] = await Promise.all([sb.run([BOX, '-c', 'sleep 1; echo a']), sb.run([BOX, '-c', 'sleep 1; echo b'])]);
      expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
      expect([a.stdout, b.stdout]).toEqual(['a\n', 'b\n']);
    });

    it('keeps a named volume between runs, writable by the tool and invisible to other tools', async () => {
      const first = await sb.run([STATEFUL, '-c', 'echo remembered > /home/shim/state/note && id -u']);
      expect(first.exitCode).toBe(0);
      expect(first.stdout.trim()).toBe(String(sb.uid));
      const second = await sb.run([STATEFUL, '-c', 'cat /home/shim/state/note']);
      expect(second.stdout).toBe('remembered\n');
      // positive control of isolation: another tool has no such state (HOME is a fresh tmpfs)
      const other = await sb.run([BOX, '-c', 'cat /home/shim/state/note 2>&1 || echo absent']);
      expect(other.stdout).toContain('absent');
    });

    it('records every run in the audit log, with variable names but never values', async () => {
      const r = await sb.run([BOX, '-c', 'exit 7'], { env: { PASS_ME: 'audit-secret' } });
      expect(r.exitCode).toBe(7);
      const log = await sb.run(['shim', 'log', '--json', '--tool', BOX]);
      expect(log.exitCode).toBe(0);
      const records = JSON.parse(log.stdout) as { exitCode: number; via: string; env: string[]; network: string; version: string; mounts: { dst: string; mode: string }[] }[];
      const last = records[records.length - 1]!;
      expect(last).toMatchObject({ exitCode: 7, via: 'link', network: 'none', version: '1.6.0' });
      expect(last.env).toContain('PASS_ME');
      // the project, plus its read-only .git once an earlier case made it a repository
      expect(last.mounts.filter((m) => !m.dst.endsWith('/.git'))).toEqual([expect.objectContaining({ dst: '/workspace', mode: 'rw' })]);
      expect(log.stdout).not.toContain('audit-secret');
    });

    it('prints the exact command with --dry-run and SHIM_DEBUG, secrets redacted', async () => {
      const dry = await sb.run(['shim', 'run', '--dry-run', BOX, '-c', 'echo hi'], { env: { PASS_ME: 'topsecret' } });
      expect(dry.exitCode).toBe(0);
      expect(dry.stdout).toMatch(/ run --rm --pull=never /);
      // no value on the command: a bare --env PASS_ME takes it from the runtime's environment
      expect(dry.stdout).toContain('--env PASS_ME ');
      expect(dry.stdout).not.toContain('topsecret');
      const debug = await sb.run([BOX, '-c', 'echo hi'], { env: { SHIM_DEBUG: '1', PASS_ME: 'topsecret' } });
      expect(debug.stdout).toBe('hi\n');
      expect(debug.stderr).toContain('run command: ');
      expect(debug.stderr).not.toContain('topsecret');
    });
  });
}
