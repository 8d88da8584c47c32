import { defineConfig } from 'vitest/config';

// Fast tests (unit, CLI contract with a fake runtime) in parallel; end-to-end and adversarial tests
// on real podman, docker and rootless podman, one file at a time (the 2-core build machines are the
// limit, and files share the runtimes' image stores), after shim's image is built once per runtime.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'fast',
          include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
      {
        // the adversarial suite: real containers, outcomes checked on the host side
        test: {
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
