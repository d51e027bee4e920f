import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The end-to-end files mostly wait on real clocks; with the default (cores - 1) a two-core CI
    // machine would run every file one after another behind them.
    maxWorkers: 3,
  },
});
