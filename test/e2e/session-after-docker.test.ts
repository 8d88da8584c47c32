// Sessions' after-run checks on docker (see session-after-cases.ts).
import { defineSessionAfterCases } from './session-after-cases.js';

defineSessionAfterCases('docker');
