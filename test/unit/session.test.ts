// Sessions' pure pieces: names and places, detach keys, the wire format, the scrollback and the log's
// tail, the run plan of a session, and MCP's plain text.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSessionName, describeDetachKeys, parseDetachKeys, sessionContainerName, sessionPaths, sessionShellArgv, validSessionName } from '../../src/plan/session.js';
import { FRAME, FrameReader, MAX_FRAME, frame } from '../../src/session/protocol.js';
import { OutputLog, Scrollback, tailLog } from '../../src/session/output-store.js';
import { KeySequence } from '../../src/session/client.js';
import { plainText } from '../../src/mcp/session-tools.js';
import { supervisorAlive } from '../../src/session/store.js';
import { processStart } from '../../src/runtime/proc.js';

describe('session names and places', () => {
  it('accepts tool-like names only', () => {
    expect(validSessionName('claude-web_app.2')).toBe(true);
    for (const bad of ['', '../x', '-x', 'a/b', 'a b', 'x'.repeat(65)]) expect(validSessionName(bad)).toBe(false);
  });

  it('names a link session after the tool and project directory, with a hash when the name is taken', () => {
    expect(defaultSessionName('claude', '/home/u/src/web app')).toBe('claude-web-app');
    expect(defaultSessionName('claude', '/')).toBe('claude-root');
    const taken = defaultSessionName('claude', '/home/u/src/web', true);
    expect(taken).toMatch(/^claude-web-[0-9a-f]{6}$/);
    expect(defaultSessionName('claude', '/other/web', true)).not.toBe(taken);
    expect(validSessionName(defaultSessionName('t', `/${'x'.repeat(100)}`, true))).toBe(true);
  });

  it('puts the socket in the runtime directory (else /tmp) and the state under the state directory', () => {
    const p = sessionPaths({ env: { XDG_RUNTIME_DIR: '/run/user/7' }, uid: 7 }, '/s', 'n');
    expect(p.socket).toBe('/run/user/7/shim-sessions-7/n.sock');
    expect(p.log).toBe('/s/sessions/n/output.log');
    expect(sessionPaths({ env: { XDG_RUNTIME_DIR: 'relative' }, uid: 7 }, '/s', 'n').socketDir).toBe('/tmp/shim-sessions-7');
  });

  it('names containers apart for names that differ only in + and _', () => {
    expect(sessionContainerName('a+b', 'r1')).not.toBe(sessionContainerName('a_b', 'r1'));
    expect(sessionContainerName('a+b', 'r1')).toMatch(/^shim-session-a_b-[0-9a-f]{6}-r1$/);
    // a new session of the same name gets a container of its own
    expect(sessionContainerName('a', 'r1')).not.toBe(sessionContainerName('a', 'r2'));
  });

  it('runs a shell in the session container, or the given command, in its working directory', () => {
    expect(sessionShellArgv('c', '/w', true, [])).toEqual(['exec', '-it', '--workdir', '/w', 'c', 'sh', '-c', 'command -v bash >/dev/null 2>&1 && exec bash || exec sh']);
    expect(sessionShellArgv('c', '/w', false, ['ls', '-l'])).toEqual(['exec', '-i', '--workdir', '/w', 'c', 'ls', '-l']);
  });
});

describe('detach keys', () => {
  it("parses docker's notation", () => {
    expect(parseDetachKeys('ctrl-]')).toEqual({ bytes: [0x1d] });
    expect(parseDetachKeys('ctrl-p,ctrl-q')).toEqual({ bytes: [0x10, 0x11] });
    expect(parseDetachKeys('ctrl-a,d')).toEqual({ bytes: [0x01, 0x64] });
    expect(describeDetachKeys('ctrl-p,ctrl-q')).toBe('Ctrl-P Ctrl-Q');
  });

  it('refuses what is not a key, saying which part', () => {
    expect(parseDetachKeys('ctrl-1')).toEqual({ error: expect.stringContaining('"ctrl-1" is not a control key') });
    expect(parseDetachKeys('alt-x')).toEqual({ error: expect.stringContaining('"alt-x"') });
    expect(parseDetachKeys('')).toHaveProperty('error');
  });

  it('holds back a partial sequence and passes it on when broken; the whole one detaches', () => {
    const keys = new KeySequence([0x10, 0x11]);
    expect(keys.feed(Buffer.from('ab\x10'))).toEqual({ pass: Buffer.from('ab'), hit: false });
    expect(keys.feed(Buffer.from('c'))).toEqual({ pass: Buffer.from('\x10c'), hit: false });
    expect(keys.feed(Buffer.from('x\x10\x11y'))).toEqual({ pass: Buffer.from('x'), hit: true });
    const one = new KeySequence([0x1d]);
    expect(one.feed(Buffer.from('ls\r'))).toEqual({ pass: Buffer.from('ls\r'), hit: false });
    expect(one.feed(Buffer.from([0x1d])).hit).toBe(true);
  });
});

