// The doctor's check that sessions can run here: their supervisor holds the tool's terminal on a
// pseudo-terminal from @lydell/node-pty, a native addon prebuilt per platform. A short shell on one
// shows that the addon loads and that the system gives out pseudo-terminals.
export async function sessionTerminalTest(): Promise<{ ok: boolean; detail: string }> {
  const started = Date.now();
  try {
    const { spawn } = await import('@lydell/node-pty');
    const pty = spawn('/bin/sh', ['-c', 'exit 7'], { cols: 80, rows: 24, env: { PATH: '/usr/bin:/bin' } });
    const code = await new Promise<number>((resolve) => pty.onExit((e) => resolve(e.exitCode)));
    if (code !== 7) return { ok: false, detail: `a shell on a pseudo-terminal ended with ${code}, not 7` };
    return { ok: true, detail: `a pseudo-terminal opens (node-pty, ${Date.now() - started} ms)` };
  } catch (e) {
    return { ok: false, detail: (e as Error).message.split('\n')[0] ?? 'unknown error' };
  }
}
