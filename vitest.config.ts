import { defineConfig } from 'vitest/config';

// End-to-end files drive real podman and docker: they get long timeouts and run one file at a time
// per runtime (the 2-core build machines are the limit, not vitest).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    maxWorkers: 3,
    reporters: ['default'],
  },
});
