// Runs git for the worktree commands: argv arrays, a given environment, captured output. Two kinds of
// call: `controlGit` about a copy (shim's own git directory, the clean environment, nothing of the copy's
// .git read as configuration), and `userGit` in the user's own repository (their configuration, hooks and
// fsmonitor off).
import { spawn } from 'node:child_process';
import { RuntimeError } from '../errors.js';
import { CLEAN_GIT_OPTIONS, buildCleanGitEnv, buildUserGitEnv, type WorktreePaths } from './plan.js';

export interface GitResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git with `argv` and `env`; resolves with its status and output (never rejects on a status). */
export function runGit(argv: readonly string[], env: Record<string, string>, options: { cwd?: string; input?: Buffer | string } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...argv], { env, cwd: options.cwd ?? '/', stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-8000)));
    child.once('error', (e) => reject(new RuntimeError(`cannot run git: ${e.message}`, 'install git on the host (worktree sessions need it)')));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.once('close', (code) => resolve({ status: code ?? 128, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** Throws a RuntimeError naming the git command when it failed; returns stdout as text. */
export function expectGit(what: string, r: GitResult): string {
  if (r.status !== 0) throw new RuntimeError(`git failed while ${what}: ${r.stderr.trim().split('\n').slice(-3).join(' ') || `exit ${r.status}`}`, 'see the message above; the copy is unchanged');
  return r.stdout.toString('utf8');
}

export interface ControlGitOptions {
  /** The work tree git looks at (the copy's tree); none for object-only commands. */
  workTree?: string;
  /** The index file (default: the control directory's own). */
  index?: string;
  /** Write objects there instead of the control directory (used once, when shim makes the copy). */
  objects?: string;
  /** Extra object directories to read (the user's object store is the control directory's alternate). */
  alternates?: readonly string[];
  env?: Record<string, string>;
  input?: Buffer | string;
}

/** git about a copy: shim's control git directory and clean environment. */
export function controlGit(paths: WorktreePaths, hostEnv: Readonly<Record<string, string | undefined>>, argv: readonly string[], o: ControlGitOptions = {}): Promise<GitResult> {
  const env: Record<string, string> = {
    ...buildCleanGitEnv(hostEnv, paths.home),
    GIT_DIR: paths.control,
    GIT_INDEX_FILE: o.index ?? `${paths.control}/index`,
    ...(o.workTree ? { GIT_WORK_TREE: o.workTree } : {}),
    ...(o.objects ? { GIT_OBJECT_DIRECTORY: o.objects } : {}),
    ...(o.alternates?.length ? { GIT_ALTERNATE_OBJECT_DIRECTORIES: o.alternates.join(':') } : {}),
    ...o.env,
  };
  return runGit([...CLEAN_GIT_OPTIONS, ...argv], env, { cwd: o.workTree ?? paths.control, ...(o.input !== undefined ? { input: o.input } : {}) });
}

/** git in the user's repository (`project` its work tree root). */
export function userGit(project: string, hostEnv: Readonly<Record<string, string | undefined>>, argv: readonly string[], input?: Buffer | string, extraEnv: Record<string, string> = {}): Promise<GitResult> {
  return runGit(['--no-pager', '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-C', project, ...argv], { ...buildUserGitEnv(hostEnv), ...extraEnv }, { cwd: project, ...(input !== undefined ? { input } : {}) });
}
