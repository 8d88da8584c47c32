// Two setups on rootless (see setup-scope-cases.ts).
import { defineSetupScopeCases } from './setup-scope-cases.js';

defineSetupScopeCases('rootless');
