// Sessions' after-run checks on podman (see session-after-cases.ts).
import { defineSessionAfterCases } from './session-after-cases.js';

defineSessionAfterCases('podman');
