// How a file name (any bytes Linux allows but "/" and NUL) is written in a snapshot manifest, which is
// JSON and so holds strings. A name that is valid UTF-8 without "%", control characters (C0, DEL, C1)
// is stored as itself; every other byte is "%XX". The form is canonical (one spelling per name), so a
// manifest key decodes to exactly one name and a hand-made "%2F" or "%00" is refused. Pure.

const fatal = new TextDecoder('utf-8', { fatal: true });
const hex = (b: number) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
// "%" itself, C0 controls, DEL and C1 controls (terminals act on C1 too)
const NEEDS_ESCAPE = /[\u0000-\u001f\u007f%\u0080-\u009f]/;

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceAt(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  const len = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (!len || i + len > bytes.length) return 0;
  try {
    fatal.decode(bytes.subarray(i, i + len));
    return len;
  } catch {
    return 0;
  }
}

/** The manifest spelling of the raw name bytes (a relative path, "/"-separated, or a symlink target). */
export function encodeName(bytes: Uint8Array): string {
  try {
    const s = fatal.decode(bytes);
    if (!NEEDS_ESCAPE.test(s)) return s;
  } catch {
    // invalid UTF-8: byte by byte below
  }
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      out += b < 0x20 || b === 0x7f || b === 0x25 ? hex(b) : String.fromCharCode(b);
      i++;
      continue;
    }
    const len = sequenceAt(bytes, i);
    const ch = len ? Buffer.from(bytes.subarray(i, i + len)).toString('utf8') : '';
    if (len && !NEEDS_ESCAPE.test(ch)) out += ch;
    else for (const x of bytes.subarray(i, i + Math.max(len, 1))) out += hex(x);
    i += Math.max(len, 1);
  }
  return out;
}

/** The raw bytes of a manifest spelling, or undefined when it is not the canonical spelling of any name. */
export function decodeName(s: string): Buffer | undefined {
  const parts: Buffer[] = [];
  let plain = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      plain += s[i];
      continue;
    }
    const m = /^[0-9A-F]{2}$/.exec(s.slice(i + 1, i + 3));
    if (!m) return undefined;
    parts.push(Buffer.from(plain, 'utf8'), Buffer.from([parseInt(m[0], 16)]));
    plain = '';
    i += 2;
  }
  parts.push(Buffer.from(plain, 'utf8'));
  const bytes = Buffer.concat(parts);
  return encodeName(bytes) === s ? bytes : undefined;
}

/** The name as a manifest written before names were escaped held it (plain UTF-8) → today's spelling. */
export const fromLegacyName = (s: string) => encodeName(Buffer.from(s, 'utf8'));
