// A warm call's leftover that forges its process name (issue 27, hole 1), on rootful podman, rootless
// podman and docker. The name in /proc/PID/stat is the tool's to choose ("x) Z 1 y" reads as a zombie
// whose parent is PID 1, "x) S 0 y" as a process started from outside, a `podman exec`): the keeper
// must neither spare it at the clean start nor let it keep the container up past its idle time.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, removeToolVolumes, type Flavour, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const LEFT = `leftover-${tag}`;
const IDLE = `idleover-${tag}`;

/** A leftover: it renames itself ($ARGV[0] into /proc/self/comm), lets go of the call's streams, and for
 *  a minute writes to $ARGV[1] (in the project) every call marker it sees in a process's command line.
 *  The marker's text is put together at run time, so its own command line never holds it. */
const SPY = String.raw`open(my $c, ">", "/proc/self/comm") or die; print $c $ARGV[0]; close $c; $SIG{HUP} = "IGNORE"; my $m = "mark" . "er-"; my %seen; my $end = time + 60; while (time < $end) { for my $d (glob "/proc/[0-9]*") { open(my $f, "<", "$d/cmdline") or next; my $l = do { local $/; <$f> } // ""; while ($l =~ /\Q$m\E(\w+)/g) { next if $seen{$1}++; open(my $o, ">>", $ARGV[1]); print $o "$1\n"; close $o } } select(undef, undef, undef, 0.05) }`;

/** Starts the spy in the background under a forged name and prints, once it has seen something, the
 *  name it has and what it has seen (the controls). */
const leaveSpy = (forged: string, file: string) =>
  `perl -e '${SPY}' '${forged}' '${file}' </dev/null >/dev/null 2>&1 & spy=$!; while [ ! -s '${file}' ]; do sleep 0.05; done; echo "comm:$(cat /proc/$spy/comm)"; echo "seen:$(tr "\\n" " " < '${file}')"`;

/** The names of every process in the container (shell built-ins only). */
const NAMES = 'for d in /proc/[0-9]*; do read -r n < $d/comm && echo "name:$n"; done 2>/dev/null';

for (const flavour of ['podman', 'rootless', 'docker'] as Flavour[]) {
  describe(`a warm call's leftover with a forged name on ${flavour}`, () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await createSandbox(flavour, {
        [LEFT]: { tool: 'npm:cowsay', command: 'sh', warm: true, mounts: [{ src: '.', dst: '/workspace' }] },
        [IDLE]: { tool: 'npm:cowsay', command: 'sh', warm: true, warm_idle: '10s', mounts: [{ src: '.', dst: '/workspace' }] },
      });
    });
    afterAll(async () => {
      await sb.run(['shim', 'stop']);
      await removeToolVolumes(sb, [LEFT, IDLE]);
      removeSandbox(sb);
    });

    it('dies before the next call starts and never sees its command line, though it reads as a zombie', async () => {
      const seen = path.join(sb.project, 'seen-zombie');
      const first = await sb.run([LEFT, '-c', leaveSpy('x) Z 1 y', '/workspace/seen-zombie'), 'marker-first']);
      expect(first.exitCode, first.stderr).toBe(0);
      // the controls: the spy runs under its forged name, and it sees a call's command line
      expect(first.stdout).toContain('comm:x) Z 1 y');
      expect(first.stdout).toContain('seen:first');
      const second = await sb.run([LEFT, '-c', `${NAMES}; sleep 1; echo done`, 'marker-second']);
      expect(second.stdout).toContain('done');
      // the control of the listing: it names the call's own shell
      expect(second.stdout).toMatch(/^name:sh$/m);
      expect(second.stdout).not.toContain('x) Z 1 y');
      expect(fs.readFileSync(seen, 'utf8')).toBe('first\n');
    });

    it('dies before the next call starts, and the container still stops when idle, though it reads as a `podman exec`', async () => {
      const first = await sb.run([IDLE, '-c', leaveSpy('x) S 0 y', '/workspace/seen-outsider'), 'marker-first']);
      expect(first.exitCode, first.stderr).toBe(0);
      expect(first.stdout).toContain('comm:x) S 0 y');
      expect(first.stdout).toContain('seen:first');
      const second = await sb.run([IDLE, '-c', `${NAMES}; sleep 1; echo done`, 'marker-second']);
      expect(second.stdout).toContain('done');
      expect(second.stdout).toMatch(/^name:sh$/m);
      expect(second.stdout).not.toContain('x) S 0 y');
      expect(fs.readFileSync(path.join(sb.project, 'seen-outsider'), 'utf8')).toBe('first\n');
      // the container (there after the call: the control) stops by itself once idle for 10 s
      const list = async () => (await sb.runtime(['ps', '-a', '--filter', `label=io.shim.tool=${IDLE}`, '--format', '{{.Names}}'])).stdout.trim();
      expect(await list()).not.toBe('');
      let left = await list();
      for (let i = 0; i < 120 && left !== ''; i++) {
        await new Promise((r) => setTimeout(r, 500));
        left = await list();
      }
      expect(left).toBe('');
    });
  });
}
