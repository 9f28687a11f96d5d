import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditError, exitCodeFor } from "../errors.ts";
import { LinodeApiError, LinodeClient } from "../cloud/linode-api.ts";
import { fallbackPlans, plansFromTypes } from "../cloud/prices.ts";
import { fakeFirewall, fakeInstance, fakeTypes } from "../cloud/testing/fake-linode-api.ts";
import { collectSources, toAuditError, type AuditSources } from "./audit-collect.ts";
import { destroyListed } from "./audit-destroy.ts";
import { reconcile, runIdFromTags } from "./audit-reconcile.ts";
import type { AuditReport, LocalStacks } from "./audit-types.ts";
import { FakeStacks, NOW, auditFixture, journalEntry, runInstance, type AuditFixture } from "./testing/audit-fixture.ts";

/**
 * Tests found by mutation testing (npm run test:mutation): each kills mutants of
 * the audit (collect, reconcile, destroy) that audit.test.ts let live. Expected
 * values are worked out by hand from the fixtures, never computed with the code.
 */
const tags = (run: string) => ["render-remote", `render-remote-run:${run}`];
const sources = (parts: Partial<AuditSources>): AuditSources => ({
  instances: [],
  untaggedKnown: [],
  firewalls: [],
  journals: [],
  stacks: [],
  prices: plansFromTypes(fakeTypes(1) as never), // g6-dedicated-2: $0.054/h, cap $39.42/month
  account: undefined,
  warnings: [],
  ...parts,
});

