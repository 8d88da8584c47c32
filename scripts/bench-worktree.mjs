// B12 of scripts/bench.mjs: making a worktree session's copy of a 20,000-file git repository (HEAD, 100
// uncommitted edits, 10 untracked files, an ignored node_modules), as `shim run --worktree` makes it
// before its container starts, against `git worktree add` of the same repository. The copy is made by
// shim's own code (src/worktree/create.ts, bundled with esbuild) in a fresh Node process per round, so
// Node's start is counted too. The target: at most 2× git worktree add.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES = 20_000;
const CHANGED = 100;
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function makeRepo(dir, mustRun) {
  fs.mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(dir, `d${String(i % 200).padStart(3, '0')}`);
    if (i < 200) fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, `f${i}.txt`), crypto.randomBytes(256 + (i % 2048)).toString('hex'));
  }
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
  const git = (args) => mustRun(`git ${args[0]}`, 'git', ['-C', dir, '-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args]);
  git(['init', '-q']);
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'tree']);
  for (let i = 0; i < CHANGED; i++) fs.appendFileSync(path.join(dir, `d${String((i * 7) % 200).padStart(3, '0')}`, `f${(i * 7) % FILES}.txt`), `edit-${i}\n`);
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dir, `untracked-${i}.txt`), `new ${i}\n`);
  fs.writeFileSync(path.join(dir, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
}

/** Bundles shim's copy maker and a runner that makes one copy (project, state dir, name from argv). */
async function buildRunner(root) {
  const esbuild = await import('esbuild');
  const lib = path.join(root, 'b9-worktree.mjs');
  await esbuild.build({ entryPoints: [path.join(REPO, 'src', 'worktree', 'create.ts')], bundle: true, platform: 'node', format: 'esm', outfile: lib, logLevel: 'error' });
  const runner = path.join(root, 'b9-run.mjs');
  fs.writeFileSync(
    runner,
    `import { createWorktree, gatherUserRepoFacts } from ${JSON.stringify(lib)};\n` +
      `import path from 'node:path';\n` +
      `const [project, state, name] = process.argv.slice(2);\n` +
      `const d = path.join(state, 'worktrees', name);\n` +
      `const paths = { dir: d, tree: path.join(d, 'tree'), treeGit: path.join(d, 'tree', '.git'), control: path.join(d, 'control.git'), home: path.join(d, 'home'), meta: path.join(d, 'meta.json') };\n` +
      `import fs from 'node:fs';\n` +
      `fs.mkdirSync(path.join(state, 'worktrees'), { recursive: true });\n` +
      `const scratch = fs.mkdtempSync(path.join(state, 'worktrees', '.facts-'));\n` +
      `const facts = await gatherUserRepoFacts(project, process.env, scratch);\n` +
      `fs.rmSync(scratch, { recursive: true, force: true });\n` +
      `await createWorktree(paths, name, facts, ['node_modules'], process.env, new Date());\n`,
  );
  return runner;
}

/** Runs B12; `h` holds bench.mjs's helpers. */
export async function benchB12(root, rounds, h) {
  const dir = fs.realpathSync(fs.mkdirSync(path.join(root, 'b9'), { recursive: true }) ?? path.join(root, 'b9'));
  h.log(`B12: making a ${FILES}-file git repository with ${CHANGED} uncommitted edits`);
  makeRepo(dir, h.mustRun);
  const runner = await buildRunner(root);
  const state = path.join(root, 'b9-state');
  let n = 0;
  const env = { PATH: process.env.PATH, HOME: path.join(root, 'home') };
  h.log(`B12: ${rounds} rounds of shim's copy and git worktree add, interleaved`);
  const r = h.sideBySide(
    {
      shim: () => {
        const name = `b9-${n++}`;
        const t = h.timeOnce(h.NODE, [runner, dir, state, name], env, { cwd: dir });
        fs.rmSync(path.join(state, 'worktrees', name), { recursive: true, force: true });
        return t;
      },
      worktreeAdd: () => {
        const dest = path.join(root, `b9-wt-${n++}`);
        const t = h.timeOnce('git', ['-C', dir, 'worktree', 'add', '-q', '--detach', dest], env, { cwd: dir });
        h.mustRun('git worktree remove', 'git', ['-C', dir, 'worktree', 'remove', '--force', dest]);
        return t;
      },
    },
    rounds,
  );
  const ratio = r.shim.median / r.worktreeAdd.median;
  return {
    id: 'B12',
    title: `a worktree session's copy of a ${FILES}-file git repository (${CHANGED} uncommitted edits, 10 untracked files) vs \`git worktree add\``,
    shim: r.shim,
    baseline: r.worktreeAdd,
    result: `${ratio.toFixed(2)}× git worktree add (${h.fmtMs(r.shim)} vs ${h.fmtMs(r.worktreeAdd)})`,
    ratio,
    target: '≤ 2× git worktree add',
    met: ratio <= 2,
    notes: [
      "shim: a fresh Node process running shim's own src/worktree/create.ts (the facts of the repository, the checkout of HEAD into a new git directory whose objects borrow the repository's, the uncommitted and untracked files copied and committed as the branch's start, shim's control directory); the container the session then starts is the same as any session's",
      'git worktree add: a checkout of HEAD only (the uncommitted and untracked files are not in it)',
    ],
  };
}
