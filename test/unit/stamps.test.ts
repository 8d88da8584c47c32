import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { readStamp, removeStamp, staleReason, stampPath, writeStamp, type InstallStamp } from '../../src/install/stamps.js';
import { tempDir } from './tmp.js';

const dir = tempDir('shim-stamps-');
const stamp: InstallStamp = { spec: 'npm:eslint@9', image: 'localhost/shim:abc', version: '9.12.0', binPaths: ['/mise/a/bin'], installedAt: '2024-01-01T00:00:00.000Z' };

describe('stampPath', () => {
  it('keys stamps by runtime and tool', () => {
    expect(stampPath('/s', 'podman', 'eslint')).toBe('/s/installs/podman/eslint.json');
    expect(stampPath('/s', 'docker', 'eslint')).not.toBe(stampPath('/s', 'podman', 'eslint'));
  });
});

describe('writeStamp / readStamp / removeStamp', () => {
  it('round-trips a stamp, creating directories', () => {
    const file = stampPath(dir, 'podman', 'eslint');
    writeStamp(file, stamp);
    expect(readStamp(file)).toEqual(stamp);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['eslint.json']);
  });

  it('returns undefined for a missing file', () => {
    expect(readStamp(path.join(dir, 'nope.json'))).toBeUndefined();
  });

  it.each([
    ['not json', '{'],
    ['missing spec', JSON.stringify({ image: 'x', binPaths: [] })],
    ['missing image', JSON.stringify({ spec: 'x', binPaths: [] })],
    ['binPaths not an array', JSON.stringify({ spec: 'x', image: 'y', binPaths: '/a' })],
    ['null', 'null'],
  ])('returns undefined for a malformed stamp (%s)', (_n, text) => {
    const file = path.join(dir, `bad-${_n.replaceAll(' ', '-')}.json`);
    fs.writeFileSync(file, text);
    expect(readStamp(file)).toBeUndefined();
  });

  it('removes a stamp, and removing a missing one is fine', () => {
    const file = stampPath(dir, 'docker', 'gone');
    writeStamp(file, stamp);
    removeStamp(file);
    expect(fs.existsSync(file)).toBe(false);
    expect(() => removeStamp(file)).not.toThrow();
  });
});

describe('staleReason', () => {
  it('says first use without a stamp', () => {
    expect(staleReason(undefined, 'npm:eslint@9', 'img')).toBe('first use');
  });
  it('says spec changed', () => {
    expect(staleReason(stamp, 'npm:eslint@10', stamp.image)).toBe('spec changed from npm:eslint@9');
  });
  it('says image changed', () => {
    expect(staleReason(stamp, stamp.spec, 'localhost/shim:def')).toBe('image changed');
  });
  it('is undefined when current', () => {
    expect(staleReason(stamp, stamp.spec, stamp.image)).toBeUndefined();
  });
});
