import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { BadInputError, InterruptedError, ProvisionError, RenderError } from "../errors.ts";
import { readJournal } from "../state/journal.ts";
import { runKeysDir, stateDir } from "../state/paths.ts";
import { LinodeClient } from "./linode-api.ts";
import { withProvisionedHost, type ProvisionOptions } from "./provision.ts";
import { noServerDeadlineLine } from "./run-token.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";
import { FakeProvisionEngine, type FakeEngineBehaviour } from "./testing/fake-provision-engine.ts";

/** What withProvisionedHost says and records at each step, beyond provision.test.ts (found by mutation testing). */
const RUN_ID = "rr-20261124-mut001";
let api: FakeLinodeApi;
let env: NodeJS.ProcessEnv;
let logged: string[];
beforeEach(async () => {
  api = await startFakeLinodeApi();
  env = { RENDER_REMOTE_HOME: tempDir("rr-provision-mut-") };
  logged = [];
});
afterEach(() => api.close());

function options(overrides: Partial<ProvisionOptions> = {}): ProvisionOptions {
  return {
    plan: { alias: "48core", type: "g6-dedicated-48", hourly: 1.296 },
    region: "us-east",
    client: new LinodeClient({ token: api.token, baseUrl: api.url, maxAttempts: 1 }),
    sshFrom: ["198.51.100.7"],
    expectedSeconds: 600,
    runId: RUN_ID,
    env,
    log: (line) => logged.push(line),
    sleep: async () => undefined,
    ...overrides,
  };
}
const engine = (behaviour: FakeEngineBehaviour = {}) => new FakeProvisionEngine(env, { api, ...behaviour });

describe("withProvisionedHost, step by step", () => {
  it("already aborted: says nothing was created", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await withProvisionedHost(options({ signal: controller.signal }), engine(), async () => "never").catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe("Interrupted before anything was created.");
  });

  it("Ctrl-C during the preflight: stops before keys, journal or up, saying nothing was created", async () => {
    const controller = new AbortController();
    const client = new LinodeClient({
      token: api.token,
      baseUrl: api.url,
      maxAttempts: 1,
      fetch: (input, init) => {
        controller.abort(new Error("SIGINT")); // as the preflight's first request goes out
        return fetch(input, init);
      },
    });
    const fake = engine();
    const error = await withProvisionedHost(options({ signal: controller.signal, client }), fake, async () => "never").catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe("Interrupted before anything was created.");
    expect(fake.methods()).toEqual(["preflight"]);
    expect(await readJournal(RUN_ID, env)).toBeUndefined();
  });

  it("a journal that cannot be written before up: nothing is created, nothing destroyed, no journal warnings", async () => {
    writeFileSync(path.join(stateDir(env), "runs"), "a file where the runs directory goes");
    const fake = engine();
    const error = await withProvisionedHost(options(), fake, async () => "never").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(fake.methods()).toEqual(["preflight"]);
    expect(logged.filter((line) => line.startsWith("Warning"))).toEqual([]);
    expect(logged.some((line) => line.startsWith("Destroy"))).toBe(false);
  });

  it("the journal says stage provision while the host is in use, and the log says which server is up", async () => {
    const stages: unknown[] = [];
    await withProvisionedHost(options(), engine(), async () => void stages.push((await readJournal(RUN_ID, env))?.stage));
    expect(stages).toEqual(["provision"]);
    expect(logged).toContainEqual(expect.stringMatching(/^Server 203\.0\.113\.10 is up \(instance 777\); its host key is SHA256:\S+\.$/));
  });

  it("Ctrl-C during up: the error says the update was cancelled, with Pulumi's error as its cause", async () => {
    const controller = new AbortController();
    const fake = engine({ up: "hang", onUp: () => setTimeout(() => controller.abort(new Error("SIGINT")), 5) });
    const error = await withProvisionedHost(options({ signal: controller.signal }), fake, async () => "never").catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe(`Interrupted while the server for run ${RUN_ID} was being created; the update was cancelled.`);
    expect(((error as Error).cause as Error).message).toBe("update canceled by SIGINT");
  });
});

