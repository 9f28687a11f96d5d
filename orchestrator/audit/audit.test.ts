import { afterEach, describe, expect, it } from "vitest";
import { AuditError, BadInputError, exitCodeFor } from "../errors.ts";
import { fakeFirewall, fakeInstance } from "../cloud/testing/fake-linode-api.ts";
import { readJournal } from "../state/journal.ts";
import { audit, auditRun } from "./audit.ts";
import { destroyListed } from "./audit-destroy.ts";
import { FakeStacks, auditFixture, runInstance, type AuditFixture } from "./testing/audit-fixture.ts";

let fixture: AuditFixture;
afterEach(() => fixture.cleanup());

const untagged = fakeInstance({ id: 300, label: "my-web-server", tags: ["web"] });

describe("render-remote audit", () => {
  it("exits 0 and says so when nothing is billing", async () => {
    fixture = await auditFixture({ instances: [untagged], account: { balance: 0, balance_uninvoiced: 1.25 } });
    const report = await audit(fixture.deps);
    expect(report.exitCode).toBe(0);
    expect(report.billing).toBe(false);
    expect(report.instances).toEqual([]);
    expect(report.balanceUninvoiced).toBe(1.25);
    expect(fixture.stdout.text).toContain("Nothing is billing: no render-remote instance in the Linode account.");
    expect(fixture.fake.requests.some((r) => r.method === "DELETE")).toBe(false);
  });

  it("reports only the two tagged instances, with age, price and cost in started hours", async () => {
    fixture = await auditFixture({
      instances: [runInstance(101, "run-a"), untagged, runInstance(102, "run-b", { type: "g6-dedicated-48" })],
    });
    await fixture.journal({ runId: "run-a", instanceId: 101 });
    const report = await audit(fixture.deps);
    expect(report.exitCode).toBe(1);
    expect(report.instances.map((i) => i.id)).toEqual([101, 102]);
    const [a, b] = report.instances;
    // created 10:30 UTC, audited 12:00 UTC: 1.5 h is 2 started hours; the fake prices g6-dedicated-2 at $0.081/h.
    expect(a).toMatchObject({
      runId: "run-a",
      ageHours: 1.5,
      startedHours: 2,
      hourly: 0.081,
      costSoFar: 0.16,
      knownBy: ["account", "journal"],
      orphan: false,
    });
    expect(b).toMatchObject({ runId: "run-b", hourly: 1.944, costSoFar: 3.89, knownBy: ["account"], orphan: true });
    expect(report.totals).toEqual({ instances: 2, hourly: 2.025, costSoFar: 4.05, unpriced: 0 });
    expect(fixture.stdout.text).toMatch(
      /run-b\s+102\s+render-remote-run-b\s+g6-dedicated-48\s+us-east\s+1h 30m\s+\$1\.944\s+\$3\.89\s+account\s+ORPHAN/,
    );
    expect(fixture.stdout.text).toContain("To delete what is listed: render-remote audit --destroy");
  });

  it("--destroy --yes deletes the two tagged instances and their firewalls, never the untagged ones", async () => {
    fixture = await auditFixture({
      instances: [runInstance(101, "run-a"), untagged, runInstance(102, "run-b")],
      firewalls: [
        fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:run-a"], entities: [{ id: 101, type: "linode", label: "a" }] }),
        fakeFirewall({ id: 8, tags: ["office"], entities: [{ id: 300, type: "linode", label: "web" }] }),
      ],
    });
    const report = await audit({ ...fixture.deps, destroy: true, yes: true });
    expect(fixture.fake.deleted("instances")).toEqual([101, 102]);
    expect(fixture.fake.deleted("firewalls")).toEqual([7]);
    const deletes = fixture.fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path);
    expect(deletes).not.toContain("/linode/instances/300");
    expect(deletes).not.toContain("/networking/firewalls/8");
    expect(fixture.fake.instances.map((i) => i.id)).toEqual([300]);
    expect(report.exitCode).toBe(0);
    expect(report.destroy?.steps.map((s) => `${s.target}: ${s.outcome}`)).toEqual([
      "instance 101 (render-remote-run-a): deleted",
      "instance 102 (render-remote-run-b): deleted",
      "firewall 7 (firewall7): deleted",
    ]);
    expect(fixture.stdout.text).toContain("Nothing is billing");
  });

  it("finds tagged instances spread over several pages", async () => {
    const instances = Array.from({ length: 70 }, (_, i) =>
      i % 10 === 0 ? fakeInstance({ id: 500 + i }) : runInstance(500 + i, `run-${i}`),
    );
    fixture = await auditFixture({ instances }, { pageSize: 25 });
    const report = await audit(fixture.deps);
    expect(report.instances).toHaveLength(63);
    expect(report.instances.at(-1)?.id).toBe(569);
    expect(fixture.fake.requests.filter((r) => r.path === "/linode/instances").map((r) => r.query.page)).toEqual(["1", "2", "3"]);
  });

  it("reports a journal whose instance is gone, and marks it destroyed", async () => {
    fixture = await auditFixture({ instances: [] });
    await fixture.journal({ runId: "run-gone", instanceId: 4242, status: "live" });
    const report = await audit(fixture.deps);
    expect(report.exitCode).toBe(0);
    expect(report.ghosts).toEqual([
      expect.objectContaining({ runId: "run-gone", status: "live", instanceId: 4242, action: "marked-destroyed" }),
    ]);
    expect((await readJournal("run-gone", fixture.env))?.status).toBe("destroyed");
    expect(fixture.fake.requests.map((r) => r.path)).toContain("/linode/instances/4242");
    expect(fixture.stdout.text).toContain(
      "run run-gone (live, started 2026-11-24T10:00:00.000Z): The journal says live, but the instance is gone from the account. Journal marked destroyed.",
    );
  });

  it("leaves a recent 'provisioning' journal alone: the run may be starting right now", async () => {
    fixture = await auditFixture({ instances: [] });
    await fixture.journal({ runId: "run-new", status: "provisioning", updatedAt: "2026-11-24T11:55:00.000Z" });
    const report = await audit(fixture.deps);
    expect(report.ghosts.map((g) => g.action)).toEqual(["report"]);
    expect((await readJournal("run-new", fixture.env))?.status).toBe("provisioning");
  });

  it("reports, and never deletes, a journal's instance that lost its tag", async () => {
    fixture = await auditFixture({ instances: [fakeInstance({ id: 77, tags: [] })] });
    await fixture.journal({ runId: "run-x", instanceId: 77 });
    const report = await audit({ ...fixture.deps, destroy: true, yes: true });
    expect(report.exitCode).toBe(1);
    expect(report.instances.map((i) => [i.id, i.tagged, i.runId])).toEqual([[77, false, "run-x"]]);
    expect(fixture.fake.deleted("instances")).toEqual([]);
    expect(report.destroy?.steps[0]).toMatchObject({ target: "instance 77 (linode77)", outcome: "skipped" });
  });

  it("exits 2 with the token message when the token is rejected", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] }, { token: "wrong-token" });
    const error = await audit({ ...fixture.deps, json: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditError);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toContain(
      "LINODE_TOKEN was rejected (401: Invalid Token). Create a personal access token at https://cloud.linode.com/profile/tokens (renting (--plan) needs Linodes and Firewalls read/write",
    );
    expect((error as Error).message).not.toContain("wrong-token");
    expect(JSON.parse(fixture.stdout.text)).toMatchObject({ exitCode: 2, error: expect.stringContaining("LINODE_TOKEN was rejected") });
  });

  it("exits 2 when LINODE_TOKEN is not set", async () => {
    fixture = await auditFixture();
    const error = await audit({ ...fixture.deps, client: undefined, env: { ...fixture.env, LINODE_URL: fixture.fake.url } }).catch(
      (e: unknown) => e,
    );
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toContain("LINODE_TOKEN is not set");
  });

  it("rides out a 429 (honouring Retry-After) and a 500 on the instance list", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    fixture.fake.fail({ path: "/linode/instances", status: 429, retryAfter: 2 });
    fixture.fake.fail({ path: "/linode/instances", status: 500 });
    const report = await audit(fixture.deps);
    expect(report.instances.map((i) => i.id)).toEqual([1]);
    expect(fixture.delays).toEqual([2000, 1000]);
  });

  it("--json prints the report as JSON", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    const report = await audit({ ...fixture.deps, json: true });
    expect(JSON.parse(fixture.stdout.text)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report.prices.source).toBe("api");
  });
});

