#!/usr/bin/env node
// A scripted stand-in for the `pulumi` CLI, for pulumi-engine.test.ts: the
// real CLI and the linode plugin cannot be downloaded in this environment.
// It answers the commands the Automation API runs, records each call (argv and
// the Pulumi variables of its environment) as one JSON line in
// $FAKE_PULUMI_LOG, and keeps its stacks where the real file backend does
// (PULUMI_BACKEND_URL/.pulumi/stacks/render-remote/<stack>.json, with locks
// under .pulumi/locks/), so it fails the way the real CLI fails:
//   FAKE_PULUMI_VERSION=v3.100.0       `version` answers that (or a VERSION file beside this copy)
//   FAKE_PULUMI_UP=hang                `up` waits for SIGINT (what aborting the signal sends)
//   FAKE_PULUMI_UP=fail                `up` creates the firewall, then fails creating the instance
//   FAKE_PULUMI_UP=pending             `up` is cut off mid-create: the instance stays a pending CREATE, with no ID
//   FAKE_PULUMI_UP=killed              `up` dies like a CLI killed with SIGKILL: resources created, lock left behind
//   FAKE_PULUMI_DESTROY=fail|hang|hang-hard   destroy fails; waits for SIGINT; ignores SIGINT
//   FAKE_PULUMI_PLUGIN=fail|wrong|elsewhere|ls-fails   `plugin install` fails offline; installs another version;
//                                      succeeds but installs nothing we list; `plugin ls` fails
//   $FAKE_PULUMI_LOG.plugins           the plugins already installed (a JSON array as `plugin ls --json` prints)
// With LINODE_URL set (a fake Linode API), `up` creates the firewall and the instance there, tagged as
// the program says, and `destroy` deletes what the checkpoint holds, as the linode provider would.
// Unknown commands exit 255; `stack rm` refuses a stack that still has resources (without --force);
// `stack ls` counts the checkpoint's resources; a locked stack refuses up and destroy until `cancel`.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const argv = process.argv.slice(2);
const log = process.env.FAKE_PULUMI_LOG;
const pulumiEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith("PULUMI_") || key === "LINODE_TOKEN"));
const self = process.argv[1];
const record = (extra = {}) => appendFileSync(log, `${JSON.stringify({ argv, env: pulumiEnv, pid: process.pid, self, ...extra })}\n`);
const words = argv.filter(
  (arg, i) => !arg.startsWith("-") && !(argv[i - 1] ?? "").match(/^--(stack|secrets-provider|color|exec-kind|page-size|page|event-log)$/),
);
const command = words.slice(0, 2).join(" ");
// `--stack NAME`, or the positional name of `stack init NAME` / `stack rm NAME`
const stackName = argv.includes("--stack") ? argv[argv.indexOf("--stack") + 1] : words[2];
const fail = (message) => {
  console.error(`error: ${message}`);
  process.exit(255);
};