describe("reconcile", () => {
  it("reads a run id only from a tag that starts with the run prefix and has a name after it", () => {
    expect(runIdFromTags(["x-render-remote-run:a"])).toBeUndefined();
    expect(runIdFromTags(["render-remote-run:"])).toBeUndefined();
    expect(runIdFromTags(["web", "render-remote-run:b", "render-remote-run:c"])).toBe("b");
  });

  it("prices an instance by age in started hours, never below one, and rounds its age to 1/100 h", () => {
    const report = reconcile(
      sources({
        instances: [
          fakeInstance({ id: 1, tags: tags("a"), created: "2026-11-24T13:00:00" }), // an hour in the future (clock skew)
          fakeInstance({ id: 2, tags: tags("b"), created: "2026-11-24T09:59:24" }), // 2.01 h: 3 started hours
        ],
      }),
      { now: NOW },
    );
    expect(report.instances.map((i) => [i.id, i.ageHours, i.startedHours, i.hourly, i.costSoFar, i.createdAt])).toEqual([
      [1, 0, 1, 0.054, 0.05, "2026-11-24T13:00:00.000Z"],
      [2, 2.01, 3, 0.054, 0.16, "2026-11-24T09:59:24.000Z"],
    ]);
    // 0.054 + 0.054 = 0.108 per hour (to 1/1000), 0.05 + 0.16 = 0.21 so far
    expect(report.totals).toEqual({ instances: 2, hourly: 0.108, costSoFar: 0.21, unpriced: 0 });
    expect(report).toMatchObject({
      billing: true,
      exitCode: 1,
      next: "render-remote audit --destroy",
      checkedAt: "2026-11-24T12:00:00.000Z",
    });
  });

  it("takes the type from the journal when Linode has none, and leaves an unpriced instance out of the totals", () => {
    const report = reconcile(
      sources({
        journals: [journalEntry({ runId: "a", instanceId: 1, type: "g6-dedicated-4", hourly: undefined as never })],
        instances: [
          fakeInstance({ id: 1, type: null as never, tags: tags("a"), created: "2026-11-24T11:00:00" }),
          fakeInstance({ id: 2, type: null as never, tags: tags("b"), created: "2026-11-24T11:00:00" }),
        ],
      }),
      { now: NOW },
    );
    const [a, b] = report.instances;
    expect([a.type, a.hourly]).toEqual(["g6-dedicated-4", 0.108]);
    expect([b.type, b.hourly, b.costSoFar]).toEqual(["unknown", undefined, undefined]);
    expect(report.totals).toEqual({ instances: 2, hourly: 0.108, costSoFar: 0.11, unpriced: 1 });
  });

  it("matches a journal by instance id when the instance lost its tags, and marks it untagged", () => {
    const report = reconcile(
      sources({
        journals: [journalEntry({ runId: "a", instanceId: 5, stack: { name: "stack-of-a", backendUrl: "file:///x" } })],
        untaggedKnown: [fakeInstance({ id: 5, tags: [] })],
        stacks: [{ name: "stack-of-a", resourceCount: 3 }],
      }),
      { now: NOW },
    );
    expect(report.instances.map((i) => [i.id, i.runId, i.orphan, i.tagged, i.knownBy])).toEqual([
      [5, "a", false, false, ["account", "journal", "stack"]],
    ]);
    expect(report.stacks).toEqual([{ name: "stack-of-a", resourceCount: 3, runId: "a" }]);
    expect(report.ghosts).toEqual([]);
  });

  it("does not tie an instance to a journal of another run or another instance", () => {
    const report = reconcile(
      sources({ journals: [journalEntry({ runId: "other", instanceId: 9 })], instances: [fakeInstance({ id: 5, tags: tags("a") })] }),
      { now: NOW },
    );
    expect(report.instances.map((i) => [i.runId, i.orphan, i.knownBy])).toEqual([["a", true, ["account"]]]);
  });

  it("keeps a stack whose resource count Pulumi does not know, and drops an empty one", () => {
    const report = reconcile(
      sources({ stacks: [{ name: "unknown" }, { name: "empty", resourceCount: 0 }, { name: "one", resourceCount: 1 }] }),
      { now: NOW },
    );
    expect(report.stacks.map((s) => s.name)).toEqual(["unknown", "one"]);
    expect(report).toMatchObject({ billing: false, exitCode: 0, next: "render-remote audit --destroy" });
  });

  it("lists only Linode devices of a firewall, and says nothing when the server sent none", () => {
    const report = reconcile(
      sources({
        firewalls: [
          fakeFirewall({
            id: 7,
            tags: tags("a"),
            entities: [
              { id: 1, type: "linode", label: "x" },
              { id: 2, type: "nodebalancer", label: "y" },
            ],
          }),
          { ...fakeFirewall({ id: 8, tags: tags("b") }), entities: undefined },
        ],
      }),
      { now: NOW },
    );
    expect(report.firewalls.map((f) => [f.id, f.runId, f.linodeIds, f.knownBy])).toEqual([
      [7, "a", [1], ["account"]],
      [8, "b", undefined, ["account"]],
    ]);
    expect(report).toMatchObject({ billing: false, exitCode: 0, next: "render-remote audit --destroy" });
  });

  it("says nothing is left when nothing is, with the balance, the fallback date and a copy of the warnings", () => {
    const warnings = ["w1"];
    const report = reconcile(sources({ account: { balance: 3, balance_uninvoiced: 1.5 }, prices: fallbackPlans("offline"), warnings }), {
      now: NOW,
    });
    expect(report).toEqual({
      checkedAt: "2026-11-24T12:00:00.000Z",
      billing: false,
      exitCode: 0,
      instances: [],
      firewalls: [],
      stacks: [],
      ghosts: [],
      totals: { instances: 0, hourly: 0, costSoFar: 0, unpriced: 0 },
      balanceUninvoiced: 1.5,
      prices: { source: "fallback", fallbackDate: "2026-11-01" },
      warnings: ["w1"],
    });
    expect(report.warnings).not.toBe(warnings);
    expect(reconcile(sources({}), { now: NOW }).prices).toEqual({ source: "api" });
  });

  it("treats only active journals without an instance as ghosts, and decides each one's action", () => {
    const at = (hoursBefore: number) => new Date(NOW.getTime() - hoursBefore * 3600_000).toISOString();
    const report = reconcile(
      sources({
        journals: [
          journalEntry({ runId: "done", status: "destroyed" }),
          journalEntry({ runId: "failed", status: "failed" as never }),
          journalEntry({ runId: "has-instance", instanceId: 5 }),
          journalEntry({ runId: "tagged-instance" }),
          journalEntry({ runId: "live", status: "live", updatedAt: at(0.1) }),
          journalEntry({ runId: "destroying", status: "destroying", updatedAt: at(0.1) }),
          journalEntry({ runId: "destroy-failed", status: "destroy-failed" }),
          journalEntry({ runId: "new", status: "provisioning", updatedAt: at(1.99) }),
          journalEntry({ runId: "old", status: "provisioning", updatedAt: at(2) }),
          journalEntry({ runId: "just-destroyed", status: "provisioning", updatedAt: at(0.5) }),
          journalEntry({ runId: "with-firewall", status: "provisioning", updatedAt: at(5) }),
        ],
        untaggedKnown: [fakeInstance({ id: 5, tags: [] })],
        instances: [fakeInstance({ id: 6, tags: tags("tagged-instance") })],
        firewalls: [fakeFirewall({ id: 7, tags: tags("with-firewall") })],
      }),
      { now: NOW, justDestroyed: new Set(["just-destroyed"]) },
    );
    expect(report.ghosts.map((g) => [g.runId, g.action])).toEqual([
      ["live", "mark-destroyed"],
      ["destroying", "mark-destroyed"],
      ["destroy-failed", "mark-destroyed"],
      ["new", "report"],
      ["old", "mark-destroyed"],
      ["just-destroyed", "mark-destroyed"],
      ["with-firewall", "report"],
    ]);
    const [live] = report.ghosts;
    expect(live).toEqual({
      runId: "live",
      status: "live",
      instanceId: undefined,
      startedAt: "2026-11-24T10:00:00.000Z",
      action: "mark-destroyed",
      note: "The journal says live, but the instance is gone from the account.",
    });
    expect(report.ghosts[3].note).toBe("Still provisioning, or stopped before the server was created; left as is.");
    expect(report.ghosts[6].note).toBe(
      "The instance is gone, but the run still has resources (stack or firewall). Run `render-remote audit --destroy`.",
    );
  });

  it("narrows every list to one run", () => {
    const report = reconcile(
      sources({
        journals: [journalEntry({ runId: "a", status: "destroy-failed" }), journalEntry({ runId: "b", status: "destroy-failed" })],
        instances: [fakeInstance({ id: 1, tags: tags("c") })],
        firewalls: [fakeFirewall({ id: 7, tags: tags("b") })],
        stacks: [{ name: "b", resourceCount: 1 }],
      }),
      { now: NOW, runId: "a" },
    );
    expect(report).toMatchObject({ runId: "a", instances: [], firewalls: [], stacks: [], billing: false, exitCode: 0 });
    expect(report.ghosts.map((g) => g.runId)).toEqual(["a"]);
    expect(report.next).toBeUndefined();
  });
});

