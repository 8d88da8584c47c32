// A real terminal for tests: a tmux window running a command as the sandbox's user, typed into with
// send-keys and read with capture-pane.
import { execa } from 'execa';
import { SHIM, asUser, type Sandbox } from './harness.js';

const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

export interface Terminal {
  name: string;
  /** The whole screen and scrollback, lines joined. */
  screen(): Promise<string>;
  /** Resolves to the screen once `re` matches it; fails after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** tmux key names (Enter, C-]) or literal text with `literal`. */
  keys(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  /** Closes the terminal (its processes get SIGHUP, as when a window is closed). */
  kill(): Promise<void>;
}

/** Opens a terminal in the sandbox's project running argv (a tool link name or `shim`), as the
 *  sandbox's user with exactly its environment; after the command, the terminal prints EXIT=<status>. */
export async function openTerminal(sb: Sandbox, argv: readonly string[], opts: { cwd?: string; env?: Record<string, string>; cols?: number; rows?: number } = {}): Promise<Terminal> {
  const name = `shimt-${Math.random().toString(36).slice(2, 10)}`;
  const [first, ...rest] = argv;
  const command = asUser(sb.flavour, [first === 'shim' ? SHIM : `${sb.bin}/${first}`, ...rest]);
  const envs = Object.entries({ ...sb.env, TERM: 'xterm-256color', ...opts.env }).map(([k, v]) => `${k}=${quote(v)}`);
  const line = `cd ${quote(opts.cwd ?? sb.project)} && env -i ${envs.join(' ')} ${command.map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
  await execa('tmux', ['new-session', '-d', '-s', name, '-x', String(opts.cols ?? 160), '-y', String(opts.rows ?? 40), line]);
  const screen = async () => (await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-', '-t', name], { reject: false })).stdout;
  return {
    name,
    screen,
    async waitFor(re, ms = 60_000) {
      const until = Date.now() + ms;
      let last = '';
      while (Date.now() < until) {
        last = await screen();
        if (re.test(last)) return last;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`timed out waiting for ${re} in the terminal; it shows:\n${last}`);
    },
    async keys(...keys) {
      await execa('tmux', ['send-keys', '-t', name, ...keys]);
    },
    async type(text) {
      await execa('tmux', ['send-keys', '-t', name, '-l', text]);
    },
    async kill() {
      await execa('tmux', ['kill-session', '-t', name], { reject: false });
    },
  };
}