describe("audit token scopes", () => {
  it("works without account:read_only, and says that scope is what the balance line needs", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    fixture.fake.fail({ path: "/account", status: 403, reasons: ["Unauthorized"] });
    const report = await audit(fixture.deps);
    expect(report.exitCode).toBe(1);
    expect(report.balanceUninvoiced).toBeUndefined();
    expect(report.warnings).toContain(
      "Uninvoiced balance not shown: LINODE_TOKEN may not GET /account (403: Unauthorized): it needs the account:read_only scope, and a restricted user also needs the grant for it.",
    );
  });

  it("a 403 on the instance listing fails the audit (exit 2) and names linodes:read_only", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    fixture.fake.fail({ path: "/linode/instances", exact: true, status: 403, reasons: ["Unauthorized"] });
    const error = await audit(fixture.deps).catch((e: unknown) => e);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toContain(
      "LINODE_TOKEN may not GET /linode/instances (403: Unauthorized): it needs the linodes:read_only scope",
    );
  });
});

describe("audit price labels", () => {
  it("says prices are live only when Linode priced the plans: an API answer without them is the dated table", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")], types: [] });
    const report = await audit(fixture.deps);
    expect(report.prices.source).toBe("fallback");
    expect(fixture.stdout.text).toMatch(/Prices from the fallback table dated \d{4}-\d\d-\d\d\./);
    expect(fixture.stdout.text).not.toContain("live from the Linode API");
  });
});

