// Entry of a session's supervisor (dist/session.mjs), started detached by `shim run --name` and by tool
// links of `"session": true`. The plan comes on stdin as JSON (it holds the values of the variables
// passed to the container: never on an argv or on disk); stdout says "ready" or why not, then closes,
// after lines `note "…"` for the starting shim to say (the host port chosen for a forwarded port);
// stderr is the session's supervisor.log.
import type { SessionSpec } from './spec.js';
import { superviseSession } from './supervisor.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

async function main(): Promise<number> {
  let spec: SessionSpec;
  try {
    spec = JSON.parse(await readStdin()) as SessionSpec;
  } catch {
    // JSON.parse's message may quote the text, which holds values passed to the container
    log('the session plan on stdin is not valid JSON');
    process.stdout.write('error "the session plan on stdin is not valid JSON"\n');
    return 125;
  }
  // what `ps` shows for this process: the session, not only "node …/session.mjs"
  process.title = `shim-session ${spec.info.name}`;
  // the shim that started the session may be gone already (interrupted while it waited)
  process.stdout.on('error', () => {});
  let told = false;
  const ready = (error?: string) => {
    if (told) return;
    told = true;
    if (error) log(error);
    process.stdout.write(error ? `error ${JSON.stringify(error)}\n` : 'ready\n');
    process.stdout.end();
  };
  try {
    const tell = (message: string) => {
      log(message);
      if (!told) process.stdout.write(`note ${JSON.stringify(message)}\n`);
    };
    return await superviseSession(spec, ready, log, process.env, tell);
  } catch (e) {
    log(`internal error: ${(e as Error)?.stack ?? String(e)}`);
    ready(`internal error: ${(e as Error)?.message}`);
    return 125;
  }
}

void main().then((code) => {
  process.exitCode = code;
});
