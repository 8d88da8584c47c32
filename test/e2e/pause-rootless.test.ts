// Pause and resume on rootless (see pause-cases.ts).
import { definePauseCases } from './pause-cases.js';

definePauseCases('rootless');
