// Core behaviour on rootless (see core-cases.ts).
import { defineCoreCases } from './core-cases.js';

defineCoreCases('rootless');
