// Snapshots on docker (see snapshot-cases.ts).
import { defineSnapshotCases } from './snapshot-cases.js';

defineSnapshotCases('docker');
