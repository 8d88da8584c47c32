// --dry-run prints the exact runtime command on stdout and runs nothing; SHIM_DEBUG prints it on
// stderr. A tool's values are never on the command (a bare --env NAME takes its value from the
// runtime's environment), so neither shows one; shim's own constants keep theirs.
import { beforeAll, describe, expect, it } from 'vitest';
import { createWorld, expectExit, requireBuilt, type World } from './helpers.js';

beforeAll(requireBuilt);

function secretWorld(): World {
  const w = createWorld();
  w.writeConfig({ eslint: { tool: 'npm:eslint', env: { API_TOKEN: 'tok-123', PLAIN: 'visible' }, env_passthrough: ['HOST_VAL'], secrets: ['API_TOKEN'] } });
  return w;
}

describe('--dry-run', () => {
  it('prints the command on stdout starting with the runtime path, exits 0, runs nothing', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', '--dry-run', 'eslint', '.']);
    expectExit(out, 0);
    expect(out.stdout.startsWith(`${w.fake.paths.podman} run --rm --pull=never `)).toBe(true);
    expect(out.stdout.trimEnd()).toMatch(/ eslint \.$/);
    expect(out.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(out.stderr).toBe('');
    expect(w.calls().filter((c) => c.argv[0] === 'run')).toEqual([]);
  });

  it('shows no value of the tool\'s variables, only their names, and says where the values come from', async () => {
    const w = secretWorld();
    const out = await w.shim(['run', '--dry-run', 'eslint'], { env: { HOST_VAL: 'from-host-xyz' } });
    expectExit(out, 0);
    expect(out.stdout).toContain('--env HOST_VAL --env API_TOKEN --env PLAIN ');
    expect(out.stdout).toContain('--env HOME=/home/shim');
    expect(out.stdout).toContain('# --env without a value (HOST_VAL, API_TOKEN, PLAIN): the runtime takes the value from its environment');
    expect(out.stdout).not.toContain('tok-123');
    expect(out.stdout).not.toContain('visible');
    expect(out.stdout).not.toContain('from-host-xyz');
    const json = await w.shim(['run', '--dry-run', '--json', 'eslint'], { env: { HOST_VAL: 'from-host-xyz' } });
    expectExit(json, 0);
    expect(json.stdout).toContain('"API_TOKEN"');
    expect(json.stdout).not.toMatch(/tok-123|from-host-xyz|visible/);
    const explained = await w.shim(['explain', 'eslint'], { env: { HOST_VAL: 'from-host-xyz' } });
    expectExit(explained, 0);
    expect(explained.stdout).toContain('--env API_TOKEN');
    expect(explained.stdout).not.toMatch(/tok-123|from-host-xyz|visible/);
  });

  it('shell-quotes arguments so the line can be pasted', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', '--dry-run', 'eslint', "it's here", 'a b']);
    expectExit(out, 0);
    expect(out.stdout.trimEnd().endsWith(` eslint 'it'\\''s here' 'a b'`)).toBe(true);
  });

  it('still refuses a bad config (exit 125, nothing on stdout)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', network: 'bridge', allowed_hosts: ['example.org'] } });
    const out = await w.shim(['run', '--dry-run', 'eslint']);
    expectExit(out, 125);
    expect(out.stdout).toBe('');
  });
});

describe('SHIM_DEBUG', () => {
  it('prints "run command:" on stderr with the same redaction, and nothing on stdout', async () => {
    const w = secretWorld();
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_DEBUG: '1', HOST_VAL: 'from-host-xyz' } });
    expectExit(out, 0);
    expect(out.stdout).toBe('');
    const line = out.stderr.split('\n').find((l) => l.includes('run command:'));
    expect(line).toBeDefined();
    expect(line).toContain(`run command: ${w.fake.paths.podman} run `);
    expect(line).toContain('--env HOST_VAL --env API_TOKEN --env PLAIN ');
    expect(out.stderr).not.toContain('tok-123');
    expect(out.stderr).not.toContain('from-host-xyz');
    // the runtime gets the real values, through its environment: none is on its argv
    expect(w.lastToolRun().join('\n')).not.toMatch(/tok-123|from-host-xyz|visible/);
    expect(w.lastToolEnv()).toEqual(expect.arrayContaining(['API_TOKEN=tok-123', 'PLAIN=visible', 'HOST_VAL=from-host-xyz']));
  });

  it('SHIM_DEBUG=0 means off', async () => {
    const w = secretWorld();
    const out = await w.shim(['run', 'eslint'], { env: { SHIM_DEBUG: '0' } });
    expectExit(out, 0);
    expect(out.stderr).not.toContain('command:');
  });

  it('without SHIM_DEBUG, no command is printed', async () => {
    const w = secretWorld();
    const out = await w.shim(['run', 'eslint']);
    expectExit(out, 0);
    expect(out.stderr).not.toContain('run command:');
  });
});

describe('--dry-run and explain of a warm tool', () => {
  it('print the command that starts the container and what its keeper runs for the call, with secrets redacted', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', warm: true, warm_idle: '90s', env: { API_TOKEN: 'tok-123' }, secrets: ['API_TOKEN'] } });
    const out = await w.shim(['run', '--dry-run', 'eslint', '.']);
    expectExit(out, 0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[1]).toMatch(new RegExp(`^${w.fake.paths.podman} run --detach --rm --pull=never .* --env SHIM_WARM_BIRTH .* /usr/local/libexec/shim/keeper-perl /usr/local/libexec/shim/warm-keeper 90 \\w+ /tmp /home/shim /var/tmp /dev/shm$`));
    expect(lines[2]).toContain('no runtime command');
    expect(lines[3]).toBe('cd /workspace && eslint .');
    expect(out.stdout).toContain('--env API_TOKEN ');
    expect(out.stdout).not.toContain('tok-123');
    expect(w.calls().filter((c) => c.argv[0] === 'run' || c.argv[0] === 'exec')).toEqual([]);

    const json = JSON.parse((await w.shim(['run', '--dry-run', '--json', 'eslint'])).stdout);
    expect(json.warm).toMatchObject({ idleSeconds: 90, key: expect.stringMatching(/^[0-9a-f]{16}$/) });

    const explained = await w.shim(['explain', 'eslint']);
    expectExit(explained, 0);
    expect(explained.stdout).toContain('a warm container per policy, whose keeper runs each call (no runtime command per call; a call on a terminal runs cold), stopped after 90 s without one');
    expect(explained.stdout).toContain('each call, run by the container\'s keeper over a socket (no runtime command):\n  cd /workspace && eslint');
    expect(explained.stdout).toMatch(/warm\s+true\s+\[config\.json\]/);
  });

  it('refuses warm together with allowed_hosts, saying what to do', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint', warm: true, allowed_hosts: ['registry.npmjs.org'] } });
    const out = await w.shim(['run', '--dry-run', 'eslint']);
    expectExit(out, 125);
    expect(out.stderr).toContain('"warm" and allowed_hosts do not go together');
    expect(out.stderr).toContain('remove "warm" from eslint');
  });
});
