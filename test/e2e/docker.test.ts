// Core behaviour on docker (see core-cases.ts).
import { defineCoreCases } from './core-cases.js';

defineCoreCases('docker');
