// Warm containers under attack, on docker (where warm pays off) and rootless podman: a call that tries to
// outlive itself, a call that goes for the keeper, two projects of one tool, and the hardening of the
// container itself. Every "cannot" has a control that shows the probe sees what it looks for.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI_USER, createSandbox, removeSandbox, removeToolVolumes, userIds, type Flavour, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const WARM = `warmprobe-${tag}`;
/** Command lines of every process in the container but PID 1 (shell built-ins only). */
const PROCESSES = 'for d in /proc/[0-9]*; do [ "${d#/proc/}" = 1 ] && continue; tr "\\0" " " < $d/cmdline 2>/dev/null; echo; done';
// a process that keeps replacing itself: every generation starts the next and exits at once
const HOPPER = `hop='sleep 0.02; sh -c "$0" "$0" & exit 0'; (setsid sh -c "$hop" "$hop" >/dev/null 2>&1 &)`;

async function containers(sb: Sandbox): Promise<string[]> {
  const r = await sb.run(['shim', 'ps', '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { containers: { name: string; tool: string }[] }).containers.filter((c) => c.tool === WARM).map((c) => c.name);
}

for (const flavour of ['docker', 'rootless'] as Flavour[]) {
  describe(`warm containers under attack on ${flavour}`, () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await createSandbox(flavour, { [WARM]: { tool: 'npm:cowsay', command: 'sh', warm: true, mounts: [{ src: '.', dst: '/workspace' }] } });
    });
    afterAll(async () => {
      await sb.run(['shim', 'stop']);
      await removeToolVolumes(sb, [WARM]);
      removeSandbox(sb);
    });

    it('has the hardening of a cold run: no capabilities, no privilege gain, seccomp, read-only root', async () => {
      const r = await sb.run([WARM, '-c', 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; touch /usr/x 2>&1 || true']);
      expect(r.stdout).toMatch(/^CapEff:\s+0+$/m);
      expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
      expect(r.stdout).toContain('Read-only file system');
      expect(await containers(sb)).toHaveLength(1);
    });

    it('kills a call\'s background processes, a self-replacing one included, before the next call', async () => {
      const first = await sb.run([WARM, '-c', `(setsid sleep 777 >/dev/null 2>&1 &); ${HOPPER}; sleep 0.3; ${PROCESSES}`]);
      expect(first.exitCode, first.stderr).toBe(0);
      // the controls: both were running when the call ended
      expect(first.stdout).toContain('sleep 777');
      expect(first.stdout).toContain('sleep 0.02');
      // the keeper kills leftovers within a second or so of the last call; the next call also starts clean
      await new Promise((r) => setTimeout(r, 2500));
      const [name] = await containers(sb);
      const between = await sb.runtime(['exec', name!, 'sh', '-c', PROCESSES]);
      expect(between.stdout).not.toContain('sleep 777');
      expect(between.stdout).not.toContain('sleep 0.02');
      const second = await sb.run([WARM, '-c', PROCESSES]);
      expect(second.stdout).not.toContain('sleep 777');
      expect(second.stdout).not.toContain('sleep 0.02');
    });

    it('cannot kill or stop the keeper, which is the container\'s PID 1', async () => {
      const [before] = await containers(sb);
      // the control: the same signals work on a process of the call's own
      const r = await sb.run([WARM, '-c', 'sleep 50 & kill -9 $!; wait $!; echo "own:$?"; kill -9 1; kill -STOP 1; sleep 0.3; read -r s < /proc/1/stat; echo "pid1:${s#*) }" | cut -c1-7']);
      expect(r.stdout).toContain('own:137');
      expect(r.stdout).toContain('pid1:S');
      const next = await sb.run([WARM, '-c', 'echo still-works']);
      expect(next.stdout).toBe('still-works\n');
      expect(await containers(sb)).toEqual([before]);
    });

    it('cannot open the keeper\'s memory or read its environment (it is not dumpable), though a process of its own it can', async () => {
      // /proc/PID/mem opened for writing is what would let a call rewrite the keeper: seccomp bans ptrace,
      // not this; the control is a process the call started itself, the same user as the keeper
      const probe = 'sleep 50 & own=$!; perl -e \'for (@ARGV) { print open(my $f, "+<", "/proc/$_/mem") ? "mem:$_:open\\n" : "mem:$_:denied\\n" }\' "$own" 1 | sed "s/:$own:/:own:/"; for p in "$own" 1; do cat /proc/$p/environ >/dev/null 2>&1 && echo "env:$p:read" || echo "env:$p:denied"; done | sed "s/:$own:/:own:/"; kill $own';
      const r = await sb.run([WARM, '-c', probe]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain('mem:own:open');
      expect(r.stdout).toContain('env:own:read');
      expect(r.stdout).toContain('mem:1:denied');
      expect(r.stdout).toContain('env:1:denied');
    });

    it('keeps no leftover alive with a lock or call marks of its own making', async () => {
      const r = await sb.run([WARM, '-c', 'mkdir /run/shim-warm/lock; : > /run/shim-warm/lock/1; echo 99999 > /run/shim-warm/calls/fake; (setsid sleep 778 >/dev/null 2>&1 &); sleep 0.2; ' + PROCESSES]);
      expect(r.stdout).toContain('sleep 778');
      const [name] = await containers(sb);
      let left = r.stdout;
      for (let i = 0; i < 60 && left.includes('sleep 778'); i++) {
        await new Promise((res) => setTimeout(res, 250));
        left = (await sb.runtime(['exec', name!, 'sh', '-c', PROCESSES])).stdout;
      }
      expect(left).not.toContain('sleep 778');
    });

    it('gives each project its own container: a call never sees another project\'s files', async () => {
      const other = path.join(sb.root, 'other-project');
      fs.mkdirSync(other);
      fs.writeFileSync(path.join(other, 'secret-b.txt'), 'b');
      if (flavour === 'rootless') {
        const user = userIds(CI_USER);
        for (const p of [other, path.join(other, 'secret-b.txt')]) fs.chownSync(p, user.uid, user.gid);
      }
      const a = await sb.run([WARM, '-c', 'echo a > mine-a.txt; ls /workspace']);
      const b = await sb.run([WARM, '-c', 'ls /workspace'], { cwd: other });
      // the controls: each sees its own files
      expect(a.stdout).toContain('mine-a.txt');
      expect(b.stdout).toContain('secret-b.txt');
      expect(a.stdout).not.toContain('secret-b.txt');
      expect(b.stdout).not.toContain('mine-a.txt');
      expect(await containers(sb)).toHaveLength(2);
    });
  });
}
