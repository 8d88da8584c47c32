// Sessions on podman (see session-cases.ts).
import { defineSessionCases } from './session-cases.js';

defineSessionCases('podman');
