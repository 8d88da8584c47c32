import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import { WARM_BIRTH_ENV, WARM_KEEPER, WARM_KEEPER_PERL, dirsToClean, resolveWarm, warmBirthSocket, warmCallSocket, warmReusable, type WarmState } from '../../src/plan/warm.js';
import { IMAGE, docker, makeHost, makeMount, makeTool, runInputs } from './fixtures.js';

const warm = { idleSeconds: 600, from: 'tool' as const };
const plan = (o: Parameters<typeof runInputs>[0] = {}) => buildRunPlan(runInputs({ runtime: docker(), warm, ...o }));

describe('resolveWarm', () => {
  it('is off unless the tool or settings turn it on', () => {
    expect(resolveWarm(makeTool(), {})).toBeUndefined();
    expect(resolveWarm(makeTool({ warm: false }), { warm: true })).toBeUndefined();
    expect(resolveWarm(makeTool(), { warm: true })).toEqual({ idleSeconds: 600, from: 'settings' });
  });

  it('takes the idle time from the tool, then settings, else 10 minutes', () => {
    expect(resolveWarm(makeTool({ warm: true, warm_idle: '90s' }), { warm_idle: '1h' })).toEqual({ idleSeconds: 90, from: 'tool' });
    expect(resolveWarm(makeTool({ warm: true }), { warm_idle: '1h' })!.idleSeconds).toBe(3600);
    expect(resolveWarm(makeTool({ warm: true }), {})!.idleSeconds).toBe(600);
  });
});

