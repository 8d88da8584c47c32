// "Who needs you": a tool that wants its user rings the terminal bell (BEL) or sends a desktop
// notification escape (OSC 9 "text", OSC 777 ; notify ; title ; body). The supervisor holds the
// terminal, so it sees these in the output without any agent-specific hooks. The output is the tool's,
// so hostile: escapes are followed by a small state machine after the DEC/ECMA-48 parser (a BEL that
// ends an OSC string is not a bell; one inside a DCS/APC/PM/SOS string neither; CAN and SUB abort a
// sequence), payloads are bounded, and the text is cut and cleaned of controls. Pure: bytes in, state out.

/** Longest OSC payload looked at: a longer one is skipped to its end and never taken for a notification. */
export const MAX_OSC_BYTES = 4096;
/** Longest notification text kept (characters). */
export const MAX_ATTENTION_TEXT = 200;

export interface AttentionSignal {
  kind: 'bell' | 'notification';
  /** The notification's text (OSC 9, OSC 777), cleaned; absent for a bell. */
  text?: string;
}

type State = 'ground' | 'esc' | 'escInt' | 'csi' | 'osc' | 'oscEsc' | 'str' | 'strEsc';

const BEL = 0x07;
const ESC = 0x1b;
const CAN = 0x18;
const SUB = 0x1a;

/** Follows a terminal byte stream across chunks; `feed` returns the signals its bytes completed. */
export class AttentionParser {
  private state: State = 'ground';
  private osc: number[] = [];
  private oversized = false;

  feed(data: Uint8Array): AttentionSignal[] {
    const out: AttentionSignal[] = [];
    for (const b of data) {
      const signal = this.step(b);
      if (signal) out.push(signal);
    }
    return out;
  }

  private step(b: number): AttentionSignal | undefined {
    // CAN and SUB cancel any sequence; ESC starts a new one (in a string state it may be the ST's first byte)
    if (b === CAN || b === SUB) return void (this.state = 'ground');
    switch (this.state) {
      case 'ground':
        if (b === BEL) return { kind: 'bell' };
        if (b === ESC) this.state = 'esc';
        return undefined;
      case 'esc':
        if (b === 0x5b) this.state = 'csi'; // [
        else if (b === 0x5d) this.startOsc(); // ]
        else if (b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) this.state = 'str'; // P X ^ _
        else if (b === ESC) this.state = 'esc';
        else if (b >= 0x20 && b <= 0x2f) this.state = 'escInt'; // intermediates: the final byte ends it
        else if (b === BEL) return this.ground({ kind: 'bell' }); // a C0 control is executed, the sequence ignored
        else this.state = 'ground';
        return undefined;
      case 'escInt':
        if (b === BEL) return { kind: 'bell' };
        if (b === ESC) this.state = 'esc';
        else if (b >= 0x30 && b <= 0x7e) this.state = 'ground';
        return undefined;
      case 'csi':
        // C0 controls inside a CSI are executed by a terminal: a BEL there rings
        if (b === BEL) return { kind: 'bell' };
        if (b === ESC) this.state = 'esc';
        else if (b >= 0x40 && b <= 0x7e) this.state = 'ground';
        return undefined;
      case 'osc':
        if (b === BEL) return this.endOsc();
        if (b === ESC) this.state = 'oscEsc';
        else if (this.osc.length < MAX_OSC_BYTES) this.osc.push(b);
        else this.oversized = true;
        return undefined;
      case 'oscEsc':
        if (b === 0x5c) return this.endOsc(); // ESC \ (ST)
        // any other byte: the OSC is abandoned and a new escape begins with it
        this.state = 'esc';
        return this.step(b);
      case 'str':
        if (b === ESC) this.state = 'strEsc';
        return undefined;
      case 'strEsc':
        if (b === 0x5c) this.state = 'ground';
        else {
          this.state = 'esc';
          return this.step(b);
        }
        return undefined;
    }
  }

  private ground(signal: AttentionSignal): AttentionSignal {
    this.state = 'ground';
    return signal;
  }

  private startOsc(): void {
    this.state = 'osc';
    this.osc = [];
    this.oversized = false;
  }

  private endOsc(): AttentionSignal | undefined {
    this.state = 'ground';
    if (this.oversized) return undefined;
    return notificationOf(Buffer.from(this.osc).toString('utf8'));
  }
}

/** The notification an OSC payload carries: `9;text` (iTerm2, but not ConEmu's `9;N;…` commands such as
 *  its progress bar `9;4;…`), or `777;notify;title;body` (rxvt/VTE); undefined for any other OSC. */
export function notificationOf(payload: string): AttentionSignal | undefined {
  if (payload.startsWith('9;')) {
    const text = payload.slice(2);
    if (/^\d+(;|$)/.test(text)) return undefined;
    return { kind: 'notification', text: cleanText(text) };
  }
  if (payload.startsWith('777;notify;')) {
    const [title = '', ...body] = payload.slice('777;notify;'.length).split(';');
    return { kind: 'notification', text: cleanText([title, body.join(';')].filter(Boolean).join(': ')) };
  }
  return undefined;
}

/** Text safe to show anywhere: controls (C0, DEL, C1) and bidirectional overrides removed, spaces
 *  collapsed, at most MAX_ATTENTION_TEXT characters. */
export function cleanText(text: string): string {
  const clean = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...clean].slice(0, MAX_ATTENTION_TEXT).join('');
}

/** A session's attention as `shim ps`, MCP and the page report it. */
export interface Attention {
  kind: 'bell' | 'notification';
  text?: string;
  /** When it was first asked for (ISO); a later signal keeps this time and takes the newest text. */
  since: string;
}

/** Whether the session wants its user: set by a signal, cleared when a terminal attaches or input arrives. */
export class AttentionState {
  private current: Attention | undefined;
  private readonly parser = new AttentionParser();

  constructor(private readonly now: () => string) {}

  /** Follows the tool's output; true when the attention changed. */
  see(data: Uint8Array): boolean {
    const signals = this.parser.feed(data);
    if (!signals.length) return false;
    let last = signals[signals.length - 1]!;
    for (const s of signals) if (s.kind === 'notification') last = s;
    const kind = this.current?.kind === 'notification' && last.kind === 'bell' ? 'notification' : last.kind;
    const text = last.text ?? this.current?.text;
    this.current = { kind, ...(text ? { text } : {}), since: this.current?.since ?? this.now() };
    return true;
  }

  clear(): void {
    this.current = undefined;
  }

  get(): Attention | undefined {
    return this.current;
  }
}
