// Two setups on docker (see setup-scope-cases.ts).
import { defineSetupScopeCases } from './setup-scope-cases.js';

defineSetupScopeCases('docker');
