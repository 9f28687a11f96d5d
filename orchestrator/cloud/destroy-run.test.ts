import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { ProvisionError } from "../errors.ts";
import { readJournal, writeJournal } from "../state/journal.ts";
import { runsDir, stateDir } from "../state/paths.ts";
import { LinodeClient } from "./linode-api.ts";
import {
  destroyWithRetries,
  stillBillingMessage,
  tearDownLeftRun,
  tearDownRun,
  type RetryOptions,
  type TeardownContext,
} from "./destroy-run.ts";
import { fakeFirewall, fakeInstance, startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";
import { FakeProvisionEngine, type FakeEngineBehaviour } from "./testing/fake-provision-engine.ts";

/**
 * tearDownRun on its own (provision.test.ts drives it through withProvisionedHost): what it
 * writes to the journal, what it says, and what it leaves, when Pulumi and the account disagree.
 */
const RUN_ID = "rr-20261124-td0001";
const TAGS = ["render-remote", `render-remote-run:${RUN_ID}`];

let api: FakeLinodeApi;
let env: NodeJS.ProcessEnv;
let logged: string[];
beforeEach(async () => {
  api = await startFakeLinodeApi();
  env = { RENDER_REMOTE_HOME: tempDir("rr-teardown-") };
  logged = [];
});
afterEach(() => api.close());

async function writeRunJournal() {
  const at = "2026-11-24T10:00:00.000Z";
  await writeJournal(
    {
      runId: RUN_ID,
      plan: "48core",
      type: "g6-dedicated-48",
      region: "us-east",
      startedAt: at,
      updatedAt: at,
      hourly: 1.296,
      stack: { name: RUN_ID, backendUrl: "file:///x" },
      status: "live",
      stage: "render",
    },
    env,
  );
}

function context(behaviour: FakeEngineBehaviour, overrides: Partial<TeardownContext> = {}): TeardownContext {
  return {
    engine: new FakeProvisionEngine(env, { api, ...behaviour }),
    client: new LinodeClient({ token: api.token, baseUrl: api.url, maxAttempts: 1 }),
    runId: RUN_ID,
    hourly: 1.296,
    env,
    upStarted: true,
    journalWritten: true,
    stageSeconds: { provision: 40 },
    retry: { attempts: 2, delayMs: 1, sleep: async () => undefined, log: (line) => logged.push(line) },
    ...overrides,
  };
}

describe("tearDownRun", () => {
  it("before up and before the journal: no destroy, no journal written, no warning, no claim that a server was destroyed", async () => {
    const ctx = context({}, { upStarted: false, journalWritten: false });
    await tearDownRun(ctx);
    expect((ctx.engine as FakeProvisionEngine).calls).toEqual([]);
    expect(await readJournal(RUN_ID, env)).toBeUndefined();
    expect(logged).toEqual([]);
  });

  it("a clean destroy: says it is destroying, deletes nothing through the API, journal destroyed at stage teardown", async () => {
    await writeRunJournal();
    await tearDownRun(context({}));
    expect(logged).toEqual([
      `Destroying run ${RUN_ID}…`,
      `Destroyed run ${RUN_ID}: the account lists nothing tagged with it; nothing left billing.`,
    ]);
    const journal = await readJournal(RUN_ID, env);
    expect(journal).toMatchObject({ status: "destroyed", stage: "teardown" });
    expect(journal?.stageSeconds).toEqual({ provision: 40, teardown: expect.any(Number) }); // the run's stages kept, teardown's added
  });

  it("Pulumi's destroy fails for good but the API deletes what is tagged: it names what it deleted and the command for the stale stack", async () => {
    await writeRunJournal();
    api.instances.push(fakeInstance({ id: 31, label: "rr-a", tags: TAGS }));
    api.firewalls.push(fakeFirewall({ id: 32, label: "fw-a", tags: TAGS }));
    const ctx = context({ destroyFailures: Infinity });
    await tearDownRun(ctx);
    expect(logged).toContain(`Deleted through the Linode API what Pulumi left of run ${RUN_ID}: instance 31 (rr-a), firewall 32 (fw-a).`);
    expect(logged).toContain(
      `Pulumi could not destroy stack ${RUN_ID} (error: deleting urn:pulumi:rr::render-remote::linode:index/instance:Instance::render-host: [429] Too Many Requests), but nothing tagged with the run is left in the account. render-remote audit --destroy --yes removes the stale stack.`,
    );
    expect((ctx.engine as FakeProvisionEngine).methods()).toEqual(["destroy", "destroy"]); // the stack is kept for audit
    expect(await readJournal(RUN_ID, env)).toMatchObject({ status: "destroyed", stage: "teardown" });
  });

  it("destroy-failed: the journal keeps stage teardown, and the error's cause is Pulumi's own error", async () => {
    await writeRunJournal();
    api.instances.push(fakeInstance({ id: 31, label: "rr-a", tags: TAGS }));
    api.fail({ method: "DELETE", status: 500, times: 1000 });
    const error = await tearDownRun(context({ destroyFailures: Infinity })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect(((error as Error).cause as Error).message).toMatch(/\[429\] Too Many Requests$/);
    expect(await readJournal(RUN_ID, env)).toMatchObject({ status: "destroy-failed", stage: "teardown", error: (error as Error).message });
  });

  it("keys that cannot be deleted are a warning naming the run; the teardown still ends destroyed", async () => {
    await writeRunJournal();
    writeFileSync(path.join(stateDir(env), "keys"), "not a directory"); // keys/<run> cannot even be looked at
    await tearDownRun(context({}));
    expect(logged.filter((line) => line.startsWith(`Warning: could not delete run ${RUN_ID}'s keys (`))).toHaveLength(1);
    expect(logged.at(-1)).toMatch(/nothing left billing\.$/);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
  });

  it("a journal that cannot be written is a warning per write, never a stop", async () => {
    mkdirSync(path.join(runsDir(env), `${RUN_ID}.json`), { recursive: true });
    await tearDownRun(context({}));
    expect(logged.filter((line) => line.startsWith(`Warning: could not update the journal for run ${RUN_ID}`))).toHaveLength(2);
    expect(logged.at(-1)).toMatch(/nothing left billing\.$/);
  });
});

describe("destroyWithRetries: each attempt's deadline", () => {
  afterEach(() => vi.useRealTimers());
  const HOUR = 3_600_000;
  const retry = (attempts: number): RetryOptions => ({
    attempts,
    attemptTimeoutMs: HOUR,
    delayMs: 1,
    sleep: async () => undefined,
    log: (line) => logged.push(line),
  });

  it("a destroy that ends, well or badly, leaves no deadline timer behind (a pending one would keep the process alive for an hour)", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    expect(await destroyWithRetries(new FakeProvisionEngine(env, { destroyFailures: 1 }), RUN_ID, retry(3))).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
    const failed = await destroyWithRetries(new FakeProvisionEngine(env, { destroyFailures: Infinity }), RUN_ID, retry(2));
    expect(failed).toEqual({ error: expect.objectContaining({ message: expect.stringMatching(/\[429\] Too Many Requests$/) }) });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a hung destroy fails at its deadline, and its timer is gone after", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const engine = new FakeProvisionEngine(env, { destroy: "hang" });
    const result = destroyWithRetries(engine, RUN_ID, retry(1));
    await vi.waitFor(() => expect(engine.methods()).toEqual(["destroy"]));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await result).toEqual({ error: new Error("pulumi destroy did not finish within 3600 s") });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("tearDownRun's clock", () => {
  afterEach(() => vi.useRealTimers());

  it("adds the teardown's whole seconds to the run's stages", async () => {
    await writeRunJournal();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-24T10:00:00.000Z"));
    class SlowEngine extends FakeProvisionEngine {
      override async destroy(runId: string): Promise<void> {
        vi.setSystemTime(new Date("2026-11-24T10:01:01.600Z"));
        return super.destroy(runId);
      }
    }
    await tearDownRun(context({}, { engine: new SlowEngine(env, { api }) }));
    expect((await readJournal(RUN_ID, env))?.stageSeconds).toEqual({ provision: 40, teardown: 62 });
  });
});

describe("stillBillingMessage", () => {
  const failure = { error: new Error("error: v3.248.0 could not reach api.linode.com.") };

  it("names Pulumi's failure and the sweep's, each without its trailing dots, and every leftover", () => {
    expect(
      stillBillingMessage(
        "rr-1",
        1.296,
        { deleted: [], left: ["instance 7 (a)", "firewall 8 (b)"], error: "instance 7: DELETE kept failing (500 ...)..." },
        failure,
      ),
    ).toBe(
      "Could not destroy run rr-1: pulumi destroy failed (error: v3.248.0 could not reach api.linode.com.); instance 7: DELETE kept failing (500 ...). " +
        "Still billing at $1.296/h: instance 7 (a), firewall 8 (b). To finish the teardown, run: render-remote audit --destroy --yes",
    );
  });

  it("Pulumi's failure alone; then nothing but the leftover; then an unchecked account, after a failed run", () => {
    expect(stillBillingMessage("rr-1", 0.054, { deleted: [], left: ["instance 7 (a)"] }, failure)).toBe(
      "Could not destroy run rr-1: pulumi destroy failed (error: v3.248.0 could not reach api.linode.com.). Still billing at $0.054/h: instance 7 (a). To finish the teardown, run: render-remote audit --destroy --yes",
    );
    expect(stillBillingMessage("rr-1", 0.054, { deleted: [], left: ["instance 7 (a)"] })).toBe(
      "Could not destroy run rr-1. Still billing at $0.054/h: instance 7 (a). To finish the teardown, run: render-remote audit --destroy --yes",
    );
    expect(
      stillBillingMessage(
        "rr-1",
        0.054,
        { deleted: [], left: ["whatever is tagged t"], unchecked: true, error: "the account could not be checked: 503" },
        undefined,
        "ffmpeg",
      ),
    ).toBe(
      "Could not destroy run rr-1: the account could not be checked: 503. It may still be billing at $0.054/h: whatever is tagged t. (The run had already failed: ffmpeg) To finish the teardown, run: render-remote audit --destroy --yes",
    );
  });
});

describe("tearDownLeftRun (down, attach): a run's teardown, then its watchdog's token revoked", () => {
  const leftRun = async () => {
    await writeRunJournal();
    const client = new LinodeClient({ token: api.token, baseUrl: api.url, maxAttempts: 1 });
    const made = await client.createToken({
      label: `render-remote-run:${RUN_ID}`,
      scopes: "linodes:read_write",
      expiry: new Date(Date.now() + 3_600_000),
    });
    const runToken = { id: made.id, label: made.label, expiry: made.expiry ?? "" };
    return { client, journal: { runId: RUN_ID, hourly: 1.296, runToken } };
  };

  it("destroys the stack (up and journal taken as done), marks the journal destroyed, revokes the token and says so in the journal", async () => {
    const { journal } = await leftRun();
    api.instances.push(fakeInstance({ id: 41, label: "rr-left", tags: TAGS }));
    const ctx = context({});
    await tearDownLeftRun(journal, ctx);
    expect((ctx.engine as FakeProvisionEngine).methods()).toContain("destroy");
    expect(api.tokens.list).toEqual([]); // revoked
    expect(await readJournal(RUN_ID, env)).toMatchObject({ status: "destroyed", runToken: { id: journal.runToken.id, revoked: true } });
  });

  it("a token already revoked is left alone; a destroy that fails for good throws and keeps the token (the watchdog still guards the server)", async () => {
    const { journal } = await leftRun();
    await tearDownLeftRun({ ...journal, runToken: { ...journal.runToken, revoked: true } }, context({}));
    expect(api.tokens.list.map((token) => token.id)).toEqual([journal.runToken.id]);

    api.instances.push(fakeInstance({ id: 42, label: "rr-stuck", tags: TAGS }));
    api.fail({ method: "DELETE", path: "/linode/instances", status: 500, times: 1000 });
    await expect(tearDownLeftRun(journal, context({ destroyFailures: Infinity }))).rejects.toThrow(/Still billing|may still be billing/);
    expect(api.tokens.list.map((token) => token.id)).toEqual([journal.runToken.id]);
  });
});
