import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { InterruptedError } from "../errors.ts";
import { readJournal } from "../state/journal.ts";
import { stateDir } from "../state/paths.ts";
import { LinodeClient } from "./linode-api.ts";
import { withProvisionedHost, type ProvisionOptions } from "./provision.ts";
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
