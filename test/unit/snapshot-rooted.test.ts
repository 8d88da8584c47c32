// RootedTree's writes by name when the name changed type after shim looked (what a tool racing a
// restore makes happen, found by the racing security test only now and then): a refusal that names
// the path, never a raw errno that the restore's caller reports as a crash. Deterministic: the
// "race" is done between the look and the write by hand.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RootedTree } from '../../src/snapshot/rooted.js';
import { SnapshotError } from '../../src/errors.js';
import { tempDir } from './tmp.js';

const b = (s: string) => Buffer.from(s);

function tree(): { root: string; t: RootedTree } {
  const root = tempDir();
  return { root, t: new RootedTree(root) };
}

describe('a name that changed type between the look and the write', () => {
  it('a link renamed onto a name that is now a non-empty directory is refused, naming it; the directory is untouched', () => {
    const { root, t } = tree();
    t.symlink([], b('tmp'), b('/elsewhere'));
    fs.mkdirSync(path.join(root, 's'));
    fs.writeFileSync(path.join(root, 's', 'kept'), 'kept');
    try {
      expect(() => t.rename([], b('tmp'), b('s'))).toThrow(SnapshotError);
      expect(() => t.rename([], b('tmp'), b('s'))).toThrow(`${root}/s`);
      expect(fs.readFileSync(path.join(root, 's', 'kept'), 'utf8')).toBe('kept');
    } finally {
      t.close();
    }
  });

  it('control: onto a name that is a file (or absent) the rename goes through', () => {
    const { root, t } = tree();
    t.symlink([], b('tmp'), b('/elsewhere'));
    fs.writeFileSync(path.join(root, 's'), 'old');
    try {
      t.rename([], b('tmp'), b('s'));
      expect(fs.readlinkSync(path.join(root, 's'))).toBe('/elsewhere');
    } finally {
      t.close();
    }
  });

  it('a mode set on a name removed meanwhile is refused, naming it', () => {
    const { root, t } = tree();
    try {
      expect(() => t.chmod([], b('gone'), 0o644)).toThrow(SnapshotError);
      expect(() => t.chmod([], b('gone'), 0o644)).toThrow(`${root}/gone`);
      fs.writeFileSync(path.join(root, 'here'), 'x', { mode: 0o600 });
      t.chmod([], b('here'), 0o640);
      expect(fs.statSync(path.join(root, 'here')).mode & 0o777).toBe(0o640);
    } finally {
      t.close();
    }
  });
});
