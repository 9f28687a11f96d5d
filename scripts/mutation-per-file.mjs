#!/usr/bin/env node
// Stryker's break threshold applies to the total only, so one weak file hides behind strong ones: this fails when
// any file of a Stryker JSON report (reporters: json) is under the config's break, killed / valid mutants as Stryker
// counts them. Usage: node scripts/mutation-per-file.mjs <config.mjs>   (`npm run test:mutation:ci` runs it)
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const configFile = process.argv[2];
if (!configFile) {
  console.error("usage: node scripts/mutation-per-file.mjs <stryker config file>");
  process.exit(2);
}
const config = (await import(pathToFileURL(path.resolve(configFile)).href)).default;
const reportFile = config.jsonReporter?.fileName ?? "reports/mutation/mutation.json";
const floor = config.thresholds?.break;
if (typeof floor !== "number") {
  console.error(`mutation-per-file: ${configFile} sets no thresholds.break`);
  process.exit(2);
}

let report;
try {
  report = JSON.parse(readFileSync(reportFile, "utf8"));
} catch (error) {
  console.error(`mutation-per-file: cannot read ${reportFile} (${error.message}); run Stryker with the json reporter first`);
  process.exit(2);
}

const detected = new Set(["Killed", "Timeout"]);
const undetected = new Set(["Survived", "NoCoverage"]);
const below = [];
for (const [file, { mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const killed = mutants.filter((mutant) => detected.has(mutant.status)).length;
  const valid = killed + mutants.filter((mutant) => undetected.has(mutant.status)).length;
  // a file whose every mutant is ignored or does not compile has no score
  if (valid === 0) continue;
  const score = (killed / valid) * 100;
  console.log(`${score.toFixed(2).padStart(6)} %  ${killed}/${valid}  ${file}`);
  if (score < floor) below.push(`${file} (${score.toFixed(2)} %)`);
}
if (below.length > 0) {
  console.error(
    `mutation-per-file: under the ${floor} % break: ${below.join(", ")}. Kill the survivors (see the clear-text report above) or record equivalent ones with // Stryker disable next-line <mutator>: <why>.`,
  );
  process.exit(1);
}
console.log(`mutation-per-file: every file at or above ${floor} %`);