describe("render-remote audit --destroy", () => {
  it("destroys through the Pulumi stack when the run has one, not through the API", async () => {
    fixture = await auditFixture({
      instances: [runInstance(101, "run-a"), runInstance(102, "run-b")],
      firewalls: [fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:run-a"] })],
    });
    await fixture.journal({ runId: "run-a", instanceId: 101 });
    const stacks = new FakeStacks(
      [
        { name: "run-a", resourceCount: 4 },
        { name: "old", resourceCount: 0 },
      ],
      fixture.fake,
    );
    const before = await audit({ ...fixture.deps, stacks });
    expect(before.instances[0].knownBy).toEqual(["account", "journal", "stack"]);
    expect(before.stacks.map((s) => s.name)).toEqual(["run-a"]);

    const after = await audit({ ...fixture.deps, stacks, destroy: true, yes: true });
    expect(stacks.destroyed).toEqual(["run-a"]);
    expect(fixture.fake.deleted("instances")).toEqual([102]);
    expect(fixture.fake.deleted("firewalls")).toEqual([]);
    expect(after).toMatchObject({ exitCode: 0, instances: [], firewalls: [], stacks: [] });
    expect((await readJournal("run-a", fixture.env))?.status).toBe("destroyed");
  });

  it("does not trust a stack destroy that 'succeeded': what is still tagged (a pending create) is deleted through the API", async () => {
    fixture = await auditFixture({
      instances: [runInstance(101, "run-a")],
      firewalls: [fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:run-a"] })],
    });
    await fixture.journal({ runId: "run-a", instanceId: 101 });
    const stacks = new FakeStacks([{ name: "run-a", resourceCount: 3 }], fixture.fake, { destroy: "forget" });
    const after = await audit({ ...fixture.deps, stacks, destroy: true, yes: true });
    expect(stacks.destroyed).toEqual(["run-a"]);
    expect(fixture.fake.deleted("instances")).toEqual([101]);
    expect(fixture.fake.instances).toEqual([]);
    expect(after).toMatchObject({ exitCode: 0, billing: false, instances: [] });
    expect(after.destroy?.steps.map((s) => `${s.target}: ${s.outcome}`)).toEqual([
      "stack run-a: deleted",
      "instance 101 (render-remote-run-a): deleted",
      "firewall 7 (firewall7): already-gone",
    ]);
  });

  it("a stack destroy that fails is reported as failed, and what the run left is deleted through the API", async () => {
    fixture = await auditFixture({ instances: [runInstance(101, "run-a")] });
    const stacks = new FakeStacks([{ name: "run-a", resourceCount: 3 }], fixture.fake, { destroy: "fail" });
    const after = await audit({ ...fixture.deps, stacks, destroy: true, yes: true });
    expect(after.destroy?.steps[0]).toMatchObject({
      target: "stack run-a",
      outcome: "failed",
      detail: expect.stringMatching(/currently locked.*through the API instead/),
    });
    expect(fixture.fake.deleted("instances")).toEqual([101]);
    expect(after).toMatchObject({ exitCode: 0, instances: [] });
    expect(after.stacks.map((s) => s.name)).toEqual(["run-a"]); // still listed, for a later audit
  });

  it("asks on a terminal and deletes nothing when the answer is no", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    const questions: string[] = [];
    const report = await audit({ ...fixture.deps, destroy: true, interactive: true, confirm: async (q) => (questions.push(q), false) });
    expect(questions).toEqual(["Delete 1 instance(s), 0 firewall(s), 0 stack(s) tagged render-remote?"]);
    expect(fixture.fake.requests.some((r) => r.method === "DELETE")).toBe(false);
    expect(report).toMatchObject({ exitCode: 1, destroy: { confirmed: false, steps: [] } });
  });

  it("refuses to delete without --yes when there is no terminal to ask on", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    const error = await audit({ ...fixture.deps, destroy: true, interactive: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toContain("render-remote audit --destroy --yes");
    expect(fixture.fake.instances).toHaveLength(1);
  });
});

describe("auditRun", () => {
  it("says 'nothing left billing' when the run left nothing", async () => {
    fixture = await auditFixture({ instances: [runInstance(9, "other-run")] });
    const result = await auditRun("run-a", fixture.deps);
    expect(result).toMatchObject({ clean: true, billing: false, message: "nothing left billing" });
  });

  it("names exactly what the run left and the command that removes it", async () => {
    fixture = await auditFixture({
      instances: [runInstance(101, "run-a", { type: "g6-dedicated-48" }), runInstance(9, "other-run")],
      firewalls: [fakeFirewall({ id: 7, label: "fw-run-a", tags: ["render-remote", "render-remote-run:run-a"] })],
    });
    const result = await auditRun("run-a", fixture.deps);
    expect(result.billing).toBe(true);
    expect(result.message).toBe(
      "still billing for run run-a: instance 101 render-remote-run-a (g6-dedicated-48, us-east, $1.944/h); firewall 7 fw-run-a. " +
        "Remove it with: render-remote audit --destroy --yes",
    );
  });
});

describe("audit failure paths", () => {
  it("exits 2 when the instance listing keeps failing, even though the firewall listing works", async () => {
    fixture = await auditFixture({ instances: [runInstance(1, "r")] });
    fixture.fake.fail({ path: "/linode/instances", exact: true, status: 503, times: Infinity });
    const error = await audit(fixture.deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditError);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toContain("GET /linode/instances kept failing (503");
    expect(fixture.fake.requests.some((r) => r.path === "/networking/firewalls" && r.status === 200)).toBe(true);
  });

  it("exits 2 when the firewall listing keeps failing, even though the instance listing works", async () => {
    fixture = await auditFixture({ firewalls: [fakeFirewall({ id: 7, tags: ["render-remote"] })] });
    fixture.fake.fail({ path: "/networking/firewalls", exact: true, status: 500, times: Infinity });
    const error = await audit(fixture.deps).catch((e: unknown) => e);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toContain("GET /networking/firewalls kept failing (500");
  });

  for (const listMatch of ["contains", "equals"] as const) {
    it(`finds the same billing servers when the API's tag filter means "${listMatch}"`, async () => {
      fixture = await auditFixture({
        listMatch,
        instances: [runInstance(101, "run-a"), untagged, runInstance(102, "run-b"), fakeInstance({ id: 103, tags: ["render-remote"] })],
        firewalls: [fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:run-a"] })],
      });
      const report = await audit(fixture.deps);
      expect(report.instances.map((i) => i.id)).toEqual([101, 102, 103]);
      expect(report.firewalls.map((f) => f.id)).toEqual([7]);
      expect(report.exitCode).toBe(1);
    });
  }

  it("never lists or deletes a firewall whose tags only look like ours", async () => {
    fixture = await auditFixture({
      firewalls: [
        fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:run-a"] }),
        fakeFirewall({ id: 8, tags: ["render-remote-old", "render-remote-run:run-b"] }),
        fakeFirewall({ id: 9, tags: ["Render-Remote"] }),
      ],
    });
    const report = await audit({ ...fixture.deps, destroy: true, yes: true });
    expect(fixture.fake.deleted("firewalls")).toEqual([7]);
    expect(fixture.fake.firewalls.map((f) => f.id)).toEqual([8, 9]);
    expect(report.firewalls).toEqual([]);
  });

  it("checks the tag again on a firewall just before deleting it, whatever the listing said", async () => {
    fixture = await auditFixture({
      firewalls: [fakeFirewall({ id: 7, tags: ["render-remote"] }), fakeFirewall({ id: 8, label: "office", tags: ["office"] })],
    });
    const report = await audit(fixture.deps);
    // As if the listing had been loose: the office firewall slipped into the report.
    const office = { ...report.firewalls[0], id: 8, label: "office", tags: ["office"] };
    const outcome = await destroyListed({ ...report, firewalls: [...report.firewalls, office] }, { client: fixture.client });
    expect(fixture.fake.deleted("firewalls")).toEqual([7]);
    expect(fixture.fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/networking/firewalls/7"]);
    expect(outcome.steps.map((s) => `${s.target}: ${s.outcome}`)).toEqual([
      "firewall 7 (firewall7): deleted",
      "firewall 8 (office): skipped",
    ]);
  });

  it("looks again while deleted instances linger in the listing, and then says nothing is billing", async () => {
    fixture = await auditFixture({ instances: [runInstance(101, "run-a"), runInstance(102, "run-b")], lingerListings: 2 });
    const report = await audit({ ...fixture.deps, destroy: true, yes: true });
    expect(fixture.fake.deleted("instances")).toEqual([101, 102]);
    expect(fixture.delays).toEqual([3000, 3000]);
    expect(report).toMatchObject({ exitCode: 0, billing: false, instances: [] });
    expect(fixture.stdout.text).toContain("Nothing is billing");
  });

  it("reports instances that are still listed after every look as billing, with the command to run", async () => {
    fixture = await auditFixture({ instances: [runInstance(101, "run-a")], lingerListings: 10 });
    const report = await audit({ ...fixture.deps, destroy: true, yes: true });
    expect(fixture.delays).toEqual([3000, 3000, 3000]);
    expect(report).toMatchObject({ exitCode: 1, billing: true, next: "render-remote audit --destroy" });
    expect(report.instances.map((i) => [i.id, i.status])).toEqual([[101, "deleting"]]);
  });

  it("reports a DELETE that keeps answering 5xx as failed, with the instance still billing", async () => {
    fixture = await auditFixture({ instances: [runInstance(101, "run-a")] });
    fixture.fake.fail({ method: "DELETE", path: "/linode/instances/101", status: 502, times: Infinity });
    const report = await audit({ ...fixture.deps, destroy: true, yes: true });
    expect(fixture.fake.requests.filter((r) => r.method === "DELETE")).toHaveLength(5);
    expect(report.destroy?.steps).toEqual([
      {
        target: "instance 101 (render-remote-run-a)",
        outcome: "failed",
        detail: expect.stringContaining("DELETE /linode/instances/101 kept failing (502"),
      },
    ]);
    expect(report).toMatchObject({ exitCode: 1, billing: true, next: "render-remote audit --destroy" });
  });

  it("stops at the first rejected token mid-destroy: exit 2, no further DELETE", async () => {
    fixture = await auditFixture({ instances: [runInstance(101, "run-a"), runInstance(102, "run-b")] });
    fixture.fake.fail({ method: "DELETE", status: 401, times: Infinity, reasons: ["Invalid Token"] });
    const error = await audit({ ...fixture.deps, destroy: true, yes: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditError);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toContain("LINODE_TOKEN was rejected (401: Invalid Token)");
    expect(fixture.fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual(["/linode/instances/101"]);
  });

  it("deletes through the API when the stack's destroy fails, and keeps the stack listed", async () => {
    fixture = await auditFixture({
      instances: [runInstance(101, "run-a")],
      firewalls: [fakeFirewall({ id: 7, tags: ["render-remote", "render-remote-run:run-a"] })],
    });
    await fixture.journal({ runId: "run-a", instanceId: 101 });
    const stacks = new FakeStacks([{ name: "run-a", resourceCount: 2 }], fixture.fake, { destroy: "fail" });
    const report = await audit({ ...fixture.deps, stacks, destroy: true, yes: true });
    expect(stacks.destroyed).toEqual(["run-a"]);
    expect(report.destroy?.steps.map((s) => `${s.target}: ${s.outcome}`)).toEqual([
      "stack run-a: failed",
      "instance 101 (render-remote-run-a): deleted",
      "firewall 7 (firewall7): deleted",
    ]);
    expect(fixture.fake.deleted("instances")).toEqual([101]);
    expect(report.stacks.map((s) => s.name)).toEqual(["run-a"]);
    expect(report.billing).toBe(false);
  });

  it("does not take a stack destroy's success as proof: an instance still there is deleted through the API", async () => {
    fixture = await auditFixture({ instances: [runInstance(101, "run-a")] });
    await fixture.journal({ runId: "run-a", instanceId: 101 });
    const stacks = new FakeStacks([{ name: "run-a", resourceCount: 2 }], fixture.fake, { destroy: "forget" });
    const report = await audit({ ...fixture.deps, stacks, destroy: true, yes: true });
    expect(fixture.fake.deleted("instances")).toEqual([101]);
    expect(report).toMatchObject({ exitCode: 0, billing: false, instances: [], stacks: [] });
  });
});
