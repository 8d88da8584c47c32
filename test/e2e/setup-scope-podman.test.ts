// Two setups on podman (see setup-scope-cases.ts).
import { defineSetupScopeCases } from './setup-scope-cases.js';

defineSetupScopeCases('podman');
