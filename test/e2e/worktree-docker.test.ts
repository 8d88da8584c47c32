// Worktree sessions on docker (see worktree-cases.ts).
import { defineWorktreeCases } from './worktree-cases.js';

defineWorktreeCases('docker');
