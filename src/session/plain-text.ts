// A session's terminal output as text: what MCP's session_read returns and what `shim logs` prints when
// its output is not a terminal. Escape sequences are what a terminal acts on rather than shows.
import { StringDecoder } from 'node:string_decoder';

// CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), and the two-byte escapes
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// an escape that may still be completed by what follows: a lone ESC, a CSI without its final byte, an
// OSC without its terminator
// eslint-disable-next-line no-control-regex
const UNFINISHED = /(?:\x1b|\x1b\[[0-?]*[ -/]*|\x1b\][^\x07\x1b]*\x1b?)$/;
/** An unfinished escape longer than this is not held back any longer (it is output, not a sequence). */
const MAX_HELD = 4096;

/** Terminal output as text: escape sequences removed, carriage returns before newlines dropped. */
export function plainText(raw: string): string {
  return raw.replace(ANSI, '').replace(/\r+\n/g, '\n');
}

/** plainText for output that arrives in pieces (`shim logs -f`): a character, an escape sequence or a
 *  "\r\n" cut between two pieces comes out as if it had arrived whole. */
export class PlainTextStream {
  private readonly decoder = new StringDecoder('utf8');
  private held = '';

  /** The text of this piece, less what may belong to the next one. */
  push(chunk: Buffer): string {
    const text = this.held + this.decoder.write(chunk);
    const unfinished = UNFINISHED.exec(text)?.[0] ?? /\r+$/.exec(text)?.[0] ?? '';
    const keep = unfinished.length <= MAX_HELD ? unfinished.length : 0;
    this.held = text.slice(text.length - keep);
    return plainText(text.slice(0, text.length - keep));
  }

  /** What is left at the end. */
  end(): string {
    const rest = this.held + this.decoder.end();
    this.held = '';
    return plainText(rest);
  }
}
