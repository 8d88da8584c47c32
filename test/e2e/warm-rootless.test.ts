// Warm containers on rootless (see warm-cases.ts).
import { defineWarmCases } from './warm-cases.js';

defineWarmCases('rootless');
