import {defineConfig} from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Browser end-to-end tests build the site once and share a Chromium; keep files in one worker pool
    // small enough for a 2-core machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 600_000
  }
});
