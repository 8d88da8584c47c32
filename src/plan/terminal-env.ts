// The terminal a tool on a terminal is told it has (pure). Without TERM the runtime's -t says "xterm"
// (eight colours), and COLORTERM never gets in, so a tool drawing on a 256-colour or truecolor terminal
// falls back to a few colours (gemini warns about it). The host's own TERM goes in when the image has a
// terminfo entry for it (curses programs need one); another one is replaced by the nearest the image has.
import type { Env } from '../host.js';

/** The terminfo entries of Debian's ncurses-base, which every image shim builds has (minbase). */
export const IMAGE_TERMINFO: ReadonlySet<string> = new Set([
  'Eterm', 'Eterm-color', 'ansi', 'cons25', 'cons25-debian', 'cygwin', 'dumb', 'hurd', 'linux', 'mach', 'mach-bold',
  'mach-color', 'mach-gnu', 'mach-gnu-color', 'pcansi', 'rxvt', 'rxvt-basic', 'rxvt-m', 'rxvt-unicode',
  'rxvt-unicode-256color', 'screen', 'screen-256color', 'screen-256color-bce', 'screen-bce', 'screen-s', 'screen-w',
  'screen.xterm-256color', 'sun', 'tmux', 'tmux-256color', 'vt100', 'vt102', 'vt220', 'vt52', 'wsvt25', 'wsvt25m',
  'xterm', 'xterm-256color', 'xterm-color', 'xterm-debian', 'xterm-mono', 'xterm-r5', 'xterm-r6', 'xterm-vt220', 'xterm-xfree86',
]);

/** COLORTERM values terminals set for 24-bit colour; anything else is left out. */
const COLORTERM_VALUES = new Set(['truecolor', '24bit']);

/** The TERM a container gets for the host's `term`: the same when the image knows it, else xterm-256color
 *  for a terminal that is at least that (kitty, alacritty, wezterm, foot, ghostty… and any "*-256color"
 *  or "*direct*" one), else xterm. */
export function containerTerm(term: string | undefined): string {
  if (term && IMAGE_TERMINFO.has(term)) return term;
  if (!term || term === 'dumb') return 'xterm';
  return /256|direct|kitty|alacritty|wezterm|foot|ghostty|truecolor|24bit/i.test(term) ? 'xterm-256color' : 'xterm';
}

/** TERM (and COLORTERM when the host's says truecolor) for a container on a terminal; none otherwise.
 *  A session's terminal is the supervisor's pseudo-terminal, an xterm-256color, whatever TERM shim has. */
export function terminalEnv(hostEnv: Env, terminal: boolean, session: boolean): Record<string, string> {
  if (!terminal) return {};
  const env: Record<string, string> = { TERM: session ? 'xterm-256color' : containerTerm(hostEnv.TERM) };
  const colorterm = hostEnv.COLORTERM?.toLowerCase();
  if (colorterm && COLORTERM_VALUES.has(colorterm)) env.COLORTERM = colorterm;
  return env;
}
