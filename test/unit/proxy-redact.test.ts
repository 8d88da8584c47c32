// The redactor alone: every cut of a stream, every encoding, and what it must leave alone.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRedactor, secretForms } from '../../src/proxy/redact.js';

const SECRET = 'sk-ant-api03-Zq9/x+Y_é-0123456789';

async function through(chunks: Buffer[], values = [SECRET]): Promise<{ out: Buffer; count: number; pieces: number }> {
  let count = 0;
  let pieces = 0;
  const out: Buffer[] = [];
  const stream = Readable.from(chunks).pipe(createRedactor(values).stream((n) => (count += n)));
  for await (const piece of stream) {
    pieces++;
    out.push(piece as Buffer);
  }
  return { out: Buffer.concat(out), count, pieces };
}

describe('createRedactor().stream', () => {
  const text = Buffer.from(`before ${SECRET} after\n`, 'utf8');
  const masked = Buffer.concat([Buffer.from('before '), Buffer.alloc(Buffer.byteLength(SECRET), '*'), Buffer.from(' after\n')]);

  it('masks the value wherever the stream is cut, keeping every other byte and the length', async () => {
    for (let cut = 0; cut <= text.length; cut++) {
      const r = await through([text.subarray(0, cut), text.subarray(cut)]);
      expect(r.out.equals(masked), `cut at ${cut}`).toBe(true);
      expect(r.count).toBe(1);
    }
  });

  it('masks it when every byte is its own chunk', async () => {
    const r = await through([...text].map((b) => Buffer.from([b])));
    expect(r.out.equals(masked)).toBe(true);
  });

  it('holds back nothing that cannot start the value: each event passes on before the next is written', async () => {
    const t = createRedactor([SECRET]).stream(() => {});
    const got: string[] = [];
    t.on('data', (d: Buffer) => got.push(d.toString()));
    const event = 'data: {"delta":"hello"}\n\n';
    t.write(Buffer.from(event));
    await new Promise((resolve) => setImmediate(resolve));
    expect(got.join('')).toBe(event);
    // control: an event ending in the start of the value waits for the next chunk
    t.write(Buffer.from(`data: ${SECRET.slice(0, 5)}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(got.join('')).toBe(`${event}data: `);
    t.end(Buffer.from('\n'));
    await new Promise((resolve) => t.on('end', resolve));
    expect(got.join('')).toBe(`${event}data: ${SECRET.slice(0, 5)}\n`);
  });

  it('without values, everything passes', async () => {
    const r = await through([text], []);
    expect(r.out.equals(text)).toBe(true);
  });
});

describe('secretForms', () => {
  it('covers the value as sent, JSON-escaped, percent-encoded, hex and base64 at each alignment', () => {
    const forms = secretForms(SECRET).map((f) => f.toString('latin1'));
    expect(forms).toContain(Buffer.from(SECRET).toString('latin1'));
    expect(forms).toContain(encodeURIComponent(SECRET));
    expect(forms).toContain(JSON.stringify(SECRET).slice(1, -1).replace(/\//g, '\\/'));
    expect(forms).toContain(Buffer.from(SECRET).toString('hex'));
    for (const prefix of ['', 'a', 'ab']) {
      for (const alphabet of ['base64', 'base64url'] as const) {
        const encoded = Buffer.from(`${prefix}${SECRET}`).toString(alphabet);
        expect(forms.some((f) => encoded.includes(f) && f.length > 20), `${alphabet} after ${prefix.length}`).toBe(true);
      }
    }
  });

  it('masks header values in any of those forms, and nothing else', () => {
    const r = createRedactor([SECRET]);
    expect(r.text(`Basic ${Buffer.from(`u:${SECRET}`).toString('base64')}`).count).toBe(1);
    expect(r.text('Bearer shim-cred-abc').count).toBe(0);
  });
});
