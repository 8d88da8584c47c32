// Reads the real values of a run's brokered credentials on the host, when the run starts: `env:NAME`
// from shim's own environment, `file:PATH` (its first line), or `cmd:…` (a host command's first line of
// output). The values go to the egress proxy's stdin and nowhere else: never logged, never in an error.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Env } from '../host.js';
import type { CredentialBinding } from '../plan/egress.js';
import { ConfigError } from '../errors.js';
import { credentialFilePath } from '../plan/credentials.js';

/** How long a `cmd:` source may take (a token helper that prompts would hang the run otherwise). */
export const CREDENTIAL_CMD_TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 64 * 1024;

/** The words of a `cmd:` source. Split on blanks, without a shell: no quotes, pipes, variables or
 *  globs (a command that needs them belongs in a script named here). */
export function splitCommand(command: string): string[] {
  return command.trim().split(/\s+/).filter(Boolean);
}

const fail = (b: CredentialBinding, why: string, hint: string) => new ConfigError(`credentials.${b.name} (from ${b.from.startsWith('cmd:') ? 'cmd:…' : b.from}): ${why}`, hint);

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.replace(/\r$/, '').trim();
}

function runCommand(b: CredentialBinding, env: Env): Promise<string> {
  const [file, ...args] = splitCommand(b.from.slice('cmd:'.length));
  return new Promise((resolve, reject) => {
    const cleanEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    // stdin closed (a prompt gets EOF), stderr dropped: output of a token helper is never shown
    const child = execFile(file!, args, { env: cleanEnv, timeout: CREDENTIAL_CMD_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: 'utf8', killSignal: 'SIGKILL' }, (error, stdout) => {
      if (!error) return resolve(firstLine(stdout));
      const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      const why = e.code === 'ENOENT' ? `${file} was not found on PATH` : e.killed ? `${file} did not finish within ${CREDENTIAL_CMD_TIMEOUT_MS / 1000} s` : `${file} failed (exit ${String(e.code ?? 'unknown')})`;
      reject(fail(b, why, `run the command yourself to see why; its output is never shown by shim`));
    });
    child.stdin?.end();
  });
}

function readFile(b: CredentialBinding, home: string): string {
  const file = credentialFilePath(b.from, home);
  try {
    return firstLine(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw fail(b, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'check the path (absolute or ~/…) and its permissions');
  }
}

async function valueOf(b: CredentialBinding, host: { env: Env; home: string }): Promise<string> {
  if (b.from.startsWith('env:')) {
    const name = b.from.slice('env:'.length);
    const v = host.env[name];
    if (v === undefined || v === '') throw fail(b, `the host variable ${name} is not set`, `export ${name} before running the tool, or change "from"`);
    return v.trim();
  }
  if (b.from.startsWith('file:')) return readFile(b, host.home);
  return runCommand(b, host.env);
}

/** Credential name → real value, each checked (non-empty, no control characters: it goes into a header). */
export async function loadCredentialValues(bindings: readonly CredentialBinding[], host: { env: Env; home: string }): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const b of bindings) {
    const v = await valueOf(b, host);
    if (!v) throw fail(b, 'the value is empty', 'check the source: its first line is the value');
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(v)) throw fail(b, 'the value contains control characters', 'a header value is one line of printable characters');
    values[b.name] = v;
  }
  return values;
}
