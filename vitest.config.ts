import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The CLI and pack tests run the compiled binary: build once before any test file runs.
    globalSetup: ['test/support/build.ts', 'test/live/global-setup.ts'],
  },
});
