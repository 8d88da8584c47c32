import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatKilled, oomEventsArgv, parseOomEvents } from '../../src/plan/oom.js';
import { tailOf } from '../../src/runtime/tail.js';

describe('oomEventsArgv', () => {
  it('asks podman for the container\'s oom events without streaming, a second either side', () => {
    expect(oomEventsArgv({ name: 'podman' }, 'shim-x-r1', 10_500, 20_200)).toEqual([
      'events', '--stream=false', '--since', '9', '--until', '21', '--filter', 'container=shim-x-r1', '--filter', 'event=oom', '--format', '{{.Status}}',
    ]);
  });
  it('asks docker the same, which stops at --until by itself', () => {
    expect(oomEventsArgv({ name: 'docker' }, 'c', 1000, 2000)).not.toContain('--stream=false');
  });
});

describe('parseOomEvents and formatKilled', () => {
  it('counts only an "oom" line as an OOM kill', () => {
    expect(parseOomEvents('oom\n')).toBe(true);
    expect(parseOomEvents('')).toBe(false);
    expect(parseOomEvents('die\nkill\n')).toBe(false);
  });
  it('says out of memory only when the runtime reported it', () => {
    expect(formatKilled('t', '1g', true)).toBe('t was killed: out of memory (limit 1g)');
    expect(formatKilled('t', '1g', false)).toBe('t was killed (SIGKILL), possibly out of memory (limit 1g): the runtime did not report an out-of-memory kill');
  });
});

describe('tailOf', () => {
  it('keeps the last bytes of a flood and says it cut', async () => {
    const s = new PassThrough();
    const end = tailOf(s, 10);
    for (let i = 0; i < 100; i++) s.write(Buffer.from(`line ${i}\n`));
    s.end();
    await new Promise((r) => s.on('end', r).resume());
    expect(end()).toEqual({ text: '8\nline 99\n', cut: true });
  });
  it('keeps small output whole', async () => {
    const s = new PassThrough();
    const end = tailOf(s, 100);
    s.end('hello\n');
    await new Promise((r) => s.on('end', r).resume());
    expect(end()).toEqual({ text: 'hello\n', cut: false });
  });
});
