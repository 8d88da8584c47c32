// shim's side of a keeper call, against a stand-in keeper (a Node process that answers the doorbell as
// containerfiles/warm-keeper.pl does): only connections that bring the keeper's secret are taken, the
// call's spec goes out on the control connection, the streams and the exit status come back, signals
// go out as lines, and the birth socket takes the secret only with the right nonce.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeeperCall, encodeCallSpec, listenForBirth, secretMatches } from '../../src/runtime/keeper-call.js';
import { processStart } from '../../src/runtime/proc.js';
import { tempDir } from './tmp.js';

const SECRET = 'c0ffee'.repeat(10) + 'abcd';
const HASH = createHash('sha256').update(SECRET).digest('hex');

// On SIGUSR1: first an impostor (a wrong secret) claims the control and stdout streams and reports what
// it got, then the keeper connects its four streams with the secret, reads the spec, answers on stdout
// and stderr, and waits for a line on the control connection ("exit N" for "TERM", or shim's end).
const FAKE_KEEPER = `
const net = require('net');
const [sock, secret] = process.argv.slice(1);
const dial = (line) => new Promise((resolve) => { const s = net.connect(sock, () => { s.write(line); resolve(s); }); s.on('error', () => resolve(undefined)); });
let rung = false;
process.on('SIGUSR1', async () => {
  if (rung) return;
  rung = true;
  const impostor = await dial('0'.repeat(64) + ' ctl\\n');
  let got = 0;
  impostor.on('data', (d) => (got += d.length));
  await new Promise((r) => impostor.on('close', r));
  console.log('impostor connected, got ' + got + ' bytes, closed');
  const c = {};
  for (const role of ['ctl', 'in', 'out', 'err']) c[role] = await dial(secret + ' ' + role + '\\n');
  let spec = Buffer.alloc(0);
  c.ctl.on('data', (d) => {
    spec = Buffer.concat([spec, d]);
    const nl = spec.indexOf(10);
    const len = Number(spec.subarray(0, nl));
    if (nl < 0 || spec.length < nl + 1 + len) return;
    const rest = spec.subarray(nl + 1 + len).toString();
    if (len && !c.answered) {
      c.answered = true;
      const fields = spec.subarray(nl + 1, nl + 1 + len).toString().split('\\0');
      let input = '';
      c.in.on('data', (d) => (input += d));
      c.in.on('end', () => { c.out.end('cwd=' + fields[1] + ' argv=' + fields.slice(2).join('|') + ' stdin=' + input); c.err.end('to stderr'); });
    }
    if (rest.includes('TERM\\n')) c.ctl.write('exit 143\\n');
    else if (rest.includes('HUP\\n')) c.ctl.write('exit 3\\n');
  });
  c.ctl.on('close', () => { console.log('control closed'); process.exit(0); });
});
setInterval(() => {}, 1000);
`;

let keeper: ChildProcess | undefined;
afterEach(() => keeper?.kill('SIGKILL'));

