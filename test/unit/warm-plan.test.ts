import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import { WARM_HELPER, WARM_KEEPER_SHELL, dirsToClean, resolveWarm, warmExecArgv, warmReusable, warmSignals, type WarmState } from '../../src/plan/warm.js';
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
  it('starts a detached container whose main process is the keeper, with the state tmpfs and the key label', () => {
    const w = plan().warm!;
    expect(w.startArgv.slice(0, 3)).toEqual(['run', '--detach', '--rm']);
    expect(w.startArgv.slice(-5)).toEqual([IMAGE, WARM_KEEPER_SHELL, WARM_HELPER, 'keep', '600']);
    expect(w.startArgv).toContain(`io.shim.warm=${w.key}`);
    expect(w.startArgv).toContain('/run/shim-warm:rw,nosuid,nodev,noexec,size=1m,mode=1777');
    expect(w.startArgv).not.toContain('-i');
    expect(w.startArgv).not.toContain('-it');
    // the keeper is PID 1: the kernel drops SIGKILL and SIGSTOP the tool sends it
    expect(w.startArgv).not.toContain('--init');
    expect(w.name).toBe('shim-warm-eslint-r1a2b3');
    expect(w.startArgv[w.startArgv.indexOf('--name') + 1]).toBe(w.name);
  });

  it('mounts one lifeline directory per container key, read-only, and gives each call its own socket in it', () => {
    const w = plan().warm!;
    expect(w.lifeline).toEqual({ dir: `/tmp/shim-warm-1000-${w.key}`, socketPath: `/tmp/shim-warm-1000-${w.key}/r1a2b3.sock`, shared: true });
    expect(w.startArgv).toContain(`type=bind,src=/tmp/shim-warm-1000-${w.key},dst=/run/shim-lifeline,ro`);
    // the directory is the key's, so the key does not depend on it, and a later call finds the same one
    const later = plan({ runId: 'r9z8y7' }).warm!;
    expect(later.key).toBe(w.key);
    expect(later.lifeline.dir).toBe(w.lifeline.dir);
    expect(later.lifeline.socketPath).toBe(`${w.lifeline.dir}/r9z8y7.sock`);
    // under XDG_RUNTIME_DIR (a per-user tmpfs) when there is one
    const xdg = plan({ host: makeHost({}, { XDG_RUNTIME_DIR: '/run/user/1000' }) }).warm!;
    expect(xdg.lifeline.dir).toBe(`/run/user/1000/shim-warm-1000-${xdg.key}`);
  });

  it('keeps every flag of the cold run but --init (the same isolation), and sets the working directory per call', () => {
    const p = plan({ mounts: [makeMount('/home/user/project', '/workspace')], limits: { profile: 'default', args: ['--memory=4g'], unenforced: [], warnings: [] } });
    const workdir = p.argv.indexOf('--workdir');
    // the lifeline belongs to one cold run (its mount is named after the run)
    const lifeline = p.argv.indexOf(`type=bind,src=${p.lifeline.dir},dst=/run/shim-lifeline,ro`);
    const cold = p.argv.slice(0, p.argv.indexOf(IMAGE)).filter((a, i) => a !== '-i' && a !== p.containerName && a !== '--init' && i !== workdir && i !== workdir + 1 && i !== lifeline && i !== lifeline - 1);
    const start = p.warm!.startArgv;
    for (const flag of cold) expect(start).toContain(flag);
    expect(p.warm!.execFlags.slice(-2)).toEqual(['--workdir', p.argv[workdir + 1]]);
  });

  it('runs the call through exec with the helper, the call id, the dirs to empty, the command and its arguments', () => {
    const p = plan({ args: ['--fix', 'a b.js'] });
    expect(warmExecArgv(p.warm!, 'C')).toEqual(['exec', '-i', '--workdir', '/workspace', 'C', WARM_HELPER, 'call', 'r1a2b3', '/tmp:/home/shim:/var/tmp:/dev/shm', 'eslint', '--fix', 'a b.js']);
  });

  it('gives the exec a terminal only when both ends are terminals, and then keeps the client in the foreground', () => {
    const tty = plan({ host: makeHost({ stdinIsTTY: true, stdoutIsTTY: true }) }).warm!;
    expect(tty.execFlags).toEqual(['exec', '-it', '--workdir', '/workspace']);
    expect(tty.clientOwnGroup).toBe(false);
    const piped = plan().warm!;
    expect(piped.execFlags).toEqual(['exec', '-i', '--workdir', '/workspace']);
    expect(piped.clientOwnGroup).toBe(true);
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
    expect(sub.execFlags).toEqual(['exec', '-i', '--workdir', '/home/u/proj/src/lib']);
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

describe('warmSignals', () => {
  it('signals the call, never the container, and kills the call\'s process group on timeout, cleanup and shim\'s death', () => {
    const lifeline = { dir: '/tmp/shim-warm-0-k', socketPath: '/tmp/shim-warm-0-k/r1.sock', shared: true };
    const s = warmSignals({ callId: 'r1', clientOwnGroup: true, lifeline }, 'C', '/usr/bin/docker');
    expect(s.signalArgv.SIGTERM).toEqual(['exec', 'C', WARM_HELPER, 'signal', 'r1', 'TERM']);
    expect(s.signalArgv.SIGINT).toEqual(['exec', 'C', WARM_HELPER, 'signal', 'r1', 'INT']);
    expect(s.forceKillArgv).toEqual(['exec', 'C', WARM_HELPER, 'signal', 'r1', 'KILL']);
    expect(s.signalArgv.SIGHUP).toEqual(['exec', 'C', WARM_HELPER, 'signal', 'r1', 'HUP']);
    expect(s.cleanupArgv).toEqual(s.forceKillArgv);
    expect(s.watchdogArgv.slice(-7)).toEqual(['/usr/bin/docker', 'exec', 'C', WARM_HELPER, 'signal', 'r1', 'KILL']);
    expect(s.clientOwnGroup).toBe(true);
    // and the call's lifeline is held while it runs (the keeper kills the call once it closes)
    expect(s.lifeline).toBe(lifeline);
  });
});
