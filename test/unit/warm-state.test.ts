// The executor's record of warm containers: a live, recent container is reused without any runtime
// command; a dead or recycled pid, or a container near its idle stop, means a new one is started.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildRunPlan } from '../../src/plan/run-plan.js';
import type { WarmState } from '../../src/plan/warm.js';
import { noteWarmCallEnded, prepareWarmCall, readWarmState, warmStateFile } from '../../src/runtime/warm.js';
import { processStart } from '../../src/runtime/proc.js';
import { ensureSharedLifelineDir } from '../../src/runtime/lifeline.js';
import { docker, makeHost, runInputs } from './fixtures.js';
import { tempDir } from './tmp.js';

// the calls' lifeline directory goes under XDG_RUNTIME_DIR: a temp dir here
const runtimeDir = tempDir();
const warm = buildRunPlan(runInputs({ runtime: docker(), host: makeHost({ uid: process.getuid!() }, { XDG_RUNTIME_DIR: runtimeDir }), warm: { idleSeconds: 600, from: 'tool' }, args: ['--fix'] })).warm!;
// a runtime that cannot run: a call that tried to start a container would fail
const ctx = (stateDir: string, now: number) => ({ runtimePath: '/nonexistent/docker', runtimeEnv: {}, stateDir, now: () => now });

function record(stateDir: string, state: WarmState): string {
  const file = warmStateFile(stateDir, warm.key);
  fs.mkdirSync(`${stateDir}/warm`, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(state));
  return file;
}

describe('processStart', () => {
  it('reads a running process\'s start time, and nothing for a pid that does not exist', () => {
    expect(processStart(process.pid)).toMatch(/^\d+$/);
    expect(processStart(2 ** 30)).toBeUndefined();
  });
});

describe('prepareWarmCall', () => {
  const live = (now: number): WarmState => ({
    name: 'shim-warm-eslint-live', pid: process.pid, pidStart: processStart(process.pid)!, lastUse: now - 1000, idleSeconds: 600,
    lifelineDir: ensureSharedLifelineDir(warm.lifelineDir), tag: 'tag1', secretHash: 'ab'.repeat(32),
  });

  it('reuses the recorded container while it runs and is not near its idle stop, recording the use', async () => {
    const dir = tempDir();
    const now = 1_800_000_000_000;
    const file = record(dir, live(now));
    const call = await prepareWarmCall(warm, ctx(dir, now));
    expect(call.started).toBe(false);
    expect(call.usedAt).toBe(now);
    expect(call.container).toBe('shim-warm-eslint-live');
    // no runtime command: the keeper of the recorded container runs the call, over its socket
    expect(call.keeperCall).toEqual({
      keeper: { pid: process.pid, pidStart: processStart(process.pid), secretHash: 'ab'.repeat(32) },
      socketPath: `${warm.lifelineDir}/tag1.${warm.callId}.sock`,
      cwd: '/workspace',
      argv: ['eslint', '--fix'],
      terminal: false,
      terminalEnv: {},
    });
    expect(readWarmState(file)!.lastUse).toBe(now);
  });

  it.each([
    ['the pid now belongs to another process', (s: WarmState) => ({ ...s, pidStart: '1' })],
    ['the process is gone', (s: WarmState) => ({ ...s, pid: 2 ** 30 })],
    ['the idle stop is near', (s: WarmState) => ({ ...s, lastUse: s.lastUse - 580_000 })],
    // its calls' sockets would go into a directory the container does not see: no lifeline
    ['the lifeline directory was made anew since it started', (s: WarmState) => ({ ...s, lifelineDir: '0:0' })],
    ['it was started without a lifeline directory', ({ lifelineDir: _, ...s }: WarmState) => s],
    // a container of an older shim: its keeper has no secret to prove itself with
    ['its keeper has no secret', ({ secretHash: _, ...s }: WarmState) => s],
  ])('starts a new container when %s', async (_why, change) => {
    const dir = tempDir();
    const now = 1_800_000_000_000;
    record(dir, change(live(now)));
    // the control is the test above: the same record, unchanged, is reused without the runtime
    await expect(prepareWarmCall(warm, ctx(dir, now))).rejects.toThrow(/cannot run \/nonexistent\/docker/);
  });

  it('ignores a record that is not one (and starts a new container)', async () => {
    const dir = tempDir();
    fs.mkdirSync(`${dir}/warm`, { recursive: true });
    fs.writeFileSync(warmStateFile(dir, warm.key), '{"name": 1}');
    expect(readWarmState(warmStateFile(dir, warm.key))).toBeUndefined();
    await expect(prepareWarmCall(warm, ctx(dir, Date.now()))).rejects.toThrow(/cannot run/);
  });
});

describe('noteWarmCallEnded', () => {
  const state = (lastUse: number): WarmState => ({ name: 'shim-warm-eslint-live', pid: 1, pidStart: '1', lastUse, idleSeconds: 600 });

  it('moves the last use to a long call\'s end (less a second), and leaves it for a call shorter than that', async () => {
    const dir = tempDir();
    const file = record(dir, state(1_000_000));
    await noteWarmCallEnded(dir, warm.key, 'shim-warm-eslint-live', 1_000_000, 1_000_900);
    expect(readWarmState(file)!.lastUse).toBe(1_000_000);
    await noteWarmCallEnded(dir, warm.key, 'shim-warm-eslint-live', 1_000_000, 1_060_000);
    expect(readWarmState(file)!.lastUse).toBe(1_059_000);
    // a call of a container that is no longer the recorded one changes nothing
    await noteWarmCallEnded(dir, warm.key, 'shim-warm-eslint-other', 1_000_000, 1_090_000);
    expect(readWarmState(file)!.lastUse).toBe(1_059_000);
  });
});
