import { configDefaults, defineConfig } from "vitest/config";

// Mutation testing (npm run test:mutation) runs only the in-process tests of the billing-critical code:
// no globalSetup (they never run the bundles, and a bundle would not carry Stryker's active mutant anyway),
// no sshd or render suites (slow, and they reach this code only through the bundles).
export default defineConfig({
  test: {
    include: ["orchestrator/cloud/**/*.test.ts", "orchestrator/audit/audit*.test.ts"],
    // the watchdog's test runs a real sshd (see above)
    exclude: [...configDefaults.exclude, "orchestrator/cloud/watchdog.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
