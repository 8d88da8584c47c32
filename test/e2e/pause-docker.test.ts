// Pause and resume on docker (see pause-cases.ts).
import { definePauseCases } from './pause-cases.js';

definePauseCases('docker');
