'use strict';
// B9's minimal launcher (scripts/bench-cold.mjs): a Node process that does only the host-side things a
// cold run of shim does around the runtime command, each optional, and nothing else (no config, no
// plan, no image stamp). Not shim's code: a yardstick, so that a link's cost splits into "what any Node
// launcher doing these things pays" and "what shim's own work adds".
//
//   node bench-replay.cjs ITEMS AUDIT_FILE LIFELINE_DIR RUNTIME ARGV…
//
// ITEMS: a comma list of lifeline (a 0700 directory holding a listening socket, as src/runtime/lifeline.ts
// makes it, removed after the run), watchdog (a detached /bin/sh reading "done" from a pipe, the argv
// of src/plan/container.ts's buildWatchdogArgvFor), audit (one JSON line appended, as src/audit/log.ts
// does); `-` for none. The runtime inherits stdio; the exit status is the runtime's.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const [items, auditFile, lifelineDir, file, ...argv] = process.argv.slice(2);
const want = new Set(items.split(','));
const name = argv[argv.indexOf('--name') + 1] ?? 'none';

function holdLifeline() {
  if (!want.has('lifeline')) return Promise.resolve(undefined);
  fs.mkdirSync(lifelineDir, { mode: 0o700 });
  const held = new Set();
  const server = net.createServer((s) => {
    held.add(s);
    s.on('error', () => {});
    s.unref();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path.join(lifelineDir, 'lifeline.sock'), () => resolve({ server, held }));
  });
}

async function main() {
  const lifeline = await holdLifeline();
  let dog;
  if (want.has('watchdog')) {
    dog = spawn('/bin/sh', ['-c', 'read -r state; [ "$state" = done ] || exec "$@" >/dev/null 2>&1', 'shim-watchdog', file, 'rm', '--force', name], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    dog.on('error', () => {});
    dog.stdin.on('error', () => {});
    dog.unref();
  }
  const started = new Date().toISOString();
  const child = spawn(file, argv, { stdio: 'inherit' });
  child.once('close', (code, signal) => {
    if (want.has('audit')) {
      fs.mkdirSync(path.dirname(auditFile), { recursive: true });
      const record = { v: 1, at: started, ended: new Date().toISOString(), tool: 'shimbench-node', runtime: path.basename(file), argv: argv.slice(-4), status: code, signal, cwd: process.cwd(), policy: 'x'.repeat(64), network: 'none' };
      fs.appendFileSync(auditFile, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    }
    dog?.stdin.end('done\n');
    if (lifeline) {
      for (const s of lifeline.held) s.destroy();
      lifeline.server.close();
      try {
        fs.unlinkSync(path.join(lifelineDir, 'lifeline.sock'));
      } catch {}
      fs.rmdirSync(lifelineDir);
    }
    process.exitCode = code ?? 128;
  });
}

main();
