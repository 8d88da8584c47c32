// Snapshots on podman (see snapshot-cases.ts).
import { defineSnapshotCases } from './snapshot-cases.js';

defineSnapshotCases('podman');
