// The attention parser reads the tool's (hostile) output: bells and notification escapes are found,
// and nothing else is taken for one.
import { describe, expect, it } from 'vitest';
import { AttentionParser, AttentionState, MAX_ATTENTION_TEXT, MAX_OSC_BYTES, cleanText, notificationOf } from '../../src/session/attention.js';

const feed = (...chunks: string[]) => {
  const p = new AttentionParser();
  return chunks.flatMap((c) => p.feed(Buffer.from(c, 'utf8')));
};

describe('AttentionParser', () => {
  it('finds a bare BEL, and nothing in plain text (control)', () => {
    expect(feed('done\x07')).toEqual([{ kind: 'bell' }]);
    expect(feed('plain text, colours \x1b[31mred\x1b[0m and a title\r\n')).toEqual([]);
  });

  it('a BEL that ends an OSC string is not a bell (a window title, OSC 8 links)', () => {
    expect(feed('\x1b]0;my title\x07')).toEqual([]);
    expect(feed('\x1b]8;;https://example.com\x07link\x1b]8;;\x07')).toEqual([]);
    // control: after the OSC, a bell is a bell again
    expect(feed('\x1b]0;t\x07\x07')).toEqual([{ kind: 'bell' }]);
  });

  it('a BEL inside a DCS, APC, PM or SOS string is not a bell', () => {
    for (const intro of ['P', '_', '^', 'X']) expect(feed(`\x1b${intro}data\x07more\x1b\\`), intro).toEqual([]);
    expect(feed('\x1bPq\x07\x1b\\\x07')).toEqual([{ kind: 'bell' }]);
  });

  it('reads OSC 9 and OSC 777 notifications ended by BEL or ST, across chunks', () => {
    expect(feed('\x1b]9;Build finished\x07')).toEqual([{ kind: 'notification', text: 'Build finished' }]);
    expect(feed('\x1b]9;Needs', ' your input\x1b', '\\')).toEqual([{ kind: 'notification', text: 'Needs your input' }]);
    expect(feed('\x1b]777;notify;Claude;Permission needed; run rm?\x07')).toEqual([{ kind: 'notification', text: 'Claude: Permission needed; run rm?' }]);
  });

  it("takes neither ConEmu's OSC 9;N commands (progress) nor other OSCs for notifications", () => {
    expect(feed('\x1b]9;4;1;50\x07')).toEqual([]);
    expect(feed('\x1b]9;4\x07')).toEqual([]);
    expect(feed('\x1b]777;preexec\x07')).toEqual([]);
    expect(feed('\x1b]52;c;aGVsbG8=\x07')).toEqual([]);
    expect(feed('\x1b]99;i=1:d=0;Hello\x1b\\')).toEqual([]);
    // control: text that merely starts with a digit is a notification
    expect(feed('\x1b]9;4 tests failed\x07')).toEqual([{ kind: 'notification', text: '4 tests failed' }]);
  });

  it('skips an oversized OSC to its end, then goes on', () => {
    const long = `\x1b]9;${'a'.repeat(MAX_OSC_BYTES + 10)}\x07`;
    expect(feed(long)).toEqual([]);
    expect(feed(long, '\x1b]9;after\x07')).toEqual([{ kind: 'notification', text: 'after' }]);
  });

  it('CAN and SUB abort an OSC, and an ESC other than ST abandons it', () => {
    expect(feed('\x1b]9;cancelled\x18\x07')).toEqual([{ kind: 'bell' }]);
    expect(feed('\x1b]9;abandoned\x1b[31m\x07')).toEqual([{ kind: 'bell' }]);
  });

  it('a BEL inside a CSI rings (a terminal executes C0 controls there)', () => {
    expect(feed('\x1b[3\x071m')).toEqual([{ kind: 'bell' }]);
  });

  it('8-bit C1 bytes (parts of UTF-8 characters) start nothing', () => {
    expect(feed('\u009d9;x\x07')).toEqual([{ kind: 'bell' }]);
    expect(feed('é ü 漢字\x07')).toEqual([{ kind: 'bell' }]);
  });
});

describe('notification text', () => {
  it('is cleaned of controls and bidirectional overrides, and cut', () => {
    expect(cleanText('a\x1b[31m\u202eb\tc\u0085d')).toBe('a [31m b c d');
    expect([...cleanText('x'.repeat(1000))].length).toBe(MAX_ATTENTION_TEXT);
    expect(notificationOf('9;')).toEqual({ kind: 'notification', text: '' });
  });
});

describe('AttentionState', () => {
  it('is set by a signal, keeps its first time and newest text, and clears', () => {
    let t = 0;
    const s = new AttentionState(() => `t${t++}`);
    expect(s.see(Buffer.from('nothing'))).toBe(false);
    expect(s.get()).toBeUndefined();
    s.see(Buffer.from('\x1b]9;first\x07'));
    s.see(Buffer.from('\x07'));
    expect(s.get()).toEqual({ kind: 'notification', text: 'first', since: 't0' });
    s.see(Buffer.from('\x1b]9;second\x07'));
    expect(s.get()).toEqual({ kind: 'notification', text: 'second', since: 't0' });
    s.clear();
    expect(s.get()).toBeUndefined();
  });
});
