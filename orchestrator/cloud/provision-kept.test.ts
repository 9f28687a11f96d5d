import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { exitCodeFor, RemoteError } from "../errors.ts";
import { LinodeClient } from "./linode-api.ts";
import { withProvisionedHost, type ProvisionOptions } from "./provision.ts";
import { keptDeadline } from "./server-deadline.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";
import { FakeProvisionEngine } from "./testing/fake-provision-engine.ts";
import { readJournal } from "../state/journal.ts";
import { runKeysDir } from "../state/paths.ts";
import { existsSync } from "node:fs";

/** provision.ts's options for a kept server, through the engine double and the fake Linode API (no sshd needed). */
const RUN_ID = "rr-20261205-kept01";
let home: string;
let env: NodeJS.ProcessEnv;
let api: FakeLinodeApi;
beforeEach(async () => {
  api = await startFakeLinodeApi();
  home = await mkdtemp(path.join(os.tmpdir(), "rr-provision-kept-"));
  env = { RENDER_REMOTE_HOME: home };
});
afterEach(async () => {
  await api.close();
  await rm(home, { recursive: true, force: true });
});

function options(overrides: Partial<ProvisionOptions> = {}): ProvisionOptions {
  return {
    plan: { alias: "48core", type: "g6-dedicated-48", hourly: 1.296 },
    region: "us-east",
    client: new LinodeClient({ token: api.token, baseUrl: api.url, maxAttempts: 1 }),
    sshFrom: ["198.51.100.7"],
    expectedSeconds: 55 * 60,
    overheadSeconds: 0,
    runId: RUN_ID,
    env,
    log: () => undefined,
    sleep: async () => undefined,
    deadlineFor: (startedAt) => keptDeadline({ createdAt: startedAt, hourly: 1.296 }),
    requireRunToken: true,
    keepOnSuccess: true,
    ...overrides,
  };
}

it("keepOnSuccess leaves the server, its keys and its token; deadlineFor sets the journal's deadline and the token's expiry", async () => {
  const engine = new FakeProvisionEngine(env, { api });
  let startedAt: Date | undefined;
  await withProvisionedHost(
    options({
      deadlineFor: (at) => {
        startedAt = at;
        return keptDeadline({ createdAt: at, hourly: 1.296 });
      },
    }),
    engine,
    async () => "prepared",
  );
  expect(engine.methods()).toEqual(["preflight", "up"]);
  const journal = (await readJournal(RUN_ID, env))!;
  expect(journal).toMatchObject({ status: "live", deadline: new Date(startedAt!.getTime() + 55 * 60_000).toISOString() });
  expect(journal.runToken?.revoked).toBeUndefined();
  expect(api.tokens.list.map((t) => t.label)).toEqual([`render-remote-run:${RUN_ID}`]);
  // the watchdog's token outlives the kept deadline by the grace it retries in
  expect(Date.parse(`${api.tokens.list[0].expiry}Z`)).toBe(Math.floor(Date.parse(journal.deadline!) / 1000) * 1000 + 15 * 60_000);
  expect(existsSync(runKeysDir(RUN_ID, env))).toBe(true);
  expect(api.instances.filter((i) => i.tags.includes(`render-remote-run:${RUN_ID}`))).toHaveLength(1);
});

it("a failure inside still tears down, keepOnSuccess or not", async () => {
  const engine = new FakeProvisionEngine(env, { api });
  const error = await withProvisionedHost(options(), engine, async () => {
    throw new RemoteError("prepare failed");
  }).catch((e: unknown) => e);
  expect((error as Error).message).toBe("prepare failed");
  expect(engine.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
  expect(await readJournal(RUN_ID, env)).toMatchObject({ status: "destroyed", runToken: { revoked: true } });
  expect(api.instances.filter((i) => i.tags.includes(`render-remote-run:${RUN_ID}`))).toEqual([]);
});

it("requireRunToken: without account:read_write nothing is created", async () => {
  api.tokens.ownScopes = "linodes:read_write firewall:read_write account:read_only";
  const engine = new FakeProvisionEngine(env, { api });
  let used = false;
  const error = await withProvisionedHost(options(), engine, async () => {
    used = true;
  }).catch((e: unknown) => e);
  expect(exitCodeFor(error)).toBe(1);
  expect((error as Error).message).toMatch(/Nothing was created\. Give LINODE_TOKEN the account:read_write scope, then run again\.$/);
  expect(used).toBe(false);
  expect(engine.methods()).toEqual(["preflight"]);
  expect(await readJournal(RUN_ID, env)).toMatchObject({ status: "destroyed" });
});

it("keepOnSuccess says which server was kept and where its keys stay until `down`", async () => {
  const engine = new FakeProvisionEngine(env, { api });
  const logged: string[] = [];
  await withProvisionedHost(options({ log: (line) => logged.push(line) }), engine, async () => "prepared");
  expect(logged).toContain(
    `Kept run ${RUN_ID}'s server; its keys stay in ${runKeysDir(RUN_ID, env)} until \`render-remote down ${RUN_ID}\`.`,
  );
});

it("requireRunToken: a token Linode fails to create for another reason than its scope: nothing is created, run again", async () => {
  api.fail({ method: "POST", path: "/profile/tokens", exact: true, status: 500, times: Number.POSITIVE_INFINITY });
  const engine = new FakeProvisionEngine(env, { api });
  const error = await withProvisionedHost(options(), engine, async () => "prepared").catch((e: unknown) => e);
  expect((error as Error).message).toMatch(
    /^No server-side deadline can be set \(creating the run's own token failed: Linode API POST \/profile\/tokens kept failing \(500.*\), and a kept server without one could bill until someone notices\. Nothing was created\. Run again\.$/,
  );
  expect(engine.methods()).toEqual(["preflight"]);
});
