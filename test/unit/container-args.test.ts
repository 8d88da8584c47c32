import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PIDS_LIMIT } from '../../src/defaults.js';
import { buildContainerBaseArgs } from '../../src/plan/container.js';
import { limitsEnforceable } from '../../src/runtime/detect.js';
import { docker, rootfulPodman, rootlessPodman } from './fixtures.js';

describe('container defaults', () => {
  it('private IPC and no log copy on every runtime', () => {
    for (const rt of [rootlessPodman(), rootfulPodman(), docker()]) {
      const argv = buildContainerBaseArgs(rt, 'n', 't', 'r', undefined, '/pkg/containerfiles/seccomp.json', 'abc123abc123');
      expect(argv).toContain('--ipc=private');
      expect(argv).toContain('--log-driver=none');
      expect(argv.join(' ')).toContain('--label io.shim.setup=abc123abc123');
      expect(argv).toContain('--security-opt=seccomp=/pkg/containerfiles/seccomp.json');
    }
  });

  it('adds the process limit only when one is given', () => {
    expect(buildContainerBaseArgs(docker(), 'n', 't', 'r', DEFAULT_PIDS_LIMIT, '/s.json', 'abc123abc123')).toContain(`--pids-limit=${DEFAULT_PIDS_LIMIT}`);
    expect(buildContainerBaseArgs(docker(), 'n', 't', 'r', undefined, '/s.json', 'abc123abc123').some((a) => a.startsWith('--pids-limit'))).toBe(false);
  });
});

describe('limitsEnforceable', () => {
  const v2 = fs.mkdtempSync(path.join(os.tmpdir(), 'cg2-'));
  fs.writeFileSync(path.join(v2, 'cgroup.controllers'), 'cpu memory pids\n');
  const v1 = fs.mkdtempSync(path.join(os.tmpdir(), 'cg1-'));

  it('rootless podman needs cgroup v2', () => {
    expect(limitsEnforceable(rootlessPodman(), v1)).toBe(false);
    expect(limitsEnforceable(rootlessPodman(), v2)).toBe(true);
  });

  it('rootful podman and docker enforce limits on either version', () => {
    expect(limitsEnforceable(rootfulPodman(), v1)).toBe(true);
    expect(limitsEnforceable(docker(), v1)).toBe(true);
  });
});
