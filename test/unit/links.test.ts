import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { pointsAtShim } from '../../src/commands/links.js';
import { tempDir } from './tmp.js';

const root = tempDir('shim-links-');
const entry = path.join(root, 'here', 'bin', 'shim.js');
fs.mkdirSync(path.dirname(entry), { recursive: true });
fs.writeFileSync(entry, '');
const bin = path.join(root, 'bin');
fs.mkdirSync(bin);

describe('pointsAtShim', () => {
  it('is true for an absolute link to this shim', () => {
    expect(pointsAtShim(path.join(bin, 'eslint'), entry, entry)).toBe(true);
  });

  it('is true for a relative link to this shim', () => {
    expect(pointsAtShim(path.join(bin, 'eslint'), path.relative(bin, entry), entry)).toBe(true);
  });

  it('is true for a target that resolves to this shim through a symlink', () => {
    const alias = path.join(root, 'alias.js');
    fs.symlinkSync(entry, alias);
    expect(pointsAtShim(path.join(bin, 'eslint'), alias, entry)).toBe(true);
  });

  it('is true for another installed copy of shim, even a dangling one', () => {
    expect(pointsAtShim(path.join(bin, 'x'), '/usr/lib/node_modules/shim/bin/shim.js', entry)).toBe(true);
    expect(pointsAtShim(path.join(bin, 'x'), '/usr/lib/node_modules/shim-sandbox/bin/shim.js', entry)).toBe(true);
    expect(pointsAtShim(path.join(bin, 'x'), '/usr/lib/node_modules/not-shim-sandbox/bin/shim.js', entry)).toBe(false);
    expect(pointsAtShim(path.join(bin, 'x'), path.join(root, 'gone', 'shim', 'bin', 'shim.js'), entry)).toBe(true);
  });

  it('is false for anything else', () => {
    expect(pointsAtShim(path.join(bin, 'eslint'), '/usr/bin/eslint', entry)).toBe(false);
    expect(pointsAtShim(path.join(bin, 'x'), '/opt/notshim/bin/shim.js', entry)).toBe(false);
    expect(pointsAtShim(path.join(bin, 'x'), '/opt/shim/bin/shim.jsx', entry)).toBe(false);
    expect(pointsAtShim(path.join(bin, 'x'), '/opt/shim/lib/shim.js', entry)).toBe(false);
  });
});
