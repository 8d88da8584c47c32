// The terminal modes a tool's output turns on and off (alternate screen, mouse reporting, bracketed
// paste, focus events, a hidden cursor). The supervisor follows them from the start, so a terminal that
// attaches is put into them before the replay; an attached terminal follows them too, so that leaving
// while they are on undoes them.

/** The modes on now, from the output seen so far. */
export class TerminalModes {
  private readonly on = new Set<number>();
  private hiddenCursor = false;

  see(data: Buffer): void {
    // eslint-disable-next-line no-control-regex
    for (const m of data.toString('latin1').matchAll(/\x1b\[\?([0-9;]+)([hl])/g)) {
      for (const n of m[1]!.split(';').map(Number)) {
        if (n === 25) this.hiddenCursor = m[2] === 'l';
        else if (RESETTABLE.includes(n)) {
          if (m[2] === 'h') this.on.add(n);
          else this.on.delete(n);
        }
      }
    }
  }

  /** What puts a terminal into the modes now on (a terminal that attaches, before the replay). */
  restore(): string {
    return [...this.on].map((n) => `\x1b[?${n}h`).join('') + (this.hiddenCursor ? '\x1b[?25l' : '');
  }

  /** What puts the terminal back: the modes still on turned off, colours reset, the cursor shown. */
  reset(): string {
    const off = [...this.on].map((n) => `\x1b[?${n}l`).join('');
    return `\x1b[0m${off}${this.hiddenCursor ? '\x1b[?25h' : ''}`;
  }
}

// alternate screens, mouse reporting modes, focus events, bracketed paste
const RESETTABLE = [1049, 1047, 47, 1000, 1002, 1003, 1005, 1006, 1015, 1004, 2004];

