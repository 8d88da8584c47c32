#!/usr/bin/env node
// Entry of the installed `shim` binary and of every tool link pointing at it.
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs; a no-op on Node 20.
module.enableCompileCache?.();
await import('../dist/shim.mjs');
