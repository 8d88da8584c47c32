// Sessions' after-run checks on rootless (see session-after-cases.ts).
import { defineSessionAfterCases } from './session-after-cases.js';

defineSessionAfterCases('rootless');
