// Core behaviour on podman (see core-cases.ts).
import { defineCoreCases } from './core-cases.js';

defineCoreCases('podman');
