// A restore saves in its "before" snapshot the files the tool's ignore rules (or a repository it made)
// hid, and that saving obeys the caps of any snapshot: a tool planting huge hidden files cannot fill the
// disk through the store. Over the cap the restore is refused before the project or the store changes;
// under it (the control) the hidden files are saved and the undo brings them back. Real files, real git.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createSnapshot } from '../../src/snapshot/create.js';
import { restoreSnapshot } from '../../src/snapshot/restore.js';
import { loadManifest, loadManifests } from '../../src/snapshot/store.js';
import type { SnapshotCaps } from '../../src/plan/snapshot.js';
import { tempDir } from './tmp.js';

const env = { PATH: process.env.PATH, HOME: '/nonexistent' };
const MiB = 1024 ** 2;

/** A git project with a small tracked file, its store, and a snapshot of it. */
async function project(): Promise<{ root: string; store: string; id: string }> {
  const base = tempDir();
  const root = path.join(base, 'p');
  execFileSync('git', ['init', '-q', root]);
  fs.writeFileSync(path.join(root, '.gitignore'), 'build/\n');
  fs.writeFileSync(path.join(root, 'main.js'), 'ok\n');
  const store = path.join(base, 'store');
  const { manifest } = await createSnapshot(root, { store, env });
  return { root, store, id: manifest.id };
}

/** Every file below `dir` with its size (the project's state, .git left out). */
function files(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.relative(dir, path.join(e.parentPath, e.name));
    if (e.isFile() && !p.split(path.sep).includes('.git')) out[p] = fs.statSync(path.join(dir, p)).size;
  }
  return out;
}

/** Bytes of all blobs in the store. */
const blobBytes = (store: string) => Object.values(fs.existsSync(path.join(store, 'blobs')) ? files(path.join(store, 'blobs')) : {}).reduce((a, b) => a + b, 0);

/** The tool's doing: edits main.js, plants `size` bytes of data in planted.bin and hides it. */
function plantHidden(root: string, size: number): void {
  fs.writeFileSync(path.join(root, 'main.js'), 'wrecked\n');
  fs.writeFileSync(path.join(root, 'planted.bin'), Buffer.alloc(size, 0x5a));
  fs.appendFileSync(path.join(root, '.gitignore'), 'planted.bin\n');
}

describe('a restore saves what the tool hid within the snapshot caps', () => {
  const caps = (maxBytes: number, maxFiles = 1000): SnapshotCaps => ({ maxBytes, maxFiles });

  it('over the byte cap: refused naming the cap, its variable and what to do; the project and the store are as they were', async () => {
    const { root, store, id } = await project();
    plantHidden(root, 3 * MiB);
    const state = files(root);
    const gitignore = fs.readFileSync(path.join(root, '.gitignore'), 'utf8');
    const manifests = loadManifests(store).length;
    const stored = blobBytes(store);
    const refused = restoreSnapshot(loadManifest(store, id), { store, env, caps: caps(2 * MiB) });
    await expect(refused).rejects.toThrow(/over the cap of 0\.00 GiB \(2097152 bytes\)/);
    await expect(refused).rejects.toThrow(/planted\.bin/);
    await expect(refused).rejects.toMatchObject({ hint: expect.stringContaining('SHIM_SNAPSHOT_MAX_BYTES') });
    // nothing restored (main.js still the tool's), the tool's ignore rules back as they were
    expect(files(root)).toEqual(state);
    expect(fs.readFileSync(path.join(root, 'main.js'), 'utf8')).toBe('wrecked\n');
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe(gitignore);
    // and nothing of the planted file in the store, nor a new snapshot
    expect(blobBytes(store) - stored).toBeLessThan(MiB);
    expect(loadManifests(store)).toHaveLength(manifests);
  });

  it('control: under the cap the hidden file is saved in the "before" snapshot and its undo brings it back', async () => {
    const { root, store, id } = await project();
    plantHidden(root, 3 * MiB);
    const stored = blobBytes(store);
    const { before } = await restoreSnapshot(loadManifest(store, id), { store, env, caps: caps(4 * MiB) });
    expect(fs.existsSync(path.join(root, 'planted.bin'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'main.js'), 'utf8')).toBe('ok\n');
    expect(blobBytes(store) - stored).toBeGreaterThanOrEqual(3 * MiB);
    expect(Object.keys(loadManifest(store, before).files)).toContain('planted.bin');
    await restoreSnapshot(loadManifest(store, before), { store, env, caps: caps(4 * MiB) });
    expect(fs.statSync(path.join(root, 'planted.bin')).size).toBe(3 * MiB);
  });

  it('over the file cap: refused naming SHIM_SNAPSHOT_MAX_FILES; control: one file fewer is saved', async () => {
    const { root, store, id } = await project();
    fs.mkdirSync(path.join(root, 'spray'));
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, 'spray', `f${i}`), `${i}`);
    fs.appendFileSync(path.join(root, '.gitignore'), 'spray/\n');
    // the "before" holds .gitignore and main.js: 22 files in all with the hidden ones
    const refused = restoreSnapshot(loadManifest(store, id), { store, env, caps: caps(MiB, 21) });
    await expect(refused).rejects.toThrow(/22 files, over the cap of 21 files/);
    await expect(refused).rejects.toMatchObject({ hint: expect.stringContaining('SHIM_SNAPSHOT_MAX_FILES') });
    expect(fs.readdirSync(path.join(root, 'spray'))).toHaveLength(20);
    const { before } = await restoreSnapshot(loadManifest(store, id), { store, env, caps: caps(MiB, 22) });
    expect(Object.keys(loadManifest(store, before).files).filter((p) => p.startsWith('spray/'))).toHaveLength(20);
    expect(fs.existsSync(path.join(root, 'spray'))).toBe(false);
  });

  it('files in a repository the tool made count too: refused before its .git is removed; control: under the cap it goes and they are saved', async () => {
    const { root, store, id } = await project();
    execFileSync('git', ['init', '-q', path.join(root, 'sub')]);
    fs.writeFileSync(path.join(root, 'sub', 'payload.bin'), Buffer.alloc(3 * MiB, 1));
    const refused = restoreSnapshot(loadManifest(store, id), { store, env, caps: caps(2 * MiB) });
    await expect(refused).rejects.toThrow(/sub\/payload\.bin/);
    expect(fs.existsSync(path.join(root, 'sub', '.git', 'HEAD'))).toBe(true);
    const { before, removedGits } = await restoreSnapshot(loadManifest(store, id), { store, env, caps: caps(4 * MiB) });
    expect(removedGits).toEqual(['sub/.git']);
    expect(fs.existsSync(path.join(root, 'sub'))).toBe(false);
    expect(Object.keys(loadManifest(store, before).files)).toContain('sub/payload.bin');
  });
});
