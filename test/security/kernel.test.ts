// shim's seccomp profile on real podman: no user namespace can be created from inside a tool, where
// podman's stock profile would allow it; ordinary work is unaffected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, removeSandbox, type Sandbox } from '../e2e/harness.js';

const tag = Math.random().toString(36).slice(2, 8);
const PROBE = `kernel-${tag}`;

describe('seccomp profile on podman', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await createSandbox('podman', { [PROBE]: { tool: 'npm:cowsay', command: 'sh' } });
  });
  afterAll(async () => {
    await sb.runtime(['volume', 'rm', '--force', `shim-tool-${PROBE}`]);
    removeSandbox(sb);
  });

  it('refuses to create a user namespace (podman alone allows it)', async () => {
    // positive control: the same probe under podman's stock profile, with the same capabilities
    const bare = await sb.runtime(['run', '--rm', '--network', 'none', '--cap-drop=all', '--security-opt=no-new-privileges', 'localhost/shim-base:bookworm', 'sh', '-c', 'unshare -U true && echo created']);
    expect(bare.stdout.trim()).toBe('created');
    const r = await sb.run([PROBE, '-c', 'unshare -U true && echo created || echo refused']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('refused');
  });

  it('leaves ordinary work alone: processes, threads (clone3 falls back to clone), files', async () => {
    const r = await sb.run([PROBE, '-c', [
      'node -e "require(\'child_process\').execFileSync(\'true\'); new (require(\'worker_threads\').Worker)(\'0\', { eval: true }); console.log(\'node-ok\')" 2>&1 | tail -1',
      'echo data > /tmp/f && cat /tmp/f',
    ].join('; ')]);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual(['node-ok', 'data']);
  });
});
