// The tool owns stdin and stdout: its output reaches shim's stdout unchanged, piped input reaches it,
// its death by a signal is 128+N, and -t is asked for only when stdin and stdout are terminals.
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHIM, beforeImage, createWorld, expectExit, requireBuilt } from './helpers.js';

beforeAll(requireBuilt);

describe('stdio', () => {
  it("the tool's stdout is shim's stdout, byte for byte, and shim adds nothing to it", async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    const out = await w.shim(['run', 'eslint'], { env: { FAKE_STDOUT: 'line 1\n\tline 2 without newline' } });
    expectExit(out, 0);
    expect(out.stdout).toBe('line 1\n\tline 2 without newline');
    // the install message went to stderr
    expect(out.stderr).toContain('installing eslint');
  });

  it('piped stdin reaches the tool', async () => {
    const w = createWorld();
    w.writeConfig({ prettier: { tool: 'npm:prettier' } });
    const out = await w.shim(['run', 'prettier', '--stdin-filepath', 'x.ts'], { env: { FAKE_ECHO_STDIN: '1' }, input: 'const a = 1;\n' });
    expectExit(out, 0);
    expect(out.stdout).toBe('const a = 1;\n');
  });

  it('a tool killed by SIGTERM exits 143 (128+15)', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    expectExit(await w.shim(['run', 'eslint'], { env: { FAKE_SIGNAL: 'SIGTERM' } }), 143);
  });

  it('asks for a TTY (-it) when stdin and stdout are terminals', async () => {
    const w = createWorld();
    w.writeConfig({ eslint: { tool: 'npm:eslint' } });
    // script(1) runs the command on a pseudo-terminal
    const r = await execa('script', ['-qec', `${process.execPath} ${SHIM} run eslint`, '/dev/null'], { env: w.env, extendEnv: false, cwd: w.project, reject: false, stdin: 'ignore' });
    expect(r.exitCode, String(r.stdout)).toBe(0);
    const before = beforeImage(w.lastToolRun());
    expect(before).toContain('-it');
    expect(before).not.toContain('-i');
  });
});
