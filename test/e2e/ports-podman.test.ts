// Forwarded ports on podman (see ports-cases.ts).
import { definePortCases } from './ports-cases.js';

definePortCases('podman');
