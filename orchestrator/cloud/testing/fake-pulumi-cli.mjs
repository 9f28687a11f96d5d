#!/usr/bin/env node
// A scripted stand-in for the `pulumi` CLI, for pulumi-engine.test.ts: the
// real CLI and the linode plugin cannot be downloaded in this environment.
// It answers the commands the Automation API runs, records each call (argv and
// the Pulumi variables of its environment) as one JSON line in
// $FAKE_PULUMI_LOG, and keeps which stacks exist in $FAKE_PULUMI_LOG.stacks.
// FAKE_PULUMI_UP=hang makes `up` wait for SIGINT (what aborting the signal sends).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

const argv = process.argv.slice(2);
const log = process.env.FAKE_PULUMI_LOG;
const stacksFile = `${log}.stacks`;
const stacks = new Set(existsSync(stacksFile) ? JSON.parse(readFileSync(stacksFile, "utf8")) : []);
const saveStacks = () => writeFileSync(stacksFile, JSON.stringify([...stacks]));
const pulumiEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith("PULUMI_") || key === "LINODE_TOKEN"));
const record = (extra = {}) => appendFileSync(log, `${JSON.stringify({ argv, env: pulumiEnv, ...extra })}\n`);
const words = argv.filter((arg, i) => !arg.startsWith("-") && !(argv[i - 1] ?? "").match(/^--(stack|secrets-provider|color|exec-kind|page-size|page)$/));
const command = words.slice(0, 2).join(" ");
// `--stack NAME`, or the positional name of `stack init NAME` / `stack rm NAME`
const stackName = argv.includes("--stack") ? argv[argv.indexOf("--stack") + 1] : words[2];

// a hanging `up` listens for SIGINT before it records the call: the test aborts as soon as it sees the record
const hangs = argv[0] === "up" && process.env.FAKE_PULUMI_UP === "hang";
if (hangs) {
  const timer = setTimeout(() => process.exit(3), 10_000);
  process.on("SIGINT", () => {
    clearTimeout(timer);
    record({ received: "SIGINT" });
    console.error("error: update canceled");
    process.exit(255);
  });
}

record();
if (argv[0] === "version") {
  console.log("v3.248.0");
} else if (command.startsWith("stack select")) {
  if (!stacks.has(stackName)) {
    console.error(`error: no stack named '${stackName}' found`);
    process.exit(255);
  }
} else if (command.startsWith("stack init")) {
  stacks.add(stackName);
  saveStacks();
} else if (command.startsWith("stack rm")) {
  if (!stacks.delete(stackName)) {
    console.error(`error: no stack named '${stackName}' found`);
    process.exit(255);
  }
  saveStacks();
} else if (command.startsWith("stack ls")) {
  console.log(JSON.stringify([...stacks].map((name) => ({ name, current: false, resourceCount: 3 }))));
} else if (command.startsWith("stack output")) {
  console.log(JSON.stringify({ ip: "203.0.113.10", user: "render", instanceId: 777, firewallId: 4242, hostKeyFingerprint: "SHA256:x" }));
} else if (command.startsWith("stack history")) {
  console.log("[]");
} else if (argv[0] === "up") {
  console.log(`Updating (${stackName})`);
} else if (argv[0] === "destroy") {
  console.log(`Destroying (${stackName})`);
}