describe("collectSources", () => {
  let fixture: AuditFixture;
  afterEach(() => fixture.cleanup());

  it("warns, and goes on, when the journal or the stacks cannot be read; no stacks given means none were read", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "a")] });
    const home = fixture.env.RENDER_REMOTE_HOME!;
    await writeFile(path.join(home, "runs"), "a file where the runs directory should be");
    const broken: LocalStacks = {
      listStacks: async () => Promise.reject(new Error("backend locked")),
      destroyStack: async () => undefined,
    };
    const collected = await collectSources({ client: fixture.client, env: fixture.env, stacks: broken });
    expect(collected.instances.map((i) => i.id)).toEqual([1]);
    expect(collected.journals).toEqual([]);
    expect(collected.stacks).toBeUndefined();
    // Both are read at once: the order of the two warnings is not fixed.
    expect(collected.warnings).toHaveLength(2);
    expect(collected.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Could not read the run journal \(ENOTDIR: .+\); orphans cannot be told apart\.$/),
        "Could not list the local Pulumi stacks (backend locked); only the account and the journal were checked.",
      ]),
    );
    expect((await collectSources({ client: fixture.client, env: fixture.env })).stacks).toBeUndefined();
  });

  it("lists the stacks when it can, and adds the prices warning", async () => {
    fixture = await auditFixture({ types: [] });
    const stacks = new FakeStacks([{ name: "a", resourceCount: 1 }], fixture.fake);
    const collected = await collectSources({ client: fixture.client, env: fixture.env, stacks });
    expect(collected.stacks).toEqual([{ name: "a", resourceCount: 1 }]);
    expect(collected.account).toEqual({ balance: 0, balance_uninvoiced: 0 });
    expect(collected.warnings).toHaveLength(1);
    expect(collected.warnings[0]).toMatch(/^Linode did not price g6-dedicated-2, /);
  });

  it("shows no balance, with the first sentence of why, when the account cannot be read", async () => {
    fixture = await auditFixture();
    fixture.fake.fail({ path: "/account", status: 400, reasons: ["No. Really"] });
    const collected = await collectSources({ client: fixture.client, env: fixture.env });
    expect(collected.account).toBeUndefined();
    expect(collected.warnings).toEqual(["Uninvoiced balance not shown: Linode API GET /account failed (400: No."]);
  });

  it("looks up by id only the instances of active journals that the tagged listing lacks, and drops the ones gone", async () => {
    fixture = await auditFixture({
      instances: [runInstance(1, "a"), fakeInstance({ id: 2, tags: [] }), fakeInstance({ id: 3, tags: [] })],
    });
    for (const entry of [
      { runId: "a", instanceId: 1 },
      { runId: "b", instanceId: 2 },
      { runId: "c", instanceId: 3, status: "destroyed" as const },
      { runId: "d", instanceId: 4 },
      { runId: "e" },
    ]) {
      await fixture.journal(entry);
    }
    const collected = await collectSources({ client: fixture.client, env: fixture.env });
    expect(collected.untaggedKnown.map((i) => i.id)).toEqual([2]);
    const lookups = fixture.fake.requests.filter((r) => /^\/linode\/instances\/\d+$/.test(r.path)).map((r) => r.path);
    expect(lookups.sort()).toEqual(["/linode/instances/2", "/linode/instances/4"]);
  });

  it("fails the audit when a journal's instance cannot be looked up", async () => {
    fixture = await auditFixture();
    await fixture.journal({ runId: "b", instanceId: 2 });
    fixture.fake.fail({ path: "/linode/instances/2", status: 400, reasons: ["bad id"] });
    const error = await collectSources({ client: fixture.client, env: fixture.env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditError);
    expect((error as Error).message).toBe(
      "The audit could not read the Linode account: Linode API GET /linode/instances/2 failed (400: bad id). Then run `render-remote audit` again.",
    );
  });
});

