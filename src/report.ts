// Everything shim itself says goes to stderr (stdout belongs to the wrapped tool). Colour follows
// NO_COLOR, FORCE_COLOR, TERM=dumb and whether stderr is a terminal; chalk alone ignores NO_COLOR.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Env } from './host.js';

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, hint?: string): void;
  /** Raw text for stderr (build logs, captured output of a failed install). */
  raw(text: string): void;
}

/** Decides the colour level: 0 (none) or 1 (basic ANSI). */
export function colorLevel(env: Env, stderrIsTTY: boolean): 0 | 1 {
  if (env.NO_COLOR) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  if (env.TERM === 'dumb') return 0;
  return stderrIsTTY ? 1 : 0;
}

/** Creates a reporter that writes through `write` (process.stderr in main, a buffer in tests). */
export function createReporter(write: (text: string) => void, level: 0 | 1): Reporter {
  const c: ChalkInstance = new Chalk({ level });
  return {
    info: (m) => write(`${c.dim('shim:')} ${m}\n`),
    warn: (m) => write(`${c.yellow('shim: warning:')} ${m}\n`),
    error: (m, hint) => write(`${c.red('shim: error:')} ${m}\n${hint ? `${c.dim('shim: hint:')} ${hint}\n` : ''}`),
    raw: (t) => write(t.endsWith('\n') || !t ? t : `${t}\n`),
  };
}
