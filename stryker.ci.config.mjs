// What .ci/run enforces (`npm run test:mutation:ci`): 85 % of mutants killed (the break threshold of
// stryker.config.mjs) on each of the billing-critical files listed here, not only in total: Stryker applies `break`
// to the total, so scripts/mutation-per-file.mjs then fails on any one file under it. The Pulumi engine and its CLI
// are still measured by `npm run test:mutation` only, and join this list as they are measured at 85 %.
// Its own incremental file, so CI re-tests only changed code.
import base from "./stryker.config.mjs";

export default {
  ...base,
  // Files measured at >= 85 % (README, "Mutation testing"). Next to join: pulumi-engine and pulumi-cli, whose tests
  // drive a stand-in CLI through the Automation API (seconds per test, so a cold run of them takes long).
  mutate: [
    "orchestrator/cloud/{budget,linode-api,linode-api-error,linode-schemas,provision,destroy-run,local-stacks,stack-files}.ts",
    "orchestrator/audit/audit-{collect,destroy,reconcile}.ts",
  ],
  // Static mutants (module-level constants and zod schemas) re-run every related test each, about half of a cold
  // run's time for 4 % of the mutants; `npm run test:mutation` still tests them.
  ignoreStatic: true,
  incrementalFile: "reports/stryker-incremental.ci.json",
  jsonReporter: { fileName: "reports/mutation/mutation.ci.json" },
};
