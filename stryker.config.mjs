// Mutation testing of the code that decides billing (issue 20): `npm run test:mutation`.
// Globs in braces simply match nothing while a file does not exist yet.
// stryker.ci.config.mjs narrows `mutate` to the files .ci/run enforces the threshold on.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.ts" },
  checkers: ["typescript"],
  // A narrow program: the checker re-checks it for every mutant.
  tsconfigFile: "tsconfig.stryker.json",
  coverageAnalysis: "perTest",
  mutate: [
    "orchestrator/cloud/{provision,destroy-run,pulumi-engine,pulumi-cli,local-stacks,stack-files,linode-api,linode-api-error,linode-schemas,budget,sweep-run}.ts",
    "orchestrator/audit/audit-{collect,reconcile,destroy}.ts",
  ],
  // Committed, so a run re-tests only the mutants whose code or tests changed.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  thresholds: { high: 90, low: 85, break: 85 },
  concurrency: 2,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
};
