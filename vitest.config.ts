import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["renderer/**/*.test.ts", "orchestrator/**/*.test.ts", "stacks/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Render tests saturate both cores; running files one by one keeps timings honest.
    fileParallelism: false,
  },
});
