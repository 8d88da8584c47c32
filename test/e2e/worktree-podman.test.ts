// Worktree sessions on podman (see worktree-cases.ts).
import { defineWorktreeCases } from './worktree-cases.js';

defineWorktreeCases('podman');
