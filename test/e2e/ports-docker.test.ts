// Forwarded ports on docker (see ports-cases.ts).
import { definePortCases } from './ports-cases.js';

definePortCases('docker');
