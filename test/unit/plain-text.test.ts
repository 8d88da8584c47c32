import { describe, expect, it } from 'vitest';
import { PlainTextStream, plainText } from '../../src/session/plain-text.js';

const SAMPLE = 'a\x1b[1;32mgreen\x1b[0m\r\n\x1b]0;title\x07é\x1b[6n\x1b[?25h\r\nend\x1b]8;;http://x\x1b\\link\x1bM\r\r\n';

describe('PlainTextStream', () => {
  it('gives the same text as plainText however the output is cut', () => {
    const whole = plainText(SAMPLE);
    expect(whole).toBe('agreen\né\nendlink\n');
    const bytes = Buffer.from(SAMPLE, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const s = new PlainTextStream();
      const text = s.push(bytes.subarray(0, cut)) + s.push(bytes.subarray(cut)) + s.end();
      expect(text, `cut at ${cut}`).toBe(whole);
    }
    const s = new PlainTextStream();
    expect([...bytes].map((b) => s.push(Buffer.from([b]))).join('') + s.end()).toBe(whole);
  });

  it('writes nothing of an escape until it is complete, and holds a long unfinished one no longer', () => {
    const s = new PlainTextStream();
    expect(s.push(Buffer.from('x\x1b[3'))).toBe('x');
    expect(s.push(Buffer.from('1mred'))).toBe('red');
    expect(s.push(Buffer.from(`\x1b]0;${'t'.repeat(5000)}`))).toBe(`0;${'t'.repeat(5000)}`);
  });
});
