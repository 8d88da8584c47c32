// Hostile config files: prototype keys and huge files are refused by name, never half-applied.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES, loadToolFile } from '../../src/config/load.js';

function file(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-hostile-'));
  const f = path.join(dir, 'config.json');
  fs.writeFileSync(f, text);
  return f;
}

describe('hostile config files', () => {
  it('a "__proto__" key inside a tool is an unknown key, and cannot smuggle in a network', () => {
    const result = loadToolFile(file('{"eslint": {"tool": "npm:eslint", "__proto__": {"network": "bridge"}}}'));
    expect(result).toMatchObject({ messages: ['eslint.__proto__: unknown key'], tools: ['eslint'] });
    // positive control: the same network set visibly is accepted
    const visible = loadToolFile(file('{"eslint": {"tool": "npm:eslint", "network": "bridge"}}'));
    expect('tools' in visible && visible.tools instanceof Map && visible.tools.get('eslint')?.network).toBe('bridge');
  });

  it('a top-level "__proto__" key is an invalid tool name, not silently ignored', () => {
    const result = loadToolFile(file('{"__proto__": {"tool": "npm:x"}, "eslint": {"tool": "npm:eslint"}}'));
    expect(result).toHaveProperty('messages');
    expect((result as { messages: string[] }).messages[0]).toMatch(/^"__proto__": invalid tool name/);
  });

  it('a file over the size limit is refused without parsing', () => {
    const big = file(`{"eslint": {"tool": "npm:eslint", "command": "${'x'.repeat(MAX_CONFIG_BYTES)}"}}`);
    const result = loadToolFile(big);
    expect(result).toMatchObject({ messages: [expect.stringMatching(/bytes; config files are limited to 1048576 bytes$/)] });
  });

  it('a truncated file names the position of the error', () => {
    const result = loadToolFile(file('{"eslint": {"tool": "npm:esl'));
    expect((result as { messages: string[] }).messages[0]).toMatch(/^invalid JSON at line 1, column \d+: /);
  });
});
