// Sessions on rootless (see session-cases.ts).
import { defineSessionCases } from './session-cases.js';

defineSessionCases('rootless');
