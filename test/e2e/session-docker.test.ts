// Sessions on docker (see session-cases.ts).
import { defineSessionCases } from './session-cases.js';

defineSessionCases('docker');