describe('buildRunPlan with warm', () => {
  it('starts a detached container whose main process is the keeper (idle time, tag, dirs to empty), with the key label', () => {
    const w = plan().warm!;
    expect(w.startArgv.slice(0, 3)).toEqual(['run', '--detach', '--rm']);
    expect(w.startArgv.slice(-9)).toEqual([IMAGE, WARM_KEEPER_PERL, WARM_KEEPER, '600', 'r1a2b3', '/tmp', '/home/shim', '/var/tmp', '/dev/shm']);
    expect(w.tag).toBe('r1a2b3');
    expect(w.startArgv).toContain(`io.shim.warm=${w.key}`);
    // the birth nonce comes from the runtime's environment, never the argv
    expect(w.startArgv.join(' ')).toContain(`--env ${WARM_BIRTH_ENV} `);
    expect(w.startArgv.some((a) => a.startsWith(`${WARM_BIRTH_ENV}=`))).toBe(false);
    expect(w.startArgv).not.toContain('-i');
    expect(w.startArgv).not.toContain('-it');
    // the keeper is PID 1: the kernel drops SIGKILL and SIGSTOP the tool sends it
    expect(w.startArgv).not.toContain('--init');
    expect(w.name).toBe('shim-warm-eslint-r1a2b3');
    expect(w.startArgv[w.startArgv.indexOf('--name') + 1]).toBe(w.name);
  });

  it('mounts one lifeline directory per container key, read-only, with the keeper\'s birth socket and a socket per call in it', () => {
    const w = plan().warm!;
    expect(w.lifelineDir).toBe(`/tmp/shim-warm-1000-${w.key}`);
    expect(w.startArgv).toContain(`type=bind,src=/tmp/shim-warm-1000-${w.key},dst=/run/shim-lifeline,ro`);
    expect(warmBirthSocket(w.lifelineDir, w.tag)).toBe(`${w.lifelineDir}/birth-r1a2b3.sock`);
    // the directory is the key's, so the key does not depend on it, and a later call finds the same one
    const later = plan({ runId: 'r9z8y7' }).warm!;
    expect(later.key).toBe(w.key);
    expect(later.lifelineDir).toBe(w.lifelineDir);
    // a call's socket is named after the live container's tag (its keeper serves only those) and the call
    expect(warmCallSocket(later.lifelineDir, 'r1a2b3', later.callId)).toBe(`${w.lifelineDir}/r1a2b3.r9z8y7.sock`);
    // under XDG_RUNTIME_DIR (a per-user tmpfs) when there is one
    const xdg = plan({ host: makeHost({}, { XDG_RUNTIME_DIR: '/run/user/1000' }) }).warm!;
    expect(xdg.lifelineDir).toBe(`/run/user/1000/shim-warm-1000-${xdg.key}`);
  });

  it('keeps every flag of the cold run (the same isolation), and sets the working directory per call', () => {
    const p = plan({ mounts: [makeMount('/home/user/project', '/workspace')], limits: { profile: 'default', args: ['--memory=4g'], unenforced: [], warnings: [] } });
    const workdir = p.argv.indexOf('--workdir');
    // the lifeline belongs to one cold run (its mount is named after the run)
    const lifeline = p.argv.indexOf(`type=bind,src=${p.lifeline.dir},dst=/run/shim-lifeline,ro`);
    const cold = p.argv.slice(0, p.argv.indexOf(IMAGE)).filter((a, i) => a !== '-i' && a !== p.containerName && i !== workdir && i !== workdir + 1 && i !== lifeline && i !== lifeline - 1);
    const start = p.warm!.startArgv;
    for (const flag of cold) expect(start).toContain(flag);
    expect(p.warm!.cwd).toBe(p.argv[workdir + 1]);
  });

  it('gives the keeper the call\'s working directory, command and arguments, and shows them', () => {
    const p = plan({ args: ['--fix', 'a b.js'] });
    expect(p.warm!.cwd).toBe('/workspace');
    expect(p.warm!.argv).toEqual(['eslint', '--fix', 'a b.js']);
    expect(p.warm!.callDisplay).toBe("cd /workspace && eslint --fix 'a b.js'");
  });

  it('has one key per policy: not the run id, the arguments or the terminal, but every container flag', () => {
    const key = plan().warm!.key;
    expect(plan({ runId: 'other1', args: ['x'], host: makeHost({ stdinIsTTY: true, stdoutIsTTY: true }) }).warm!.key).toBe(key);
    expect(plan({ mounts: [makeMount('/home/user/project', '/workspace')] }).warm!.key).not.toBe(key);
    expect(plan({ tool: makeTool({ env: { A: '1' } }) }).warm!.key).not.toBe(key);
    expect(plan({ warm: { idleSeconds: 60, from: 'tool' } }).warm!.key).not.toBe(key);
    expect(plan({ image: 'localhost/shim:other' }).warm!.key).not.toBe(key);
    expect(buildRunPlan(runInputs({ warm })).warm!.key).not.toBe(key); // podman, not docker
  });

  it('serves every directory of the project from one container: the call sets its own working directory', () => {
    const mounts = [makeMount('/home/u/proj', '/home/u/proj')];
    const top = plan({ mounts, cwd: '/home/u/proj' }).warm!;
    const sub = plan({ mounts, cwd: '/home/u/proj/src/lib' }).warm!;
    expect(sub.key).toBe(top.key);
    expect(sub.cwd).toBe('/home/u/proj/src/lib');
    expect(sub.startArgv).not.toContain('--workdir');
  });

  it('leaves the cold argv as it is', () => {
    const cold = buildRunPlan(runInputs({ runtime: docker() }));
    expect(plan().argv).toEqual(cold.argv);
    expect(cold.warm).toBeUndefined();
  });

  it('refuses warm on a tool with allowed_hosts that asks for it, and runs such a tool cold under the global setting', () => {
    const tool = makeTool({ allowed_hosts: ['registry.npmjs.org'] });
    expect(() => plan({ tool })).toThrow(ConfigError);
    expect(() => plan({ tool })).toThrow(/"warm" and allowed_hosts/);
    const p = plan({ tool, warm: { idleSeconds: 600, from: 'settings' } });
    expect(p.warm).toBeUndefined();
    expect(p.coldReason).toMatch(/allowed_hosts/);
  });

  it('runs cold when stdin is a terminal and stdout is not', () => {
    const p = plan({ host: makeHost({ stdinIsTTY: true, stdoutIsTTY: false }) });
    expect(p.warm).toBeUndefined();
    expect(p.coldReason).toMatch(/stdin is a terminal/);
  });

  it('gives a call a terminal of its own when stdin and stdout are both terminals, and none otherwise', () => {
    expect(plan({ host: makeHost({ stdinIsTTY: true, stdoutIsTTY: true }) }).warm!.terminal).toBe(true);
    expect(plan({ host: makeHost({ stdoutIsTTY: true }) }).warm!.terminal).toBe(false);
    expect(plan().warm!.terminal).toBe(false);
    // the call's TERM: the host's, or the nearest the image knows, as a cold run on a terminal gets it
    const env = { ...makeHost().env, TERM: 'xterm-kitty', COLORTERM: 'truecolor' };
    expect(plan({ host: makeHost({ stdinIsTTY: true, stdoutIsTTY: true, env }) }).warm!.terminalEnv).toEqual({ TERM: 'xterm-256color', COLORTERM: 'truecolor' });
    expect(plan({ host: makeHost({ env }) }).warm!.terminalEnv).toEqual({});
  });
});