describe('frames', () => {
  it('splits a stream into frames, however it is cut', () => {
    const bytes = Buffer.concat([frame(FRAME.hello, { mode: 'status' }), frame(FRAME.input, Buffer.from('hi')), frame(FRAME.output, Buffer.alloc(0))]);
    const reader = new FrameReader();
    const got = [...bytes].flatMap((b) => reader.push(Buffer.from([b])));
    expect(got.map((f) => [f.type, f.body.toString()])).toEqual([
      [FRAME.hello, '{"mode":"status"}'],
      [FRAME.input, 'hi'],
      [FRAME.output, ''],
    ]);
  });

  it('refuses a frame over the limit (the peer is not a shim)', () => {
    const head = Buffer.alloc(5);
    head[0] = FRAME.input;
    head.writeUInt32BE(MAX_FRAME + 1, 1);
    expect(() => new FrameReader().push(head)).toThrow(/over the limit/);
  });
});

describe('scrollback and log', () => {
  it('keeps the last bytes and reads from an offset, saying what was dropped', () => {
    const sb = new Scrollback(10);
    sb.write(Buffer.from('0123456789'));
    sb.write(Buffer.from('abcde'));
    expect(sb.total).toBe(15);
    expect(sb.recent().toString()).toBe('56789abcde');
    expect(sb.read(0)).toMatchObject({ offset: 5, end: 15, dropped: 5 });
    expect(sb.read(12).data.toString()).toBe('cde');
    expect(sb.read(12, 2).data.toString()).toBe('cd');
    expect(sb.read(99)).toMatchObject({ offset: 15, end: 15 });
  });

  it('rotates the log at its cap, holding at most two files, and tails lines across both', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-sesslog-'));
    const [file, old] = [path.join(dir, 'output.log'), path.join(dir, 'output.log.1')];
    const log = new OutputLog(file, old, 20, () => {});
    for (let i = 0; i < 10; i++) log.write(Buffer.from(`line ${i}\n`));
    log.close();
    expect(fs.statSync(file).size).toBeLessThanOrEqual(20);
    expect(fs.statSync(old).size).toBeLessThanOrEqual(20);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(tailLog(file, old, 2).toString()).toBe('line 8\nline 9\n');
    expect(tailLog(file, old, 3).toString()).toBe('line 7\nline 8\nline 9\n');
    expect(tailLog(file, old, 0).toString()).toBe('');
    fs.rmSync(dir, { recursive: true });
  });

  it('reports a log it cannot write once and goes on', () => {
    const errors: string[] = [];
    const log = new OutputLog('/nonexistent-dir/output.log', '/nonexistent-dir/output.log.1', 20, (m) => errors.push(m));
    log.write(Buffer.from('a'));
    log.write(Buffer.from('b'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('the session goes on without it');
  });
});

describe('MCP plain text', () => {
  it('removes escape sequences and carriage returns before newlines', () => {
    expect(plainText('\x1b[1;32mgreen\x1b[0m\r\n\x1b]0;title\x07x\x1b[?25h\r\n')).toBe('green\nx\n');
  });
});

describe('the run plan of a session', () => {
  it('is the same run with a terminal, its container named and labelled after the session, never warm', async () => {
    const { buildRunPlan } = await import('../../src/plan/run-plan.js');
    const { makeHost, runInputs } = await import('./fixtures.js');
    const host = makeHost({ stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false });
    const cold = buildRunPlan(runInputs({ host }));
    const session = buildRunPlan(runInputs({ host, session: { name: 'agent' }, warm: { idleSeconds: 600 } as never }));
    expect(cold.argv).toContain('-i');
    expect(session.argv).toContain('-it');
    expect(session.containerName).toBe(sessionContainerName('agent', 'r1a2b3'));
    expect(session.argv).toEqual(expect.arrayContaining(['--label', 'io.shim.session=agent']));
    expect(session.warm).toBeUndefined();
    // the same policy: only the terminal flag, the name and the labels differ
    const strip = (argv: readonly string[], p: typeof cold) => argv.filter((a) => a !== '-i' && a !== '-it' && a !== p.containerName && !a.startsWith('io.shim.') && !a.includes(p.lifeline.dir));
    expect(strip(session.argv, session).filter((a) => a !== '--label')).toEqual(strip(cold.argv, cold).filter((a) => a !== '--label'));
    expect(session.policyHash).not.toBe('');
  });
});

describe('replay and terminal modes', () => {
  it('replays from a line start when the oldest bytes were dropped, without queries, clipboard or device strings', async () => {
    const { replayStart, withoutTerminalRequests } = await import('../../src/session/output-store.js');
    const replayable = (b: Buffer, truncated: boolean) => withoutTerminalRequests(replayStart(b, truncated));
    expect(replayable(Buffer.from('tail of a line\nnext\n'), true).toString()).toBe('next\n');
    expect(replayable(Buffer.from('all\n'), false).toString()).toBe('all\n');
    const noisy = Buffer.from('a\x1b[6nb\x1b[cc\x1b[>0cd\x1b]52;c;aGk=\x07e\x1bPq#0\x1b\\f\x1b[1mg');
    expect(replayable(noisy, false).toString()).toBe('abcdef\x1b[1mg');
    // bytes that are not UTF-8 pass unchanged
    expect(replayable(Buffer.from([0xff, 0x0a]), false)).toEqual(Buffer.from([0xff, 0x0a]));
  });

  it('a terminal that attaches first gets the requests no terminal saw yet; a later one gets none of them', async () => {
    const net = await import('node:net');
    const { ClientHub } = await import('../../src/session/clients.js');
    const { Scrollback } = await import('../../src/session/output-store.js');
    const { FRAME, FrameReader, frame } = await import('../../src/session/protocol.js');
    const scrollback = new Scrollback(1 << 16);
    const typed: string[] = [];
    const terminal = { write: (t: string) => void typed.push(t), resize() {}, redraw() {}, modes: () => '', stop() {}, restart: async () => 0, info: () => ({}) as never, audit() {}, log() {} };
    const hub = new ClientHub(terminal, scrollback, 1 << 16);
    const server = net.createServer((s) => hub.serve(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as import('node:net').AddressInfo;
    // the tool asks for the cursor position before anyone is attached
    const asked = Buffer.from('hello\x1b[6n');
    scrollback.write(asked);
    hub.output(asked);
    const attach = () =>
      new Promise<Buffer>((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => c.write(frame(FRAME.hello, { mode: 'attach', cols: 80, rows: 24 })));
        const reader = new FrameReader();
        c.on('data', (d: Buffer) => {
          for (const f of reader.push(d)) if (f.type === FRAME.output) { resolve(f.body); c.destroy(); }
        });
      });
    try {
      expect((await attach()).toString()).toBe('hello\x1b[6n');
      // control: once a terminal saw the request, a later one does not get it again
      expect((await attach()).toString()).toBe('hello');
    } finally {
      server.close();
    }
  });

  it('follows the modes a program turns on and off, restores them for a new terminal, and undoes them', async () => {
    const { TerminalModes } = await import('../../src/session/terminal-modes.js');
    const m = new TerminalModes();
    expect(m.reset()).toBe('\x1b[0m');
    m.see(Buffer.from('\x1b[?1049h\x1b[?25l\x1b[?1000;1006h\x1b[?2004h'));
    m.see(Buffer.from('\x1b[?1000l'));
    expect(m.restore()).toBe('\x1b[?1049h\x1b[?1006h\x1b[?2004h\x1b[?25l');
    expect(m.reset()).toBe('\x1b[0m\x1b[?1049l\x1b[?1006l\x1b[?2004l\x1b[?25h');
    m.see(Buffer.from('\x1b[?1049l\x1b[?1006l\x1b[?2004l\x1b[?25h'));
    expect(m.reset()).toBe('\x1b[0m');
  });
});

describe('long timeouts', () => {
  it('fires after delays beyond what setTimeout takes, not at once', async () => {
    const { vi } = await import('vitest');
    const { setLongTimeout } = await import('../../src/runtime/long-timeout.js');
    vi.useFakeTimers();
    try {
      let fired = 0;
      setLongTimeout(() => fired++, 600 * 3600 * 1000);
      vi.advanceTimersByTime(2 ** 31);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(600 * 3600 * 1000);
      expect(fired).toBe(1);
      const t = setLongTimeout(() => fired++, 10);
      t.clear();
      vi.advanceTimersByTime(20);
      expect(fired).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('logs -f', () => {
  it('prints the tail, then what is appended, across a rotation, and the last output before the end', async () => {
    const { followLog } = await import('../../src/session/follow.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-follow-'));
    const [file, old] = [path.join(dir, 'output.log'), path.join(dir, 'output.log.1')];
    fs.writeFileSync(file, 'one\ntwo\n');
    const out: Buffer[] = [];
    let step = 0;
    await followLog(file, old, 1, (b) => out.push(b), async () => {
      step++;
      if (step === 1) fs.appendFileSync(file, 'three\n');
      if (step === 2) {
        // written just before a rotation, then the rotation, then the new file
        fs.appendFileSync(file, 'four\n');
        fs.renameSync(file, old);
        fs.writeFileSync(file, 'five\n');
      }
      if (step === 3) fs.appendFileSync(file, 'six\n');
      return step === 3;
    });
    expect(Buffer.concat(out).toString()).toBe('two\nthree\nfour\nfive\nsix\n');
    fs.rmSync(dir, { recursive: true });
  });
});

describe('supervisorAlive', () => {
  it('knows a supervisor by its pid and start time, so a pid reused since is not it', () => {
    const pidStart = processStart(process.pid)!;
    expect(supervisorAlive({ pid: process.pid, pidStart })).toBe(true);
    expect(supervisorAlive({ pid: process.pid, pidStart: '1' })).toBe(false);
    expect(supervisorAlive({ pid: 2 ** 30, pidStart })).toBe(false);
    // a record without a start time proves nothing
    expect(supervisorAlive({ pid: process.pid })).toBe(false);
  });
});