describe("toAuditError", () => {
  it("keeps an AuditError, adds the retry hint except for token problems, and wraps anything else", () => {
    const audit = new AuditError("already");
    expect(toAuditError(audit)).toBe(audit);
    const api = (kind: LinodeApiError["kind"]) =>
      new LinodeApiError({ kind, status: 0, method: "GET", path: "/x", message: `${kind} message.` });
    expect(toAuditError(api("auth")).message).toBe("The audit could not read the Linode account: auth message.");
    expect(toAuditError(api("no-token")).message).toBe("The audit could not read the Linode account: no-token message.");
    expect(toAuditError(api("server")).message).toBe(
      "The audit could not read the Linode account: server message. Then run `render-remote audit` again.",
    );
    const server = api("server");
    expect(toAuditError(server).cause).toBe(server);
    const other = new Error("disk full");
    const wrapped = toAuditError(other);
    expect(wrapped.message).toBe("The audit failed: disk full. Run `render-remote audit` again.");
    expect(wrapped.cause).toBe(other);
    expect(exitCodeFor(wrapped)).toBe(2);
  });
});

describe("destroyListed", () => {
  let fixture: AuditFixture;
  afterEach(() => fixture.cleanup());

  const report = (parts: Partial<AuditReport>): AuditReport => ({ ...reconcile(sources({}), { now: NOW }), ...parts });
  const instance = (id: number, runId: string | undefined, instanceTags = runId ? tags(runId) : ["render-remote"]) => ({
    ...reconcile(sources({ instances: [fakeInstance({ id, tags: instanceTags })] }), { now: NOW }).instances[0],
    runId,
  });

  it("without a stack store, deletes each tagged instance and firewall through the API and says which ones were deleted", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "a")], firewalls: [fakeFirewall({ id: 7, tags: tags("a") })] });
    const outcome = await destroyListed(
      report({
        stacks: [{ name: "a", resourceCount: 1, runId: "a" }],
        instances: [instance(1, "a"), instance(2, undefined)],
        firewalls: [{ id: 7, label: "firewall7", status: "enabled", tags: tags("a"), runId: "a", knownBy: ["account"] }],
      }),
      { client: fixture.client },
    );
    expect(outcome.steps).toEqual([
      { target: "instance 1 (linode1)", outcome: "deleted" },
      { target: "instance 2 (linode2)", outcome: "already-gone" },
      { target: "firewall 7 (firewall7)", outcome: "deleted" },
    ]);
    expect(outcome.deletedInstanceIds).toEqual([1]);
    expect([...outcome.runIds]).toEqual(["a"]);
  });

  it("says why an untagged instance or firewall is skipped", async () => {
    fixture = await auditFixture({ instances: [fakeInstance({ id: 1 })], firewalls: [fakeFirewall({ id: 7 })] });
    const outcome = await destroyListed(
      report({
        instances: [instance(1, "a", ["render-remote-run:a"])],
        firewalls: [{ id: 7, label: "fw", status: "enabled", tags: ["render-remote-run:a"], runId: "a", knownBy: ["account"] }],
      }),
      { client: fixture.client },
    );
    expect(outcome.steps).toEqual([
      {
        target: "instance 1 (linode1)",
        outcome: "skipped",
        detail: "not tagged render-remote, so render-remote never deletes it; delete it in Cloud Manager if it is yours",
      },
      { target: "firewall 7 (fw)", outcome: "skipped", detail: "not tagged render-remote, so render-remote never deletes it" },
    ]);
    expect(outcome.runIds.size).toBe(0);
    expect(fixture.fake.requests.filter((r) => r.method === "DELETE")).toEqual([]);
  });

  it("after a stack destroy, still deletes through the API: what the stack removed answers already-gone", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "a")], firewalls: [fakeFirewall({ id: 7, tags: tags("a") })] });
    const stacks = new FakeStacks([{ name: "a", resourceCount: 2 }], fixture.fake);
    const outcome = await destroyListed(
      report({
        stacks: [{ name: "a", resourceCount: 2, runId: "a" }],
        instances: [instance(1, "a")],
        firewalls: [{ id: 7, label: "firewall7", status: "enabled", tags: tags("a"), runId: "a", knownBy: ["account"] }],
      }),
      { client: fixture.client, stacks },
    );
    expect(outcome.steps).toEqual([
      { target: "stack a", outcome: "deleted" },
      { target: "instance 1 (linode1)", outcome: "already-gone" },
      { target: "firewall 7 (firewall7)", outcome: "already-gone" },
    ]);
    expect([...outcome.runIds]).toEqual(["a"]);
    expect(outcome.deletedInstanceIds).toEqual([]);
    expect(fixture.fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([
      "/linode/instances/1",
      "/networking/firewalls/7",
    ]);
  });

  it("names the stack's failure and goes on through the API", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "a")] });
    const stacks = new FakeStacks([{ name: "a", resourceCount: 2 }], fixture.fake, { destroy: "fail" });
    const outcome = await destroyListed(report({ stacks: [{ name: "a", resourceCount: 2, runId: "a" }], instances: [instance(1, "a")] }), {
      client: fixture.client,
      stacks,
    });
    expect(outcome.steps).toEqual([
      {
        target: "stack a",
        outcome: "failed",
        detail: "error: the stack is currently locked by 1 lock(s) (stack a); deleting its run's resources through the API instead",
      },
      { target: "instance 1 (linode1)", outcome: "deleted" },
    ]);
  });

  it("after a stack destroy that 'succeeded', deletes what it left, but stops on a rejected token", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "a"), runInstance(2, "b")] });
    const stacks = new FakeStacks([], fixture.fake, { destroy: "forget" });
    const first = await destroyListed(report({ stacks: [{ name: "a", resourceCount: 2, runId: "a" }], instances: [instance(1, "a")] }), {
      client: fixture.client,
      stacks,
    });
    expect(first.steps.at(-1)).toEqual({ target: "instance 1 (linode1)", outcome: "deleted" });
    fixture.fake.fail({ method: "DELETE", path: "/linode/instances/2", status: 401 });
    const error = await destroyListed(report({ stacks: [{ name: "b", resourceCount: 2, runId: "b" }], instances: [instance(2, "b")] }), {
      client: fixture.client,
      stacks,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditError);
    expect(fixture.fake.deleted("instances")).toEqual([1]);
  });

  it("stops, with the audit failed, when there is no token to delete with", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "a")] });
    const tokenless = new LinodeClient({ baseUrl: fixture.fake.url });
    const error = await destroyListed(report({ instances: [instance(1, "a")] }), { client: tokenless }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditError);
    expect((error as Error).message).toMatch(/^The audit could not read the Linode account: LINODE_TOKEN is not set\./);
    expect(fixture.fake.requests).toEqual([]);
  });

  it("reports a failed firewall DELETE with Linode's words, and stops on a token without the scope", async () => {
    fixture = await auditFixture({ firewalls: [fakeFirewall({ id: 7, tags: tags("a") }), fakeFirewall({ id: 8, tags: tags("b") })] });
    fixture.fake.fail({ method: "DELETE", path: "/networking/firewalls/7", status: 400, reasons: ["firewall in use"] });
    const firewall = (id: number, runId: string) => ({
      id,
      label: `firewall${id}`,
      status: "enabled",
      tags: tags(runId),
      runId,
      knownBy: ["account" as const],
    });
    const outcome = await destroyListed(report({ firewalls: [firewall(7, "a")] }), { client: fixture.client });
    expect(outcome.steps).toEqual([
      {
        target: "firewall 7 (firewall7)",
        outcome: "failed",
        detail: "Linode API DELETE /networking/firewalls/7 failed (400: firewall in use).",
      },
    ]);
    fixture.fake.fail({ method: "DELETE", path: "/networking/firewalls/8", status: 403 });
    await expect(destroyListed(report({ firewalls: [firewall(8, "b")] }), { client: fixture.client })).rejects.toBeInstanceOf(AuditError);
  });
});
