// The objects of a session's copy come into shim's control directory only as what they are: a pack's
// .idx the agent forged (a name mapped to another object's offset) and a loose object whose content is not
// its name have no effect on what shim diff shows or apply writes. Each forgery has its control: it
// really fools plain git in the copy, and the same objects made honestly are imported.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from './tmp.js';
import { GIT_ID, fakeApp, git, makeCopy, makeUserRepo } from './worktree-helpers.js';
import { worktreeDiff } from '../../src/commands/worktree-diff.js';
import { controlGit } from '../../src/worktree/git.js';
import type { WorktreePaths } from '../../src/worktree/plan.js';

const GOOD = 'the content the user reviews\n';
const EVIL = 'content nobody was shown\n';

/** Plain git in the copy with `input` on stdin (the agent's git). */
function gitIn(cwd: string, input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, input, env: { ...process.env, ...GIT_ID }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Swaps where a v2 .idx says objects `a` and `b` are in its pack (offsets and CRCs), checksum redone. */
function swapInIdx(idxFile: string, a: string, b: string): void {
  const idx = fs.readFileSync(idxFile);
  const n = idx.readUInt32BE(8 + 255 * 4);
  const names = 8 + 256 * 4;
  const at = (oid: string) => [...Array(n).keys()].find((i) => idx.subarray(names + i * 20, names + i * 20 + 20).toString('hex') === oid)!;
  const [ia, ib] = [at(a), at(b)];
  for (const base of [names + n * 20, names + n * 24]) {
    const va = idx.readUInt32BE(base + ia * 4);
    idx.writeUInt32BE(idx.readUInt32BE(base + ib * 4), base + ia * 4);
    idx.writeUInt32BE(va, base + ib * 4);
  }
  createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest().copy(idx, idx.length - 20);
  fs.chmodSync(idxFile, 0o644);
  fs.writeFileSync(idxFile, idx);
}

/** A copy whose .git holds GOOD and EVIL in one pack (and nowhere else); returns their ids and the pack. */
async function copyWithPack(root: string, state: string, name: string) {
  const project = makeUserRepo(path.join(root, name));
  const { paths } = await makeCopy(state, project, name);
  const good = gitIn(paths.tree, GOOD, 'hash-object', '-w', '--stdin').trim();
  const evil = gitIn(paths.tree, EVIL, 'hash-object', '-w', '--stdin').trim();
  const sum = gitIn(paths.tree, `${good}\n${evil}\n`, 'pack-objects', '-q', '.git/objects/pack/pack').trim();
  git(paths.tree, 'prune-packed');
  return { paths, good, evil, idx: path.join(paths.treeGit, 'objects', 'pack', `pack-${sum}.idx`) };
}

async function shimHas(paths: WorktreePaths, oid: string): Promise<string | undefined> {
  const r = await controlGit(paths, process.env, ['cat-file', 'blob', oid]);
  return r.status === 0 ? r.stdout.toString('utf8') : undefined;
}

describe('importing the objects of a copy', () => {
  it('ignores a pack .idx that maps a name to another object: diff shows the file as it is', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const { paths, good, evil, idx } = await copyWithPack(root, state, 'forged');
    swapInIdx(idx, good, evil);
    // control: the forged index fools plain git in the copy
    expect(git(paths.tree, 'cat-file', 'blob', good)).toBe(EVIL);
    // the agent's file holds GOOD; the forged pack would answer EVIL for its name
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), GOOD);
    const diff = await worktreeDiff(fakeApp(state), 'forged');
    expect(diff.patch).toContain(`+${GOOD.trim()}`);
    expect(diff.patch).not.toContain(EVIL.trim());
    expect(await shimHas(paths, good)).toBe(GOOD);
    // the pack's objects came in under their true names
    expect(await shimHas(paths, evil)).toBe(EVIL);
  });

  it('control: the same pack with its own .idx imports as it is', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const { paths, good, evil } = await copyWithPack(root, state, 'honest');
    expect(git(paths.tree, 'cat-file', 'blob', good)).toBe(GOOD);
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), GOOD);
    expect((await worktreeDiff(fakeApp(state), 'honest')).patch).toContain(`+${GOOD.trim()}`);
    expect(await shimHas(paths, evil)).toBe(EVIL);
    expect(await shimHas(paths, good)).toBe(GOOD);
  });

  it('ignores a loose object whose content is not its name; an honest loose object is imported (control)', async () => {
    const root = tempDir();
    const state = path.join(root, 'state');
    const project = makeUserRepo(root);
    const { paths } = await makeCopy(state, project, 'loose');
    const good = gitIn(paths.tree, GOOD, 'hash-object', '--stdin').trim();
    const evil = gitIn(paths.tree, EVIL, 'hash-object', '-w', '--stdin').trim();
    // the object named after GOOD holds EVIL
    const file = path.join(paths.treeGit, 'objects', good.slice(0, 2), good.slice(2));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, zlib.deflateSync(Buffer.from(`blob ${Buffer.byteLength(EVIL)}\0${EVIL}`)));
    // control: plain git in the copy takes it at its name
    expect(git(paths.tree, 'cat-file', 'blob', good)).toBe(EVIL);
    fs.writeFileSync(path.join(paths.tree, 'r.txt'), GOOD);
    const diff = await worktreeDiff(fakeApp(state), 'loose');
    expect(diff.patch).toContain(`+${GOOD.trim()}`);
    expect(diff.patch).not.toContain(EVIL.trim());
    expect(await shimHas(paths, good)).toBe(GOOD);
    // control: the honest loose object (not in the work tree) came in
    expect(await shimHas(paths, evil)).toBe(EVIL);
  });
});