async function startKeeper(socketPath: string): Promise<{ pid: number; pidStart: string; out: () => string }> {
  keeper = spawn(process.execPath, ['-e', FAKE_KEEPER, socketPath, SECRET], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  keeper.stdout!.on('data', (d) => (out += d));
  // the stand-in has its SIGUSR1 handler once it has run its first line
  await new Promise((r) => setTimeout(r, 300));
  return { pid: keeper.pid!, pidStart: processStart(keeper.pid!)!, out: () => out };
}

const collect = (s: NodeJS.ReadableStream) => {
  let text = '';
  s.on('data', (d) => (text += d));
  return () => text;
};

describe('KeeperCall', () => {
  it('takes only connections with the keeper\'s secret, sends the call, and returns its output and exit status', async () => {
    const socketPath = path.join(tempDir(), 't.c1.sock');
    const k = await startKeeper(socketPath);
    const call = new KeeperCall({ keeper: { pid: k.pid, pidStart: k.pidStart, secretHash: HASH }, socketPath, cwd: '/work dir', argv: ['eslint', '--fix', 'a b.js'], terminal: false });
    const out = collect(call.stdout);
    const err = collect(call.stderr);
    call.stdin.end('piped');
    const exited = new Promise<number | null>((resolve) => call.once('close', resolve));
    await new Promise((r) => setTimeout(r, 500));
    call.kill('SIGHUP');
    expect(await exited).toBe(3);
    expect(out()).toBe('cwd=/work dir argv=eslint|--fix|a b.js stdin=piped');
    expect(err()).toBe('to stderr');
    // the impostor reached shim's socket (the control) and was dropped without a byte
    expect(k.out()).toContain('impostor connected, got 0 bytes, closed');
    // the socket is gone once the call is over
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  it('closes the control connection when shim lets go, which is how the keeper learns shim is gone', async () => {
    const socketPath = path.join(tempDir(), 't.c2.sock');
    const k = await startKeeper(socketPath);
    const call = new KeeperCall({ keeper: { pid: k.pid, pidStart: k.pidStart, secretHash: HASH }, socketPath, cwd: '/', argv: ['sleep', '9'], terminal: false });
    call.stdin.end();
    call.on('error', () => {});
    await new Promise((r) => setTimeout(r, 500));
    expect(k.out()).not.toContain('control closed');
    call.release();
    await new Promise((r) => setTimeout(r, 300));
    expect(k.out()).toContain('control closed');
  });

  it('fails with a clear error when the keeper is gone (a pid that no longer runs)', async () => {
    const socketPath = path.join(tempDir(), 't.c3.sock');
    const call = new KeeperCall({ keeper: { pid: 2 ** 30, pidStart: '1', secretHash: HASH }, socketPath, cwd: '/', argv: ['true'], terminal: false });
    const error = await new Promise<Error>((resolve) => call.once('error', resolve));
    expect(error.message).toBe('the warm container stopped before the call reached it');
  });
});

describe('the keeper protocol', () => {
  it('matches a secret against its hash only when it is the one', () => {
    expect(secretMatches(SECRET, HASH)).toBe(true);
    expect(secretMatches(`${SECRET}x`, HASH)).toBe(false);
    expect(secretMatches(SECRET, 'ab')).toBe(false);
  });

  it('sends the terminal size (none: empty), working directory and argv NUL-separated after their length in bytes', () => {
    expect(encodeCallSpec(undefined, '/wörk', ['a', 'b c']).toString()).toBe('13\n\0/wörk\0a\0b c');
    expect(encodeCallSpec({ rows: 40, cols: 120 }, '/w', ['a']).toString()).toBe('11\n40 120\0/w\0a');
    // a call on a terminal brings TERM and COLORTERM after the size; without a terminal they go nowhere
    expect(encodeCallSpec({ rows: 40, cols: 120 }, '/w', ['a'], { TERM: 'xterm-256color', COLORTERM: 'truecolor' }).toString()).toBe('36\n40 120 xterm-256color truecolor\0/w\0a');
    expect(encodeCallSpec(undefined, '/w', ['a'], { TERM: 'xterm' }).toString()).toBe('5\n\0/w\0a');
  });

  it('takes the keeper\'s secret at birth only with the nonce (anything else is dropped)', async () => {
    const socketPath = path.join(tempDir(), 'birth-t.sock');
    const birth = await listenForBirth(socketPath, 'ab12');
    const send = (line: string) => new Promise<void>((resolve) => net.connect(socketPath, function (this: net.Socket) { this.end(line, () => resolve()); }));
    let taken: string | undefined;
    void birth.secret.then((s) => (taken = s));
    await send(`birth ffff ${SECRET}\n`);
    await new Promise((r) => setTimeout(r, 100));
    expect(taken).toBeUndefined();
    await send(`birth ab12 ${SECRET}\n`);
    expect(await birth.secret).toBe(SECRET);
    birth.close();
    expect(fs.existsSync(socketPath)).toBe(false);
  });
});
