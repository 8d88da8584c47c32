// Warm containers under attack, on docker and rootless podman: a call that tries to outlive itself, a
// call that goes for the keeper or for another call's socket, two projects of one tool, and the
// hardening of the container itself. Every "cannot" has a control that shows the probe sees what it looks for.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI_USER, createSandbox, removeSandbox, removeToolVolumes, userIds, waitForOutput, type Flavour, type Sandbox } from '../e2e/harness.js';

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
      const r = await sb.run([WARM, '-c', 'sleep 50 & kill -9 $!; wait $!; echo "own:$?"; kill -9 1; kill -STOP 1; kill -TERM 1; kill -USR1 1; sleep 0.3; read -r s < /proc/1/stat; echo "pid1:${s#*) }" | cut -c1-7']);
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

    it('cannot take over another call: what connects to a call\'s socket without the keeper\'s secret gets nothing', async () => {
      // call A leaves a prober running while later calls come and go: it connects to every call socket it
      // sees in the lifeline directory, claims a stream with a made-up secret, and counts what comes back
      const prober = `perl -MSocket -e '$d="/run/shim-lifeline"; $end=time+8; ($c,$b)=(0,0); while (time<$end) { opendir(D,$d) or last; for $e (grep { /[.]sock$/ } readdir D) { for $r (qw(ctl out in err)) { socket(S,AF_UNIX,SOCK_STREAM,0); next unless connect(S,pack_sockaddr_un("$d/$e")); $c++; syswrite(S,("0" x 64)." $r\\n"); $b += sysread(S,$buf,4096)||0; close S } } closedir D; open(L,">/tmp/probe"); print L "connected:$c bytes:$b\\n"; close L }'`;
      const holder = sb.run([WARM, '-c', `(${prober} &); echo probing; sleep 9; cat /tmp/probe`]);
      await waitForOutput(holder, 'probing');
      for (let i = 0; i < 15; i++) {
        const r = await sb.run([WARM, '-c', 'echo "out-$0"; cat; echo err >&2; exit 7', String(i)], { input: `in-${i}\n` });
        // (rootless podman on cgroup v1 warns first that limits are not enforced)
        expect([r.exitCode, r.stdout, r.stderr.split('\n').filter((l) => !l.includes('limits not enforced')).join('\n')]).toEqual([7, `out-${i}\nin-${i}\n`, 'err\n']);
      }
      const report = (await holder).stdout;
      const [, connected, bytes] = /connected:(\d+) bytes:(\d+)/.exec(report) ?? [];
      // the control: the prober reached shim's sockets; it was dropped every time without a byte
      expect(Number(connected), report).toBeGreaterThan(0);
      expect(Number(bytes), report).toBe(0);
    });

    it('keeps the birth nonce from the calls: not in their environment, and the birth socket is gone', async () => {
      const r = await sb.run([WARM, '-c', 'env | grep -c SHIM_WARM_BIRTH; ls -A /run/shim-lifeline | grep -c birth; ls -d /run/shim-lifeline && echo "home:$HOME"']);
      // the controls: the environment is the container's (HOME is shim's), and the directory the birth
      // socket was in is there to be listed
      expect(r.stdout).toBe('0\n0\n/run/shim-lifeline\nhome:/home/shim\n');
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
