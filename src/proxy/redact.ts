// Removes brokered credentials' real values from what a bound host answers, before the tool sees it: a
// server that echoes a request header (CORS reflecting Origin, an error page quoting the request, TRACE)
// would otherwise hand the value back. The value is searched as sent and in the encodings a server
// commonly echoes it in (JSON string escapes, percent-encoding, base64 at each alignment, hex). Each
// match is overwritten in place with "*" bytes of the same length, so Content-Length and framing stay
// true. Bodies are scanned as a stream: the end of a chunk that could begin a match is held back until
// the next chunk shows whether it does, so a value split across chunks is caught, and nothing else
// waits (a server-sent event is not delayed unless its last bytes look like the start of the value).
// A server that transforms the value otherwise (hashes, reverses, case-folds it) is not caught.
import { Transform, type TransformCallback } from 'node:stream';

const MASK = 0x2a; // "*"
/** Encoded forms shorter than this are not searched: they would match ordinary bytes by chance. */
const MIN_ENCODED = 8;

/** The part of base64(x) that depends only on `value`, when `value` starts `offset` bytes into a
 *  3-byte group of a longer base64 stream (0, 1 or 2). */
function base64Core(value: Buffer, offset: number, alphabet: 'base64' | 'base64url'): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), value]).toString(alphabet).replace(/=+$/, '');
  const start = Math.ceil((offset * 8) / 6);
  const end = Math.floor(((offset + value.length) * 8) / 6);
  return encoded.slice(start, end);
}

/** Every byte sequence that stands for `value` in a response: as sent, then its common encodings. */
export function secretForms(value: string): Buffer[] {
  const raw = Buffer.from(value, 'utf8');
  const json = JSON.stringify(value).slice(1, -1);
  const encoded = [
    json,
    json.replace(/\//g, '\\/'),
    // \u escapes of every non-ASCII character, as some JSON encoders write
    json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    encodeURIComponent(value).replace(/%20/g, '+'),
    raw.toString('hex'),
    raw.toString('hex').toUpperCase(),
    ...[0, 1, 2].flatMap((o) => [base64Core(raw, o, 'base64'), base64Core(raw, o, 'base64url')]),
  ];
  const forms = [raw, ...encoded.filter((s) => s.length >= MIN_ENCODED).map((s) => Buffer.from(s, 'latin1'))];
  const seen = new Set<string>();
  return forms.filter((f) => f.length > 0 && !seen.has(f.toString('latin1')) && (seen.add(f.toString('latin1')), true));
}

/** Overwrites every form in `buf` (in place); returns how many were found. */
function mask(buf: Buffer, forms: readonly Buffer[]): number {
  let count = 0;
  for (const form of forms) {
    for (let at = buf.indexOf(form); at >= 0; at = buf.indexOf(form, at + form.length)) {
      buf.fill(MASK, at, at + form.length);
      count++;
    }
  }
  return count;
}

/** How many bytes at the end of `buf` could be the start of a form (and must wait for more). */
function pendingTail(buf: Buffer, forms: readonly Buffer[]): number {
  const longest = Math.max(0, ...forms.map((f) => f.length));
  for (let k = Math.min(longest - 1, buf.length); k > 0; k--) {
    if (forms.some((f) => f.length > k && f.compare(buf, buf.length - k, buf.length, 0, k) === 0)) return k;
  }
  return 0;
}

export interface Redactor {
  /** A header value with every form masked, and how many were. */
  text(value: string): { text: string; count: number };
  /** A stream that masks every form in what flows through it; calls `onCount` as it finds them. */
  stream(onCount: (n: number) => void): Transform;
}

/** A redactor for these real values (none: everything passes unchanged). */
export function createRedactor(values: readonly string[]): Redactor {
  const forms = [...new Set(values.filter((v) => v.length > 0))].flatMap(secretForms).sort((a, b) => b.length - a.length);
  return {
    text(value) {
      if (!forms.length) return { text: value, count: 0 };
      // header values are latin1 strings in Node: one byte per character, both ways
      const buf = Buffer.from(value, 'latin1');
      const count = mask(buf, forms);
      return { text: count ? buf.toString('latin1') : value, count };
    },
    stream(onCount) {
      let carry = Buffer.alloc(0);
      return new Transform({
        transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
          if (!forms.length) return done(null, chunk);
          // Buffer.concat copies: the upstream's chunk is never written to
          const buf = Buffer.concat([carry, chunk]);
          const count = mask(buf, forms);
          if (count) onCount(count);
          const keep = pendingTail(buf, forms);
          carry = Buffer.from(buf.subarray(buf.length - keep));
          done(null, keep === buf.length ? undefined : buf.subarray(0, buf.length - keep));
        },
        flush(done: TransformCallback) {
          done(null, carry.length ? carry : undefined);
        },
      });
    },
  };
}
