// The worktree session commands `diff`, `apply` and `discard` (commander glue only; the work is in
// commands/worktree-diff.ts and commands/worktree-apply.ts).
import type { Command } from 'commander';
import type { App } from './app/with-config-files.js';
import { diffCommand } from './commands/worktree-diff.js';
import { applyCommand, discardCommand } from './commands/worktree-apply.js';

export function addWorktreeCommands(program: Command, app: App, setStatus: (code: number) => void): void {
  program
    .command('diff')
    .description('what a worktree session changed since it started: its commits, uncommitted edits and new files (while it runs or after)')
    .argument('<name>', 'session name')
    .option('--stat', 'only the changed files and their line counts')
    .option('--json', 'machine-readable output: {name, branch, tree, files: [{path, status, additions, deletions}], patch}')
    .action(async (name: string, opts: { stat?: boolean; json?: boolean }) => setStatus(await diffCommand(app, name, opts)));
  program
    .command('apply')
    .description("put a worktree session's work, exactly as shim diff NAME last showed it, into your working tree as uncommitted changes (refused, changing nothing, if the copy changed since that diff or a file it touches changed in your tree meanwhile); --branch: into your repository as branch shim/NAME instead")
    .argument('<name>', 'session name')
    .option('--branch', "bring its commits (and one of what it left uncommitted) in as branch shim/NAME; your working tree is untouched")
    .option('--tree <id>', 'apply only if the copy is this tree (the "tree" of shim diff NAME --json); default: the tree shim diff NAME last showed')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { branch?: boolean; json?: boolean; tree?: string }) => setStatus(await applyCommand(app, name, opts)));
  program
    .command('discard')
    .description('stop a worktree session if it runs and delete its copy')
    .argument('<name>', 'session name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { json?: boolean }) => setStatus(await discardCommand(app, name, opts)));
}
