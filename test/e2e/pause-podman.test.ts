// Pause and resume on podman (see pause-cases.ts).
import { definePauseCases } from './pause-cases.js';

definePauseCases('podman');