// The file backend, laid out as pkg/backend/diy does it.
const backend = (process.env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
const stacksDir = path.join(backend, ".pulumi", "stacks", "render-remote");
const stackFile = (name) => path.join(stacksDir, `${name}.json`);
const lockDir = (name) => path.join(backend, ".pulumi", "locks", "organization", "render-remote", name);
const readCheckpoint = (name) => JSON.parse(readFileSync(stackFile(name), "utf8"));
const writeCheckpoint = (name, resources, pending = []) => {
  mkdirSync(stacksDir, { recursive: true });
  if (existsSync(stackFile(name))) writeFileSync(`${stackFile(name)}.bak`, readFileSync(stackFile(name))); // as backupTarget does on every save
  const latest = { manifest: { time: new Date().toISOString() }, resources, ...(pending.length ? { pending_operations: pending } : {}) };
  writeFileSync(stackFile(name), JSON.stringify({ version: 3, checkpoint: { stack: `organization/render-remote/${name}`, latest } }));
};
const urn = (type, name) => `urn:pulumi:${stackName}::render-remote::${type}::${name}`;
const ROOT = { urn: urn("pulumi:pulumi:Stack", `render-remote-${stackName}`), type: "pulumi:pulumi:Stack", custom: false };
const PROVIDER = { urn: urn("pulumi:providers:linode", "default_5_1_1"), type: "pulumi:providers:linode", custom: true, id: "prov-1" };
const FIREWALL = {
  urn: urn("linode:index/firewall:Firewall", "render-host-firewall"),
  type: "linode:index/firewall:Firewall",
  custom: true,
  id: "4242",
};
const INSTANCE = {
  urn: urn("linode:index/instance:Instance", "render-host"),
  type: "linode:index/instance:Instance",
  custom: true,
  id: "777",
};

let releaseLock = () => undefined;
// The provider's calls, when a (fake) Linode API is configured; the ids then come from it.
const api = process.env.LINODE_URL;
async function linode(method, route, body) {
  const response = await fetch(`${api}${route}`, {
    method,
    headers: { Authorization: `Bearer ${process.env.LINODE_TOKEN}`, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  if (!response.ok && !(method === "DELETE" && response.status === 404))
    fail(`${method} ${route}: [${response.status}] ${await response.text()}`);
  return response.json();
}
const tags = [`render-remote`, `render-remote-run:${stackName}`];
async function createFirewall() {
  if (!api) return FIREWALL;
  const created = await linode("POST", "/networking/firewalls", {
    label: `${stackName}-fw`,
    tags,
    rules: { inbound_policy: "DROP", outbound_policy: "ACCEPT" },
  });
  return { ...FIREWALL, id: String(created.id) };
}
async function createInstance(firewall) {
  if (!api) return INSTANCE;
  const created = await linode("POST", "/linode/instances", {
    label: stackName,
    type: "g6-dedicated-2",
    region: "us-east",
    tags,
    firewall_id: Number(firewall.id),
  });
  return { ...INSTANCE, id: String(created.id) };
}
async function deleteResources(resources) {
  if (!api) return;
  for (const type of [INSTANCE.type, FIREWALL.type]) {
    for (const r of resources.filter((r) => r.type === type))
      await linode("DELETE", type === INSTANCE.type ? `/linode/instances/${r.id}` : `/networking/firewalls/${r.id}`);
  }
}

function takeLock() {
  const held = existsSync(lockDir(stackName)) ? readdirSync(lockDir(stackName)) : [];
  if (held.length > 0) {
    fail(
      `the stack is currently locked by ${held.length} lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.`,
    );
  }
  mkdirSync(lockDir(stackName), { recursive: true });
  const file = path.join(lockDir(stackName), `lock-${process.pid}.json`);
  writeFileSync(
    file,
    JSON.stringify({ pid: process.pid, username: os.userInfo().username, hostname: os.hostname(), timestamp: new Date().toISOString() }),
  );
  releaseLock = () => rmSync(file, { force: true });
  return releaseLock;
}

/** Waits for SIGINT (recording each one); `ignore` keeps waiting after it, like a hung engine. */
function hang(message, { ignore = false } = {}) {
  setTimeout(() => process.exit(3), 120_000); // never outlive a test that forgot to stop it
  let cancelling = false;
  process.on("SIGINT", () => {
    record({ received: "SIGINT" }); // every one: a second SIGINT would make the real engine terminate at once
    if (ignore || cancelling) return;
    cancelling = true;
    // a graceful cancel takes a while (the engine waits for the step in flight), then unlocks and exits
    setTimeout(() => {
      releaseLock();
      console.error(`error: ${message}`);
      process.exit(255);
    }, 1000);
  });
}

const hangs =
  (argv[0] === "up" && process.env.FAKE_PULUMI_UP === "hang") ||
  (argv[0] === "destroy" && /^hang/.test(process.env.FAKE_PULUMI_DESTROY ?? ""));
if (hangs) hang(`${argv[0] === "up" ? "update" : "destroy"} canceled`, { ignore: process.env.FAKE_PULUMI_DESTROY === "hang-hard" }); // listening before the record: the test aborts as soon as it sees it
record();

const pluginsFile = `${log}.plugins`;
const plugins = existsSync(pluginsFile) ? JSON.parse(readFileSync(pluginsFile, "utf8")) : [];

if (argv[0] === "version") {
  const versionFile = path.join(path.dirname(self), "VERSION");
  console.log(existsSync(versionFile) ? readFileSync(versionFile, "utf8").trim() : (process.env.FAKE_PULUMI_VERSION ?? "v3.248.0"));
} else if (command === "plugin install") {
  if (process.env.FAKE_PULUMI_PLUGIN === "fail")
    fail(
      `[resource plugin linode-${words[4]}] downloading from github://api.github.com/pulumi: dial tcp: lookup api.github.com: no such host`,
    );
  const version = process.env.FAKE_PULUMI_PLUGIN === "wrong" ? "5.0.0" : words[4].replace(/^v/, "");
  if (process.env.FAKE_PULUMI_PLUGIN !== "elsewhere")
    writeFileSync(pluginsFile, JSON.stringify([...plugins, { name: words[3], kind: words[2], version, path: "/fake", size: 1 }]));
} else if (command === "plugin ls") {
  if (process.env.FAKE_PULUMI_PLUGIN === "ls-fails") fail("could not read the plugin directory: permission denied");
  console.log(JSON.stringify(plugins.map((p) => ({ ...p, installTime: "2026-11-24T00:00:00Z", lastUsedTime: "2026-11-24T00:00:00Z" }))));
} else if (command === "stack select") {
  if (!existsSync(stackFile(stackName))) fail(`no stack named '${stackName}' found`);
} else if (command === "stack init") {
  if (existsSync(stackFile(stackName))) fail(`stack '${stackName}' already exists`);
  writeCheckpoint(stackName, []);
} else if (command === "stack rm") {
  if (!existsSync(stackFile(stackName))) fail(`no stack named '${stackName}' found`);
  const resources = readCheckpoint(stackName).checkpoint.latest.resources;
  if (!argv.includes("--force") && resources.some((r) => r.type !== "pulumi:pulumi:Stack")) {
    fail("refusing to remove stack because it still contains resources");
  }
  renameSync(stackFile(stackName), `${stackFile(stackName)}.bak`); // the real backend keeps this copy unless --remove-backups
  mkdirSync(path.join(backend, ".pulumi", "backups", "render-remote", stackName), { recursive: true });
  writeFileSync(path.join(backend, ".pulumi", "backups", "render-remote", stackName, `${stackName}.1700000000.json`), "{}");
} else if (command === "stack ls") {
  const names = existsSync(stacksDir)
    ? readdirSync(stacksDir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => f.slice(0, -5))
    : [];
  console.log(
    JSON.stringify(names.map((name) => ({ name, current: false, resourceCount: readCheckpoint(name).checkpoint.latest.resources.length }))),
  );
} else if (command === "stack output") {
  console.log(JSON.stringify({ ip: "203.0.113.10", user: "render", instanceId: 777, firewallId: 4242, hostKeyFingerprint: "SHA256:x" }));
} else if (command === "stack history") {
  console.log("[]");
} else if (argv[0] === "cancel") {
  rmSync(lockDir(stackName), { recursive: true, force: true });
} else if (argv[0] === "up") {
  const release = takeLock();
  console.log(`Updating (${stackName})`);
  const mode = process.env.FAKE_PULUMI_UP;
  const firewall = await createFirewall();
  if (mode === "fail") {
    writeCheckpoint(stackName, [ROOT, PROVIDER, firewall]);
    release();
    fail(`1 error occurred:\n    * creating urn ${INSTANCE.urn}: [400] type: g6-dedicated-48 is not available in this region`);
  }
  const instance = await createInstance(firewall);
  if (mode === "hang") {
    // the engine saves the checkpoint after each step, so the state holds both while the rest of the update hangs
    writeCheckpoint(stackName, [ROOT, PROVIDER, firewall, instance]);
    record({ created: [firewall.id, instance.id] });
  } else if (mode === "pending") {
    writeCheckpoint(
      stackName,
      [ROOT, PROVIDER, firewall],
      [{ resource: { urn: INSTANCE.urn, type: INSTANCE.type, custom: true }, type: "creating" }],
    );
    release();
    fail("update canceled");
  } else {
    writeCheckpoint(stackName, [ROOT, PROVIDER, firewall, instance]);
    if (mode === "killed") process.kill(process.pid, "SIGKILL"); // the lock stays, as after a real SIGKILL
    release();
  }
} else if (argv[0] === "destroy") {
  const release = takeLock();
  console.log(`Destroying (${stackName})`);
  const mode = process.env.FAKE_PULUMI_DESTROY;
  if (mode === "fail") {
    release();
    fail(`deleting ${INSTANCE.urn}: 1 error occurred:\n    * [500] Internal Server Error`);
  }
  if (!hangs) {
    const { resources, pending_operations: pending = [] } = readCheckpoint(stackName).checkpoint.latest;
    // as the real engine: pending CREATEs are not deleted, only reported
    if (pending.length > 0)
      console.error("warning: Attempting to deploy or update resources with 1 pending operations from previous deployment.");
    await deleteResources(resources);
    writeCheckpoint(stackName, [], pending);
    release();
  }
} else {
  fail(`unknown command "${argv.join(" ")}" for "pulumi"`);
}
