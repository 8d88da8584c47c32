// B6 of scripts/bench.mjs: `shim snapshot create` of a 20,000-file git work tree, the first time (empty
// store: every file hashed and stored) and the second time (the previous manifest's hashes reused for
// unchanged files), against `cp -a` of the same files and `git stash create`. Each round changes the
// same 100 files first, so the second snapshot and the stash both have real work to save.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const FILES = 20_000;
const CHANGED = 100;

function makeTree(dir, mustRun) {
  fs.mkdirSync(path.join(dir, 'tree'), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(dir, 'tree', `d${String(i % 200).padStart(3, '0')}`);
    if (i < 200) fs.mkdirSync(sub);
    // 0.5 to 4.5 KiB of pseudo-random text per file
    fs.writeFileSync(path.join(sub, `f${i}.txt`), crypto.randomBytes(256 + (i % 2048)).toString('hex'));
  }
  const git = (args) => mustRun(`git ${args[0]}`, 'git', ['-C', dir, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args]);
  git(['init', '-q']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'tree']);
}

function touchSome(dir, round) {
  for (let i = 0; i < CHANGED; i++) fs.appendFileSync(path.join(dir, 'tree', `d${String((i * 7) % 200).padStart(3, '0')}`, `f${(i * 7) % FILES}.txt`), `${round}-${i}\n`);
}

/** Runs B6; `h` holds bench.mjs's helpers (sideBySide, timeOnce, stats-producing functions, log…). */
export function benchB6(root, rounds, h) {
  const dir = path.join(root, 'b6');
  h.log(`B6: making a ${FILES}-file git work tree`);
  makeTree(dir, h.mustRun);
  const env = (data) => ({ PATH: process.env.PATH, HOME: path.join(root, 'home'), XDG_DATA_HOME: data, XDG_STATE_HOME: path.join(root, 'b6-state'), XDG_CONFIG_HOME: path.join(root, 'b6-config') });
  const second = path.join(root, 'b6-second');
  // the store the "second time" snapshots build on
  h.timeOnce(h.NODE, [h.SHIM, 'snapshot', 'create', dir], env(second), { cwd: dir });
  let n = 0;
  const fresh = () => path.join(root, `b6-${n++}`);
  h.log(`B6: ${rounds} rounds of snapshot (first, second), cp -a and git stash create, interleaved`);
  const r = h.sideBySide(
    {
      first: () => {
        const data = fresh();
        const t = h.timeOnce(h.NODE, [h.SHIM, 'snapshot', 'create', dir], env(data), { cwd: dir });
        fs.rmSync(data, { recursive: true, force: true });
        return t;
      },
      second: () => {
        touchSome(dir, n++);
        return h.timeOnce(h.NODE, [h.SHIM, 'snapshot', 'create', dir], env(second), { cwd: dir });
      },
      cp: () => {
        const dest = fresh();
        const t = h.timeOnce('cp', ['-a', path.join(dir, 'tree'), dest], process.env, { cwd: root });
        fs.rmSync(dest, { recursive: true, force: true });
        return t;
      },
      stash: () => {
        touchSome(dir, n++);
        return h.timeOnce('git', ['-C', dir, 'stash', 'create'], process.env, { cwd: dir, stdout: 'ignore' });
      },
    },
    rounds,
  );
  const blobs = fs.readdirSync(path.join(second, 'shim', 'snapshots', 'blobs')).length;
  const firstRatio = r.first.median / r.cp.median;
  const secondRatio = r.second.median / r.stash.median;
  return {
    id: 'B6',
    title: `\`shim snapshot create\` of a ${FILES}-file git work tree: first time vs \`cp -a\`, second time vs \`git stash create\``,
    shim: r.first,
    baseline: r.cp,
    extra: { second: r.second, stash: r.stash, blobDirs: blobs },
    result: `first ${firstRatio.toFixed(2)}× cp -a (${h.fmtMs(r.first)} vs ${h.fmtMs(r.cp)}); second ${secondRatio.toFixed(2)}× git stash create (${h.fmtMs(r.second)} vs ${h.fmtMs(r.stash)})`,
    ratio: firstRatio,
    secondRatio,
    target: 'reported only',
    met: null,
    notes: [
      `second time: ${h.fmtMs(r.second)} (${h.spread(r.second)}); git stash create: ${h.fmtMs(r.stash)} (${h.spread(r.stash)}); each after changing the same ${CHANGED} files`,
      'shim timings include starting Node and shim, `git ls-files` and writing the manifest; cp -a copies only the files (no .git); git stash create writes a stash commit of the tracked changes only',
    ],
  };
}
