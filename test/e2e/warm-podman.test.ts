// Warm containers on podman (see warm-cases.ts).
import { defineWarmCases } from './warm-cases.js';

defineWarmCases('podman');
