// Everything shim itself says goes to stderr (stdout belongs to the wrapped tool). Colour follows
// --no-color, NO_COLOR, FORCE_COLOR, TERM=dumb and whether stderr is a terminal. shim only ever uses
// three basic ANSI styles on its own prefixes, so it writes them itself rather than loading a colour
// library on every tool call.
import type { Env } from './host.js';

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, hint?: string): void;
  /** Raw text for stderr (build logs, captured output of a failed install). */
  raw(text: string): void;
}

/** Decides the colour level: 0 (none) or 1 (basic ANSI). `--no-color` (noColorFlag) wins over everything. */
export function colorLevel(env: Env, stderrIsTTY: boolean, noColorFlag = false): 0 | 1 {
  if (noColorFlag || env.NO_COLOR) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  if (env.TERM === 'dumb') return 0;
  return stderrIsTTY ? 1 : 0;
}

/** Wraps text in an ANSI style (open/close codes) at level 1; returns it unchanged at level 0. */
function styler(level: 0 | 1) {
  const style = (open: number, close: number) => (text: string) => (level ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { dim: style(2, 22), yellow: style(33, 39), red: style(31, 39) };
}

/** Creates a reporter that writes through `write` (process.stderr in main, a buffer in tests). */
export function createReporter(write: (text: string) => void, level: 0 | 1): Reporter {
  const c = styler(level);
  return {
    info: (m) => write(`${c.dim('shim:')} ${m}\n`),
    warn: (m) => write(`${c.yellow('shim: warning:')} ${m}\n`),
    error: (m, hint) => write(`${c.red('shim: error:')} ${m}\n${hint ? `${c.dim('shim: hint:')} ${hint}\n` : ''}`),
    raw: (t) => write(t.endsWith('\n') || !t ? t : `${t}\n`),
  };
}

export const NO_COLOR_FLAG = '--no-color';

/** Splits `--no-color` off shim's own command line (never through a tool link: there every argument
 *  is the tool's). It counts before the subcommand, anywhere among another subcommand's arguments,
 *  and for `run` only before the tool name; after `--`, or after `run <tool>`, it is left in place
 *  for the tool. Pure: main.ts calls it before the reporter exists and commander never sees the flag. */
export function splitNoColor(argv: readonly string[]): { noColor: boolean; argv: string[] } {
  const rest: string[] = [];
  let noColor = false;
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const toolNamed = command === 'run' && !arg.startsWith('-');
    if (arg === '--' || toolNamed) {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === NO_COLOR_FLAG) {
      noColor = true;
      continue;
    }
    if (command === undefined && !arg.startsWith('-')) command = arg;
    rest.push(arg);
  }
  return { noColor, argv: rest };
}

/** True when shim's own command line asks for no colour (see splitNoColor). */
export function wantsNoColor(argv: readonly string[]): boolean {
  return splitNoColor(argv).noColor;
}

/** A reporter that holds everything it is told until `flush`, and remembers the warnings: used while a
 *  tool owns a terminal, so shim never writes into the middle of a full-screen program. */
export function deferReporter(target: Reporter, hold: boolean): { reporter: Reporter; flush(): void; warnings: string[] } {
  const held: (() => void)[] = [];
  const warnings: string[] = [];
  const later = (f: () => void) => (hold ? held.push(f) : f());
  const reporter: Reporter = {
    info: (m) => later(() => target.info(m)),
    warn: (m) => {
      warnings.push(m);
      later(() => target.warn(m));
    },
    error: (m, hint) => {
      warnings.push(m);
      later(() => target.error(m, hint));
    },
    raw: (t) => later(() => target.raw(t)),
  };
  return { reporter, warnings, flush: () => held.splice(0).forEach((f) => f()) };
}
