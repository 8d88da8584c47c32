// Worktree sessions on rootless (see worktree-cases.ts).
import { defineWorktreeCases } from './worktree-cases.js';

defineWorktreeCases('rootless');