describe('dirsToClean', () => {
  it('empties shim\'s and the runtimes\' tmpfs dirs', () => {
    expect(dirsToClean(['/mise', '/workspace'], [])).toEqual(['/tmp', '/home/shim', '/var/tmp', '/dev/shm']);
  });

  it('leaves out a dir a mount lies on or above, but not one with a mount inside (never crossed)', () => {
    expect(dirsToClean(['/tmp'], [])).not.toContain('/tmp');
    expect(dirsToClean(['/home'], [])).not.toContain('/home/shim');
    expect(dirsToClean(['/tmp/cache'], [])).toContain('/tmp');
    expect(dirsToClean(['/tmpfoo'], [])).toContain('/tmp');
  });

  it('sees a mount point however it is spelled ("/var/tmp/", "/var//tmp", "/var/")', () => {
    for (const dst of ['/var/tmp/', '/var//tmp', '/var/', '/var/./tmp']) expect(dirsToClean([dst], [])).not.toContain('/var/tmp');
    expect(dirsToClean(['/home/'], [])).not.toContain('/home/shim');
    expect(dirsToClean(['/'], [])).toEqual([]);
  });

  it('empties nothing when podman_args may mount something, or are not checked at all', () => {
    for (const arg of ['-v', '--volume', '--volume=/a:/tmp', '--mount', '--tmpfs=/run', '-v/a:/b', '--volumes-from', '--image-volume=bind']) expect(dirsToClean([], [arg])).toEqual([]);
    expect(dirsToClean([], ['--ulimit', 'nofile=1024'])).toHaveLength(4);
    expect(dirsToClean([], ['--ulimit', 'nofile=1024'], true)).toEqual([]);
  });
});

describe('warmReusable', () => {
  const state: WarmState = { name: 'c', pid: 42, pidStart: '100', lastUse: 1_000_000, idleSeconds: 600 };

  it('reuses a live container until the idle time minus a margin of at most 30 s', () => {
    expect(warmReusable(state, 1_000_000, true)).toBe(true);
    expect(warmReusable(state, 1_000_000 + 569_999, true)).toBe(true);
    expect(warmReusable(state, 1_000_000 + 570_000, true)).toBe(false);
  });

  it('keeps a third of a shorter idle time as the margin, and never less than 5 s', () => {
    const mid = { ...state, idleSeconds: 60 };
    expect(warmReusable(mid, 1_000_000 + 39_999, true)).toBe(true);
    expect(warmReusable(mid, 1_000_000 + 40_000, true)).toBe(false);
    const short = { ...state, idleSeconds: 10 };
    expect(warmReusable(short, 1_000_000 + 4_999, true)).toBe(true);
    expect(warmReusable(short, 1_000_000 + 5_000, true)).toBe(false);
  });

  it('never reuses a dead container, a missing record, or one from the future (clock moved back)', () => {
    expect(warmReusable(state, 1_000_000, false)).toBe(false);
    expect(warmReusable(undefined, 1_000_000, true)).toBe(false);
    expect(warmReusable(state, 999_999, true)).toBe(false);
  });
});
