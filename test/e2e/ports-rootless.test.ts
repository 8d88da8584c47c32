// Forwarded ports on rootless (see ports-cases.ts).
import { definePortCases } from './ports-cases.js';

definePortCases('rootless');
