import { mkdirSync, rmSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadInputError, InterruptedError, ProvisionError, RenderError, exitCodeFor } from "../errors.ts";
import { readJournal } from "../state/journal.ts";
import { runKeysDir, runsDir } from "../state/paths.ts";
import { estimateWorstCase } from "./budget.ts";
import { LinodeClient } from "./linode-api.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "./testing/fake-linode-api.ts";
import { fingerprint } from "./keys.ts";
import { withProvisionedHost } from "./provision.ts";
import type { ProvisionOptions, ProvisionedHost } from "./provision.ts";
import { RUN_ID_PATTERN, createRunId } from "./run-id.ts";
import { FakeProvisionEngine } from "./testing/fake-provision-engine.ts";
import type { FakeEngineBehaviour } from "./testing/fake-provision-engine.ts";

const RUN_ID = "rr-20261124-abc123";
const PLAN_48 = { alias: "48core", type: "g6-dedicated-48", hourly: 1.296 };

let home: string;
let env: NodeJS.ProcessEnv;
let logged: string[];
let slept: number[];
let api: FakeLinodeApi;
beforeEach(async () => {
  api = await startFakeLinodeApi();
  home = await mkdtemp(path.join(os.tmpdir(), "rr-provision-"));
  env = { RENDER_REMOTE_HOME: home };
  logged = [];
  slept = [];
});
afterEach(async () => {
  await api.close();
  await rm(home, { recursive: true, force: true });
});

function options(overrides: Partial<ProvisionOptions> = {}): ProvisionOptions {
  return {
    plan: PLAN_48,
    region: "us-east",
    client: new LinodeClient({ token: api.token, baseUrl: api.url, maxAttempts: 1 }),
    sshFrom: ["198.51.100.7"],
    expectedSeconds: 600,
    runId: RUN_ID,
    env,
    log: (line) => logged.push(line),
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...overrides,
  };
}

function engine(behaviour: FakeEngineBehaviour = {}) {
  return new FakeProvisionEngine(env, { api, ...behaviour });
}

