// Snapshots on a real file system (temp dirs, the host's git): stored once, ignored files left alone,
// restore exact and repeatable, caps refused before anything is written.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { captureFiles, createSnapshot } from '../../src/snapshot/create.js';
import { restoreSnapshot } from '../../src/snapshot/restore.js';
import { deleteSnapshots, loadManifests } from '../../src/snapshot/store.js';
import { diffManifests } from '../../src/plan/snapshot.js';
import { tempDir } from './tmp.js';

const env = { PATH: process.env.PATH, HOME: '/nonexistent' };

function tree(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
}

function gitRepo(root: string): void {
  execFileSync('git', ['init', '-q', root]);
  tree(root, { '.gitignore': 'ignored/\n*.log\n' });
}

function blobCount(store: string): number {
  const blobs = path.join(store, 'blobs');
  return fs.existsSync(blobs) ? fs.readdirSync(blobs).reduce((n, d) => n + fs.readdirSync(path.join(blobs, d)).length, 0) : 0;
}

describe('snapshots on disk', () => {
  it('a git work tree: ignored files and .git are not saved; unchanged files are stored once', async () => {
    const base = tempDir();
    const root = path.join(base, 'p');
    const store = path.join(base, 'store');
    gitRepo(root);
    tree(root, { 'a.txt': 'a', 'src/b.txt': 'b', 'same.txt': 'a', 'ignored/big': 'x', 'x.log': 'log' });
    const first = await createSnapshot(root, { store, env });
    expect(Object.keys(first.manifest.files).sort()).toEqual(['.gitignore', 'a.txt', 'same.txt', 'src/b.txt']);
    expect(first.manifest.listing).toBe('git');
    // identical content is one blob
    expect(blobCount(store)).toBe(3);
    const second = await createSnapshot(root, { store, env });
    expect(second.addedBytes).toBe(0);
    expect(blobCount(store)).toBe(3);
    expect(second.manifest.files).toEqual(first.manifest.files);
  });

  it('restore brings back content, modes, symlinks and deleted files, removes new ones, leaves ignored ones', async () => {
    const base = tempDir();
    const root = path.join(base, 'p');
    const store = path.join(base, 'store');
    gitRepo(root);
    tree(root, { 'edit.txt': 'original', 'gone.txt': 'keep me', 'run.sh': '#!/bin/sh\n', 'ignored/cache': 'c1' });
    fs.symlinkSync('edit.txt', path.join(root, 'link'));
    const saved = await createSnapshot(root, { store, env });
    const before = captureFiles(root, env).files;

    tree(root, { 'edit.txt': 'changed', 'new/dir/n.txt': 'new', 'ignored/cache': 'c2' });
    fs.rmSync(path.join(root, 'gone.txt'));
    fs.chmodSync(path.join(root, 'run.sh'), 0o755);
    fs.rmSync(path.join(root, 'link'));
    fs.symlinkSync('gone.txt', path.join(root, 'link'));
    const diff = diffManifests(saved.manifest.files, captureFiles(root, env).files);
    expect(diff).toEqual({ added: ['new/dir/n.txt'], changed: ['edit.txt', 'link'], deleted: ['gone.txt'], modeChanged: [{ path: 'run.sh', from: '0644', to: '0755' }] });

    const result = await restoreSnapshot(saved.manifest, { store, env });
    const after = captureFiles(root, env).files;
    expect(diffManifests(before, after)).toEqual({ added: [], changed: [], deleted: [], modeChanged: [] });
    expect(fs.readFileSync(path.join(root, 'edit.txt'), 'utf8')).toBe('original');
    expect(fs.readlinkSync(path.join(root, 'link'))).toBe('edit.txt');
    expect(fs.existsSync(path.join(root, 'new'))).toBe(false);
    // the ignored file keeps what the tool wrote
    expect(fs.readFileSync(path.join(root, 'ignored/cache'), 'utf8')).toBe('c2');
    // the state before the restore was saved: restoring it undoes the restore
    const undo = loadManifests(store).find((m) => m.id === result.before)!;
    expect(undo.name).toBe(`before restore of ${saved.manifest.id}`);
    await restoreSnapshot(undo, { store, env });
    expect(fs.readFileSync(path.join(root, 'edit.txt'), 'utf8')).toBe('changed');
    expect(fs.existsSync(path.join(root, 'gone.txt'))).toBe(false);
  });

  it('an interrupted restore (some files written, a temp file left) finishes when run again', async () => {
    const base = tempDir();
    const root = path.join(base, 'p');
    const store = path.join(base, 'store');
    tree(root, { a: '1', b: '2' });
    const saved = await createSnapshot(root, { store, env });
    expect(saved.manifest.listing).toBe('walk');
    tree(root, { a: 'x', b: 'y', c: 'z' });
    // half done: a is back, c still there
    fs.writeFileSync(path.join(root, 'a'), '1');
    await restoreSnapshot(saved.manifest, { store, env });
    expect(fs.readdirSync(root).sort()).toEqual(['a', 'b']);
    expect(fs.readFileSync(path.join(root, 'b'), 'utf8')).toBe('2');
  });

  it('refuses a tree over the caps with the numbers, writing nothing', async () => {
    const base = tempDir();
    const root = path.join(base, 'p');
    const store = path.join(base, 'store');
    tree(root, { a: '12345', b: '67890', c: 'x' });
    await expect(createSnapshot(root, { store, env, caps: { maxFiles: 2, maxBytes: 1e9 } })).rejects.toThrow(/3 files, over the cap of 2 files per snapshot; nothing was saved/);
    await expect(createSnapshot(root, { store, env, caps: { maxFiles: 10, maxBytes: 10 } })).rejects.toThrow(/\(11 bytes\), over the cap of .*\(10 bytes\)/);
    expect(fs.existsSync(store)).toBe(false);
  });

  it('delete frees the blobs no other snapshot holds', async () => {
    const base = tempDir();
    const root = path.join(base, 'p');
    const store = path.join(base, 'store');
    tree(root, { a: 'shared', b: 'first' });
    const one = await createSnapshot(root, { store, env });
    tree(root, { b: 'second' });
    await createSnapshot(root, { store, env });
    expect(blobCount(store)).toBe(3);
    expect(deleteSnapshots(store, [one.manifest.id])).toBe('first'.length);
    expect(blobCount(store)).toBe(2);
  });
});
