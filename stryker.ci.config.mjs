// What .ci/run enforces (`npm run test:mutation:ci`): 85 % of mutants killed (the break threshold of
// stryker.config.mjs) on each of the billing-critical files listed here, not only in total: Stryker applies `break`
// to the total, so scripts/mutation-per-file.mjs then fails on any one file under it: every file stryker.config.mjs
// mutates.
// Its own incremental file, so CI re-tests only changed code.
import base from "./stryker.config.mjs";

export default {
  ...base,
  // Files measured at >= 85 % (README, "Mutation testing"). The Pulumi engine's and CLI's tests drive stand-in CLIs
  // (seconds per test, so a cold run of them takes about 18 min); incremental runs re-test only what changed.
  mutate: [
    "orchestrator/cloud/{budget,linode-api,linode-api-error,linode-schemas,provision,destroy-run,local-stacks,stack-files,pulumi-engine,pulumi-cli,sweep-run}.ts",
    "orchestrator/audit/audit-{collect,destroy,reconcile}.ts",
  ],
  // Static mutants (module-level constants and zod schemas) re-run every related test each, about half of a cold
  // run's time for 4 % of the mutants; `npm run test:mutation` still tests them.
  ignoreStatic: true,
  incrementalFile: "reports/stryker-incremental.ci.json",
  jsonReporter: { fileName: "reports/mutation/mutation.ci.json" },
};
