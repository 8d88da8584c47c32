import { describe, expect, it } from 'vitest';
import { lostSessionContainer, lostSessionRemoveArgv, sessionContainersArgv } from '../../src/plan/session-stop.js';

describe('stopping a lost session', () => {
  it('lists containers by the session label', () => {
    expect(sessionContainersArgv('work', 'abc123')).toEqual(['ps', '--all', '--filter', 'label=io.shim.session=work', '--filter', 'label=io.shim.setup=abc123', '--format', '{{.Names}}']);
  });

  it('picks only the container the record names (docker may print a leading slash)', () => {
    expect(lostSessionContainer('shim-session-work-a\n/shim-session-work-b\n', 'shim-session-work-b')).toBe('shim-session-work-b');
    // another setup's session of the same name has another container: left alone
    expect(lostSessionContainer('shim-session-work-a\n', 'shim-session-work-b')).toBeUndefined();
    expect(lostSessionContainer('', 'shim-session-work-b')).toBeUndefined();
  });

  it('removes it at once on both runtimes', () => {
    expect(lostSessionRemoveArgv('podman', 'c')).toEqual(['rm', '--force', '--time', '0', 'c']);
    expect(lostSessionRemoveArgv('docker', 'c')).toEqual(['rm', '--force', 'c']);
  });
});
