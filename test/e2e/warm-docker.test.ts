// Warm containers on docker (see warm-cases.ts).
import { defineWarmCases } from './warm-cases.js';

defineWarmCases('docker');
