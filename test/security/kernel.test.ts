// shim's seccomp profile on real podman: deny by default (a syscall it does not list never reaches the
// kernel, io_uring included), no user namespace can be created from inside a tool, where podman's stock
// profile would allow it; ordinary work is unaffected.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const PROBE = `kernel-${tag}`;
const BASE = 'localhost/shim-base:bookworm';
/** The flags of a shim container that matter here, without its seccomp profile. */
const BARE = ['run', '--rm', '--network', 'none', '--cap-drop=all', '--security-opt=no-new-privileges'];
/** A profile in the style shim shipped before: allow everything, refuse a list. */
const ALLOW_ALL = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });

/** Prints the errno of a raw syscall (425 io_uring_setup with a null params pointer: a kernel that
 *  sees the call answers EFAULT, 14; seccomp answers before it, ENOSYS 38 or EPERM 1). */
const IO_URING_PROBE = `perl -e '$r = syscall(425, 1, 0); print $r < 0 ? "errno=" . ($! + 0) : "ok", "\\n"'`;
/** clone(CLONE_NEWUSER|SIGCHLD) without a stack (fork-like): the child exits at once. */
const CLONE_NEWUSER_PROBE = `perl -e '$r = syscall(56, 0x10000000 | 17, 0, 0, 0, 0); exit 0 if $r == 0; print $r < 0 ? "errno=" . ($! + 0) : "created", "\\n"'`;

function seccompSuite(flavour: Flavour) {
  describe(`seccomp profile on ${flavour}`, () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await createSandbox(flavour, { [PROBE]: { tool: 'npm:cowsay', command: 'sh' } });
    });
    afterAll(async () => {
      await removeToolVolumes(sb, [PROBE]);
      removeSandbox(sb);
    });

    it('refuses io_uring_setup before the kernel sees it (an allow-all profile lets it through)', async () => {
      // positive control: under an allow-all profile (shim's old style) the kernel answers the probe
      const profile = `${sb.root}/allow-all.json`;
      fs.writeFileSync(profile, ALLOW_ALL);
      const control = await sb.runtime([...BARE, `--security-opt=seccomp=${profile}`, BASE, 'sh', '-c', IO_URING_PROBE]);
      expect(control.stdout.trim(), control.stderr).toBe('errno=14');
      const r = await sb.run([PROBE, '-c', IO_URING_PROBE]);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(['errno=38', 'errno=1']).toContain(String(r.stdout).trim());
    });

    // docker's own profile refuses user namespaces too, so this probe has its positive control on podman
    // only (and is defined only there: no test is skipped)
    if (flavour === 'podman') it('refuses to create a user namespace, by unshare or by clone (podman alone allows it)', async () => {
      // positive control: the same probes under the runtime's stock profile, with the same capabilities
      const bare = await sb.runtime([...BARE, BASE, 'sh', '-c', `unshare -U true && echo created; ${CLONE_NEWUSER_PROBE}`]);
      expect(bare.stdout.trim().split('\n'), bare.stderr).toEqual(['created', 'created']);
      const r = await sb.run([PROBE, '-c', `unshare -U true 2>/dev/null && echo created || echo refused; ${CLONE_NEWUSER_PROBE}`]);
      expect(r.exitCode).toBe(0);
      expect(String(r.stdout).trim().split('\n')).toEqual(['refused', 'errno=1']);
    });

    it('leaves ordinary work alone: processes, threads (clone3 falls back to clone), files, npm, git', async () => {
      const r = await sb.run([PROBE, '-c', [
        'node -e "require(\'child_process\').execFileSync(\'true\'); new (require(\'worker_threads\').Worker)(\'0\', { eval: true }); require(\'fs\').promises.readFile(\'/etc/hostname\').then(() => console.log(\'node-ok\'))" 2>&1 | tail -1',
        'echo data > /tmp/f && cat /tmp/f',
        'npm --version >/dev/null && echo npm-ok',
        'cd /tmp && git init -q repo && cd repo && git -c user.email=a@b -c user.name=a commit -q --allow-empty -m x && git log --format=%s',
      ].join('; ')]);
      expect(String(r.stdout).split('\n').slice(0, 4), String(r.stderr)).toEqual(['node-ok', 'data', 'npm-ok', 'x']);
    });
  });
}

seccompSuite('podman');
seccompSuite('docker');
