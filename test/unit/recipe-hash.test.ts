// The image recipe's hash (which names the tool image) and its cache: a run that finds containerfiles/
// unchanged reuses the hash kept in shim's cache directory; any change to a file, even to one of the
// same size, or a cache entry made for other files, means hashing the files again.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostEnv } from '../../src/host.js';
import { recipeHash } from '../../src/runtime/image.js';
import { tempDir } from './tmp.js';

function recipe(): { host: HostEnv; dir: string; cache: string } {
  const root = tempDir('shim-recipe-');
  const dir = path.join(root, 'pkg', 'containerfiles');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Containerfile'), 'FROM base\n');
  fs.writeFileSync(path.join(dir, 'helper.sh'), 'echo one\n');
  return { host: { packageRoot: path.join(root, 'pkg'), arch: 'x64' } as HostEnv, dir, cache: path.join(root, 'cache') };
}

describe('recipeHash', () => {
  it('gives the same hash with and without its cache, and keeps it there (0600)', () => {
    const r = recipe();
    const plain = recipeHash(r.host, 'base');
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    expect(recipeHash(r.host, 'base', r.cache)).toBe(plain);
    const file = path.join(r.cache, 'recipe-hash.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).hash).toBe(plain);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(recipeHash(r.host, 'base', r.cache)).toBe(plain);
    expect(recipeHash(r.host, 'other-base', r.cache)).not.toBe(plain);
  });

  it('uses the cached hash while the files are unchanged (a tampered entry with the right stamp shows it is read)', () => {
    const r = recipe();
    recipeHash(r.host, 'base', r.cache);
    const file = path.join(r.cache, 'recipe-hash.json');
    const entry = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...entry, hash: 'a'.repeat(64) }));
    expect(recipeHash(r.host, 'base', r.cache)).toBe('a'.repeat(64));
  });

  it('hashes the files again after a change of the same size, and for a cache entry of other files', () => {
    const r = recipe();
    const before = recipeHash(r.host, 'base', r.cache);
    fs.writeFileSync(path.join(r.dir, 'helper.sh'), 'echo two\n');
    const after = recipeHash(r.host, 'base', r.cache);
    expect(after).not.toBe(before);
    expect(after).toBe(recipeHash(r.host, 'base'));
    const file = path.join(r.cache, 'recipe-hash.json');
    fs.writeFileSync(file, JSON.stringify({ stamp: 'base=base\narch=x64\n', hash: 'b'.repeat(64) }));
    expect(recipeHash(r.host, 'base', r.cache)).toBe(after);
  });
});