/** Everything in the fake account tagged with the run. */
const taggedWithRun = () => [...api.instances, ...api.firewalls].filter((item) => item.tags.includes(`render-remote-run:${RUN_ID}`));

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe("withProvisionedHost", () => {
  it("writes the journal before up, hands over the host, then destroys, removes the stack and deletes the keys", async () => {
    const fake = engine();
    let seen: ProvisionedHost | undefined;
    let keysDuringRun = false;
    const result = await withProvisionedHost(options(), fake, async (host) => {
      seen = host;
      keysDuringRun = await exists(host.privateKeyPath);
      expect((await readJournal(RUN_ID, env))?.status).toBe("live");
      return "rendered";
    });

    expect(result).toBe("rendered");
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect(fake.calls[1]).toMatchObject({ name: RUN_ID, journalStatus: "provisioning", hadSignal: false });
    expect(fake.calls[2]).toMatchObject({ journalStatus: "destroying", hadSignal: true }); // only the destroy's deadline

    expect(seen).toMatchObject({ runId: RUN_ID, ip: "203.0.113.10", user: "render", instanceId: 777, firewallId: 4242 });
    expect(seen?.hostKeyFingerprint).toBe(fingerprint(seen?.hostPublicKey ?? ""));
    expect(seen?.privateKeyPath).toBe(path.join(runKeysDir(RUN_ID, env), "id_ed25519"));
    expect(keysDuringRun).toBe(true);
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);

    const journal = await readJournal(RUN_ID, env);
    expect(journal).toMatchObject({
      runId: RUN_ID,
      plan: "48core",
      type: "g6-dedicated-48",
      region: "us-east",
      hourly: 1.296,
      stack: { name: RUN_ID, backendUrl: `file://${home}/pulumi` },
      status: "destroyed",
      ip: "203.0.113.10",
      instanceId: 777,
    });
    expect(Object.keys(journal?.stageSeconds ?? {}).sort()).toEqual(["provision", "teardown"]);
    expect(logged[0]).toMatch(/^Worst-case cost: \$1\.30 = 1 started hour × \$1\.296\/h for g6-dedicated-48/);
    expect(logged.at(-1)).toMatch(/Destroyed run rr-20261124-abc123/);
  });

  it("the host's known_hosts pins the generated host key to the server's address", async () => {
    await withProvisionedHost(options(), engine(), async (host) => {
      const line = await readFile(host.knownHostsPath, "utf8");
      expect(line).toBe(`203.0.113.10 ${host.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n`);
    });
  });

  it("destroys after a failure in useHost and rethrows that failure", async () => {
    const fake = engine();
    const failure = new RenderError("ffmpeg exited with 1");
    await expect(withProvisionedHost(options(), fake, async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);
  });

  it("Ctrl-C during up cancels the update, then destroys without the signal: exit 130", async () => {
    const controller = new AbortController();
    const fake = engine({ up: "hang", onUp: () => setTimeout(() => controller.abort(new Error("SIGINT")), 5) });
    let used = false;
    const error = await withProvisionedHost(options({ signal: controller.signal }), fake, async () => {
      used = true;
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InterruptedError);
    expect(exitCodeFor(error)).toBe(130);
    expect(used).toBe(false);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect(fake.calls[1].hadSignal).toBe(true);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
    expect(taggedWithRun()).toEqual([]);
    expect(logged.at(-1)).toMatch(/nothing left billing\.$/);
  });

  it("an exception inside up is a ProvisionError, and whatever up created is destroyed", async () => {
    const fake = engine({ up: "throw" });
    const error = await withProvisionedHost(options(), fake, async () => "never").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(
      /Creating the server for run rr-20261124-abc123 failed: .*not available in this region.*run the same command again\.$/,
    );
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
  });

  it("refuses outputs whose host key is not the run's, and destroys", async () => {
    const fake = engine({ outputs: { hostKeyFingerprint: "SHA256:somebody-else" } });
    await expect(withProvisionedHost(options(), fake, async () => "never")).rejects.toThrow(/reports host key SHA256:somebody-else/);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
  });

  it("refuses outputs of the wrong shape (each field in turn), destroys, and never hands the host over", async () => {
    const wrong: Record<string, unknown>[] = [
      { ip: "not-an-ip" },
      { ip: 2130706433 },
      { user: 7 },
      { instanceId: "777" },
      { firewallId: "4242" },
      { sshPort: "22" },
    ];
    for (const outputs of wrong) {
      api.instances = [];
      api.firewalls = [];
      const fake = engine({ outputs });
      let used = false;
      const error = await withProvisionedHost(options(), fake, async () => {
        used = true;
      }).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(outputs)).toBeInstanceOf(ProvisionError);
      expect((error as Error).message).toMatch(
        /^Stack rr-20261124-abc123 returned unexpected outputs \{.*\}\. It is being destroyed; report this as a bug\.$/,
      );
      expect(used).toBe(false);
      expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
      expect(taggedWithRun()).toEqual([]);
    }
  });

  it("a stack from before the port was an output is reached on port 22; a stack's own port is kept", async () => {
    const ports: number[] = [];
    await withProvisionedHost(options(), engine({ outputs: { sshPort: undefined } }), async (host) => void ports.push(host.sshPort));
    await withProvisionedHost(options(), engine({ outputs: { sshPort: 2222 } }), async (host) => void ports.push(host.sshPort));
    expect(ports).toEqual([22, 2222]);
  });

  it("retries destroy with backoff", async () => {
    const fake = engine({ destroyFailures: 2 });
    await withProvisionedHost(options(), fake, async () => "ok");
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "destroy", "destroy", "removeStack"]);
    expect(slept).toEqual([10_000, 30_000]);
    expect(logged.filter((line) => line.startsWith("Destroy attempt"))).toHaveLength(2);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
  });

  it("a successful render whose destroy never succeeds: exit non-zero, journal destroy-failed, last line says what still bills and the command", async () => {
    const fake = engine({ destroyFailures: Infinity });
    api.fail({ method: "DELETE", path: "/linode/instances", status: 500, times: 1000 });
    const error = await withProvisionedHost(options({ destroyAttempts: 4 }), fake, async () => "rendered fine").catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ProvisionError);
    expect(exitCodeFor(error)).toBe(1);
    const message = (error as Error).message;
    expect(message).toMatch(
      /^Could not destroy run rr-20261124-abc123: pulumi destroy failed \(.*429.*\); instance 777: .*DELETE \/linode\/instances\/777 kept failing \(500.*\. Still billing at \$1\.296\/h: instance 777 \(rr-20261124-abc123, g6-dedicated-48, us-east\)/,
    );
    expect(message).not.toContain("The run had already failed");
    expect(message.endsWith("To finish the teardown, run: render-remote audit --destroy --yes")).toBe(true);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "destroy", "destroy", "destroy"]);
    expect(slept.slice(0, 3)).toEqual([10_000, 30_000, 90_000]);
    const journal = await readJournal(RUN_ID, env);
    expect(journal?.status).toBe("destroy-failed");
    expect(journal?.error).toBe(message);
    expect(logged.at(-1)).toBe(message);
    expect(taggedWithRun().map((item) => item.id)).toEqual([777]); // the firewall went; the instance really is still there
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);
    // the server may still bill: its watchdog keeps the run's token (audit lists it; --destroy revokes it)
    expect(api.tokens.list.map((t) => t.label)).toEqual([`render-remote-run:${RUN_ID}`]);
    expect(journal?.runToken).toMatchObject({ id: api.tokens.list[0].id, label: `render-remote-run:${RUN_ID}` });
    expect(journal?.runToken?.revoked).toBeUndefined();
  });

  it("a failed render with a destroy that keeps failing names the render's failure too", async () => {
    const fake = engine({ destroyFailures: Infinity });
    api.fail({ method: "DELETE", status: 500, times: 1000 });
    const error = await withProvisionedHost(options({ destroyAttempts: 2 }), fake, async () => {
      throw new RenderError("render failed");
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toContain("The run had already failed: render failed");
    expect((error as Error).message).toContain("firewall 4242");
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroy-failed");
  });

  it("a destroy that keeps failing does not have the last word: what is tagged with the run is deleted through the API, then nothing is left", async () => {
    const fake = engine({ destroyFailures: Infinity });
    const failure = new RenderError("render failed");
    await expect(withProvisionedHost(options({ destroyAttempts: 2 }), fake, async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(api.deleted("instances")).toEqual([777]);
    expect(api.deleted("firewalls")).toEqual([4242]);
    // the instance before its firewall
    expect(api.requests.filter((r) => r.method === "DELETE" && !r.path.startsWith("/profile/tokens/")).map((r) => r.path)).toEqual([
      "/linode/instances/777",
      "/networking/firewalls/4242",
    ]);
    expect(taggedWithRun()).toEqual([]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
    expect(logged.at(-1)).toMatch(/nothing left billing\.$/);
  });

  it("Pulumi says destroyed but the account cannot be read afterwards: not 'nothing left billing' but 'may still be billing', destroy-failed", async () => {
    const fake = engine({ onUp: () => api.fail({ method: "GET", path: "/linode/instances", status: 503, times: 1000 }) });
    const error = await withProvisionedHost(options(), fake, async () => "ok").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(
      /^Could not destroy run rr-20261124-abc123: the Linode account could not be checked: .*503.*\. It may still be billing at \$1\.296\/h: whatever is tagged render-remote-run:rr-20261124-abc123\. To finish the teardown, run: render-remote audit --destroy --yes$/,
    );
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroy-failed");
    expect(logged.some((line) => line.includes("nothing left billing"))).toBe(false);
  });

  it("a hung pulumi destroy times out per attempt (its deadline is signalled), then ends like a failed destroy", async () => {
    const fake = engine({ destroy: "hang" });
    api.fail({ method: "DELETE", status: 500, times: 1000 });
    const error = await withProvisionedHost(options({ destroyAttempts: 3, destroyTimeoutMs: 20 }), fake, async () => "ok").catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(/pulumi destroy failed \(pulumi destroy did not finish within 0 s\); .*\. Still billing/);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "destroy", "destroy"]);
    expect(fake.calls.filter((c) => c.method === "destroy").every((c) => c.hadSignal)).toBe(true);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroy-failed");
  });

  it("a pending create (instance in the account, not in the stack's state) is found by its tag and deleted", async () => {
    const fake = engine({ up: "pending" });
    const error = await withProvisionedHost(options(), fake, async () => "never").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect(api.deleted("instances")).toEqual([777]); // Pulumi's destroy never knew it
    expect(taggedWithRun()).toEqual([]);
    expect(
      logged.some((line) => /Deleted through the Linode API what Pulumi left of run rr-20261124-abc123: instance 777/.test(line)),
    ).toBe(true);
    expect(logged.at(-1)).toMatch(/nothing left billing\.$/);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
  });

  it("an abort just after up (Ctrl-C as up returns): the host is never used, teardown runs, nothing is left", async () => {
    const controller = new AbortController();
    const fake = engine({ onUp: () => controller.abort(new Error("SIGINT")) });
    let used = false;
    const error = await withProvisionedHost(options({ signal: controller.signal }), fake, async () => {
      used = true;
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe("Interrupted just after the server for run rr-20261124-abc123 was created.");
    expect(used).toBe(false);
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect(taggedWithRun()).toEqual([]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
  });

  it("known_hosts cannot be written after up: the error stands, and the server is destroyed", async () => {
    const fake = engine({ onUp: () => mkdirSync(path.join(runKeysDir(RUN_ID, env), "known_hosts")) }); // a directory where the file goes
    const error = await withProvisionedHost(options(), fake, async () => "never").catch((caught: unknown) => caught);
    expect((error as NodeJS.ErrnoException).code).toBe("EEXIST");
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect(taggedWithRun()).toEqual([]);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);
  });

  it("the journal cannot be written after up: the server is still destroyed, and the journal trouble is only a warning", async () => {
    // every journal write now fails: its rename lands on a directory
    const blockJournal = () => {
      rmSync(path.join(runsDir(env), `${RUN_ID}.json`));
      mkdirSync(path.join(runsDir(env), `${RUN_ID}.json`));
    };
    const fake = engine({ onUp: blockJournal });
    const error = await withProvisionedHost(options(), fake, async () => "never").catch((caught: unknown) => caught);
    expect((error as NodeJS.ErrnoException).code).toBe("EISDIR");
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
    expect(taggedWithRun()).toEqual([]);
    expect(logged.some((line) => line.startsWith(`Warning: could not update the journal for run ${RUN_ID}`))).toBe(true);
    expect(logged.at(-1)).toMatch(/nothing left billing\.$/);
  });

  it("hands Pulumi the program with the caller-only firewall, the plan's type and the region (run under mocks)", async () => {
    const fake = engine();
    await withProvisionedHost(options({ sshFrom: ["198.51.100.7", "2001:db8::7"] }), fake, async () => "ok");
    const firewall = fake.sentInputs("linode:index/firewall:Firewall");
    expect(firewall).toMatchObject({
      inboundPolicy: "DROP",
      outboundPolicy: "ACCEPT",
      tags: ["render-remote", `render-remote-run:${RUN_ID}`],
    });
    expect(firewall.inbounds).toEqual([
      { label: "ssh-from-caller", action: "ACCEPT", protocol: "TCP", ports: "22", ipv4s: ["198.51.100.7/32"], ipv6s: ["2001:db8::7/128"] },
    ]);
    const instance = fake.sentInputs("linode:index/instance:Instance");
    expect(instance).toMatchObject({
      type: "g6-dedicated-48",
      region: "us-east",
      image: "linode/ubuntu24.04",
      label: RUN_ID,
      firewallId: 4242,
    });
    expect(instance.tags).toEqual(["render-remote", `render-remote-run:${RUN_ID}`]);
  });

  it("preflight failure (e.g. an old Pulumi CLI): nothing created, no journal, no keys, no destroy retries", async () => {
    const fake = engine({
      preflightError: new ProvisionError("The Pulumi CLI v3.248.0 is missing (the pulumi on PATH is v3.100.0). Nothing was created."),
    });
    const error = await withProvisionedHost(options(), fake, async () => "never").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(/v3\.100\.0.*Nothing was created\.$/);
    expect(fake.methods()).toEqual(["preflight"]);
    expect(slept).toEqual([]);
    expect(await exists(runsDir(env))).toBe(false);
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);
    expect(taggedWithRun()).toEqual([]);
  });

  it("preflight: a refused token, a region without Metadata, a plan the region cannot offer: exit 2, nothing created", async () => {
    const fake = engine();
    const badToken = await withProvisionedHost(
      options({ client: new LinodeClient({ token: "wrong", baseUrl: api.url, maxAttempts: 1 }) }),
      fake,
      async () => "x",
    ).catch((e: unknown) => e);
    expect(badToken).toBeInstanceOf(BadInputError);
    expect((badToken as Error).message).toMatch(/^LINODE_TOKEN was not accepted \(401: Invalid Token\)\. Nothing was created\./);
    const noMetadata = await withProvisionedHost(options({ region: "ap-south" }), fake, async () => "x").catch((e: unknown) => e);
    expect(exitCodeFor(noMetadata)).toBe(2);
    expect((noMetadata as Error).message).toMatch(/Region ap-south has no Metadata service.*Nothing was created\.$/);
    api.availability = [{ region: "us-east", plan: "g6-dedicated-48", available: false }];
    const soldOut = await withProvisionedHost(options(), fake, async () => "x").catch((e: unknown) => e);
    api.availability = [];
    expect(exitCodeFor(soldOut)).toBe(2);
    expect((soldOut as Error).message).toBe(
      "Plan g6-dedicated-48 is not available in region us-east at the moment. Pick another --region or --plan. Nothing was created.",
    );
    expect(fake.calls).toEqual([]);
    expect(await exists(runsDir(env))).toBe(false);
  });

  it("preflight: an unreachable API is said plainly, with nothing created", async () => {
    const fake = engine();
    const offline = new LinodeClient({ token: api.token, baseUrl: "http://127.0.0.1:1/v4", maxAttempts: 1 });
    const error = await withProvisionedHost(options({ client: offline }), fake, async () => "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as Error).message).toMatch(/^Could not check LINODE_TOKEN: Could not reach the Linode API.*Nothing was created\.$/);
    expect(fake.calls).toEqual([]);
  });

  it("a stack that cannot be removed after a good destroy is only a warning", async () => {
    const fake = engine({ removeStackFails: true });
    await expect(withProvisionedHost(options(), fake, async () => "ok")).resolves.toBe("ok");
    expect(logged.some((line) => line.includes("could not be removed (stack is locked). Run: render-remote audit"))).toBe(true);
    expect((await readJournal(RUN_ID, env))?.status).toBe("destroyed");
  });

  it("the budget guard prints the estimate, then refuses over --max-cost with nothing created", async () => {
    const fake = engine();
    const error = await withProvisionedHost(options({ maxCostUsd: 1 }), fake, async () => "never").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(/worst case, \$1\.30 .* is over --max-cost 1\. Nothing was created\..*render-remote plans/);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^Worst-case cost: \$1\.30/);
    expect(fake.calls).toEqual([]);
    expect(await exists(runsDir(env))).toBe(false);
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);
  });

  it("starts when the worst case is within --max-cost", async () => {
    const fake = engine();
    await withProvisionedHost(options({ maxCostUsd: 1.3 }), fake, async () => "ok");
    expect(fake.methods()).toEqual(["preflight", "up", "destroy", "removeStack"]);
  });

  it("an already-aborted run creates nothing", async () => {
    const fake = engine();
    const controller = new AbortController();
    controller.abort();
    await expect(withProvisionedHost(options({ signal: controller.signal }), fake, async () => "never")).rejects.toBeInstanceOf(
      InterruptedError,
    );
    expect(fake.calls).toEqual([]);
    expect(await exists(runKeysDir(RUN_ID, env))).toBe(false);
  });

  it("checks its inputs before anything is created", async () => {
    const fake = engine();
    await expect(withProvisionedHost(options({ sshFrom: [] }), fake, async () => "x")).rejects.toThrow(/--ssh-from/);
    await expect(withProvisionedHost(options({ sshFrom: ["not-an-ip"] }), fake, async () => "x")).rejects.toThrow(BadInputError);
    await expect(withProvisionedHost(options({ userName: "root" }), fake, async () => "x")).rejects.toThrow(
      /not a valid login name other than root/,
    );
    expect(fake.calls).toEqual([]);
  });

  it("tells the Ctrl-C handler what a forced quit would leave, and that nothing is left at the end", async () => {
    const advice: string[] = [];
    await withProvisionedHost(options({ setLeftoverAdvice: (text) => advice.push(text) }), engine(), async () => "ok");
    expect(advice).toEqual([
      "run rr-20261124-abc123's g6-dedicated-48 server, billing $1.296/h; remove it with: render-remote audit --destroy --yes",
      "nothing that outlives this process",
    ]);
  });
});

describe("estimateWorstCase", () => {
  it("counts every started hour: a 10-minute render is one full hour", () => {
    expect(estimateWorstCase({ hourly: 1.296, expectedSeconds: 600, overheadSeconds: 0 })).toEqual({
      hourly: 1.296,
      expectedSeconds: 600,
      overheadSeconds: 0,
      billedHours: 1,
      worstCaseUsd: 1.296,
    });
    expect(estimateWorstCase({ hourly: 0.054, expectedSeconds: 3601, overheadSeconds: 0 }).billedHours).toBe(2);
    expect(estimateWorstCase({ hourly: 0.054, expectedSeconds: 0, overheadSeconds: 0 }).billedHours).toBe(1);
    expect(estimateWorstCase({ hourly: 0.054, expectedSeconds: 3 * 3600 - 900, overheadSeconds: 900 })).toMatchObject({
      billedHours: 3,
      worstCaseUsd: 0.162,
    });
  });

  it("adds 15 minutes of setup and teardown by default", () => {
    expect(estimateWorstCase({ hourly: 1, expectedSeconds: 2700 }).billedHours).toBe(1);
    expect(estimateWorstCase({ hourly: 1, expectedSeconds: 2701 }).billedHours).toBe(2);
  });

  it("refuses nonsense", () => {
    expect(() => estimateWorstCase({ hourly: Number.NaN, expectedSeconds: 1 })).toThrow(BadInputError);
    expect(() => estimateWorstCase({ hourly: 1, expectedSeconds: -1 })).toThrow(/must be a number >= 0/);
  });
});

describe("createRunId", () => {
  it("is short, [a-z0-9-], dated, and different every time", () => {
    const id = createRunId(new Date("2026-11-24T12:00:00Z"));
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(id.startsWith("rr-20261124-")).toBe(true);
    expect(new Set(Array.from({ length: 50 }, () => createRunId())).size).toBe(50);
    expect(createRunId(new Date("2026-01-02T00:00:00Z"), () => new Uint8Array([0, 1, 25, 26, 35, 36]))).toBe("rr-20260102-abz09a");
  });
});