describe("withProvisionedHost: the run's token, the server left for attach, the defaults", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it("without a log option, each line goes to stderr with its newline", async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const error = await withProvisionedHost(options({ log: undefined, maxCostUsd: 1 }), engine(), async () => "never").catch(
      (caught: unknown) => caught,
    );
    vi.restoreAllMocks();
    expect(error).toBeInstanceOf(BadInputError);
    expect(written.filter((text) => text.startsWith("Worst-case cost:"))).toEqual([
      expect.stringMatching(/^Worst-case cost: \$1\.30 [^\n]*\n$/),
    ]);
  });

  it("without a sleep option, a failed destroy attempt waits its retry delay on a timer before the next", async () => {
    const realSetTimeout = globalThis.setTimeout;
    const waited: number[] = [];
    // the retry's wait fires at once (no test waits for real), every other timer is left alone
    vi.spyOn(globalThis, "setTimeout").mockImplementation(((callback: () => void, ms?: number) => {
      if (ms === 43_000) waited.push(ms);
      return realSetTimeout(callback, ms === 43_000 ? 0 : ms);
    }) as typeof setTimeout);
    const fake = engine({ destroyFailures: 1 });
    await withProvisionedHost(options({ sleep: undefined, retryDelayMs: 43_000 }), fake, async () => "ok");
    expect(waited).toEqual([43_000]);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "destroy", "removeStack"]);
    expect(logged).toContainEqual(expect.stringMatching(/^Destroy attempt 1 of 4 failed \(.*\); retrying in 43 s\.$/));
  });

  it("says where it creates the server and who may reach port 22, every address", async () => {
    await withProvisionedHost(options({ sshFrom: ["198.51.100.7", "2001:db8::7"] }), engine(), async () => "ok");
    expect(logged).toContainEqual(
      `Creating a g6-dedicated-48 server in us-east for run ${RUN_ID}, reachable on port 22 from 198.51.100.7/32, 2001:db8::7/128.`,
    );
  });

  it("a failed up: Pulumi's text with only its final dot dropped, then what to check", async () => {
    class FailingEngine extends FakeProvisionEngine {
      override async up(): Promise<never> {
        throw new Error("error: linode.Instance render-host: plan g6-dedicated-48 is sold out. Try later.");
      }
    }
    const error = await withProvisionedHost(options(), new FailingEngine(env, { api }), async () => "never").catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toBe(
      `Creating the server for run ${RUN_ID} failed: error: linode.Instance render-host: plan g6-dedicated-48 is sold out. Try later. Check LINODE_TOKEN and --region, then run the same command again.`,
    );
  });

  it("records how long up took, in whole seconds, on the run's clock", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-24T10:00:00.000Z"));
    const fake = engine({ onUp: () => vi.setSystemTime(new Date("2026-11-24T10:02:05.400Z")) });
    await withProvisionedHost(options(), fake, async () => "ok");
    expect((await readJournal(RUN_ID, env))?.stageSeconds).toEqual({ provision: 125, teardown: 0 });
  });

  it("a good teardown revokes the run's token and the journal says so", async () => {
    await withProvisionedHost(options(), engine(), async () => "ok");
    expect(api.tokens.created.map((token) => token.label)).toEqual([`render-remote-run:${RUN_ID}`]);
    expect(api.tokens.list).toEqual([]);
    expect((await readJournal(RUN_ID, env))?.runToken).toMatchObject({ id: api.tokens.created[0].id, revoked: true });
  });

  it("no run token (LINODE_TOKEN lacks the scope): says there is no server-side deadline, and the journal says why", async () => {
    api.fail({ method: "POST", path: "/profile/tokens", exact: true, status: 403 });
    await withProvisionedHost(options(), engine(), async () => "ok");
    const reason = "LINODE_TOKEN lacks account:read_write, which creating the run's own token needs";
    expect(logged).toContainEqual(noServerDeadlineLine(reason, true));
    expect(await readJournal(RUN_ID, env)).toMatchObject({ watchdog: "unavailable", watchdogReason: reason, status: "destroyed" });
  });

  it("a failed run the caller leaves running: no teardown, the keys and the token stay, the log says how to attach", async () => {
    const asked: unknown[] = [];
    const failure = new RenderError("the link dropped");
    const fake = engine();
    const error = await withProvisionedHost(options({ leaveRunning: async (why) => asked.push(why) > 0 }), fake, async () =>
      Promise.reject(failure),
    ).catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    expect(asked).toEqual([failure]);
    expect(fake.methods()).toEqual(["preflight", "up"]);
    expect(logged.at(-1)).toBe(
      `Left run ${RUN_ID}'s server running for \`render-remote attach ${RUN_ID}\`; its keys stay in ${runKeysDir(RUN_ID, env)} until it is torn down.`,
    );
    expect(existsSync(path.join(runKeysDir(RUN_ID, env), "id_ed25519"))).toBe(true);
    expect(api.tokens.list.map((token) => token.label)).toEqual([`render-remote-run:${RUN_ID}`]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("live");
  });

  it("a failed run the caller does not leave, or whose answer fails, is torn down; a good run is never offered", async () => {
    for (const leaveRunning of [async () => false, async () => Promise.reject(new Error("cannot tell"))]) {
      api.instances = [];
      api.firewalls = [];
      const fake = engine();
      await expect(
        withProvisionedHost(options({ leaveRunning }), fake, async () => Promise.reject(new RenderError("render failed"))),
      ).rejects.toThrow("render failed");
      expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
      expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
    }
    const asked: unknown[] = [];
    const fake = engine();
    await withProvisionedHost(options({ leaveRunning: async (why) => asked.push(why) > 0 }), fake, async () => "ok");
    expect(asked).toEqual([]);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
  });
});
