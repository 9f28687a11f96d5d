import { describe, expect, it } from "vitest";
import { fallbackPlans, plansFromTypes } from "../cloud/prices.ts";
import { fakeFirewall, fakeInstance, fakeTypes } from "../cloud/testing/fake-linode-api.ts";
import type { AuditSources } from "./audit-collect.ts";
import { formatAuditReport, formatRunVerdict } from "./audit-format.ts";
import { reconcile, runIdFromTags } from "./audit-reconcile.ts";
import { journalEntry } from "./testing/audit-fixture.ts";

/** Reconciling is pure: every disagreement between the three sources is checked here as data. */
const now = new Date("2026-11-24T12:00:00Z");
const sources = (parts: Partial<AuditSources>): AuditSources => ({
  instances: [],
  untaggedKnown: [],
  firewalls: [],
  journals: [],
  stacks: [],
  prices: plansFromTypes(fakeTypes(1) as never),
  account: undefined,
  warnings: [],
  ...parts,
});
const tags = (run: string) => ["render-remote", `render-remote-run:${run}`];

describe("reconcile", () => {
  it("reads the run id from the run tag", () => {
    expect(runIdFromTags(["render-remote", "render-remote-run:20261124-abc"])).toBe("20261124-abc");
    expect(runIdFromTags(["render-remote"])).toBeUndefined();
  });

  it("bills a fresh instance one full hour, and stops at the monthly cap", () => {
    const report = reconcile(
      sources({
        instances: [
          fakeInstance({ id: 1, tags: tags("a"), created: "2026-11-24T11:59:00" }),
          fakeInstance({ id: 2, tags: tags("b"), created: "2026-01-01T00:00:00" }),
        ],
      }),
      { now },
    );
    const [fresh, old] = report.instances;
    expect([fresh.startedHours, fresh.costSoFar]).toEqual([1, 0.05]); // $0.054 rounds to 5 cents
    expect(old.startedHours).toBe(327 * 24 + 12);
    expect(old.costSoFar).toBe(Math.round(0.054 * 730 * 100) / 100);
  });

  it("prices from the fallback table when the API could not be read, and from the journal for unknown types", () => {
    const journal = journalEntry({ runId: "c", instanceId: 3, hourly: 9.99 });
    const report = reconcile(
      sources({
        prices: fallbackPlans("offline"),
        journals: [journal],
        instances: [fakeInstance({ id: 3, type: "g9-new-1", tags: tags("c") })],
      }),
      { now },
    );
    expect(report.instances[0].hourly).toBe(9.99);
    expect(report.prices.source).toBe("fallback");
  });

  it("lists a stack still holding resources without any instance, and does not mark its journal", () => {
    const report = reconcile(
      sources({
        journals: [journalEntry({ runId: "d", status: "destroy-failed" })],
        stacks: [
          { name: "d", resourceCount: 1 },
          { name: "empty", resourceCount: 0 },
        ],
        firewalls: [fakeFirewall({ id: 9, tags: tags("d") })],
      }),
      { now },
    );
    expect(report).toMatchObject({ billing: false, exitCode: 0, next: "render-remote audit --destroy" });
    expect(report.stacks).toEqual([{ name: "d", resourceCount: 1, runId: "d" }]);
    expect(report.firewalls[0].knownBy).toEqual(["account", "journal", "stack"]);
    expect(report.ghosts.map((g) => g.action)).toEqual(["report"]);
  });

  it("narrows to one run for auditRun, and says what is left without an instance", () => {
    const report = reconcile(
      sources({
        instances: [fakeInstance({ id: 1, tags: tags("other") })],
        firewalls: [fakeFirewall({ id: 9, label: "fw", tags: tags("e") })],
      }),
      { now, runId: "e" },
    );
    expect(report.instances).toEqual([]);
    expect(formatRunVerdict(report)).toBe(
      "nothing left billing, but run e left: firewall 9 fw. Remove it with: render-remote audit --destroy --yes",
    );
  });

  it("prints warnings and the fallback date for people", () => {
    const text = formatAuditReport(
      reconcile(sources({ prices: fallbackPlans("offline"), warnings: ["Could not list the local Pulumi stacks (x)"] }), { now }),
    );
    expect(text).toContain("Prices from the fallback table dated 2026-11-01.");
    expect(text).toContain("Warning: Could not list the local Pulumi stacks (x)");
  });
});

describe("reconcile: which sources know each resource", () => {
  it("a stack counts for the run it is named after, or whose journal names it; never for another run's", () => {
    const report = reconcile(
      sources({
        journals: [
          journalEntry({ runId: "a", instanceId: 1, stack: { name: "custom-a", backendUrl: "file:///tmp/pulumi" } }),
          journalEntry({ runId: "b", instanceId: 2 }),
        ],
        stacks: [{ name: "custom-a", resourceCount: 2 }],
        instances: [
          fakeInstance({ id: 1, tags: tags("a") }),
          fakeInstance({ id: 2, tags: tags("b") }),
          fakeInstance({ id: 3, tags: tags("c") }),
        ],
      }),
      { now },
    );
    expect(report.instances.map((i) => [i.id, i.knownBy])).toEqual([
      [1, ["account", "journal", "stack"]], // through its journal's stack name
      [2, ["account", "journal"]], // run b's stack holds nothing
      [3, ["account"]], // an orphan: neither a journal nor a stack of its own
    ]);
    expect(report.stacks).toEqual([{ name: "custom-a", resourceCount: 2, runId: "a" }]);
  });

  it("a stack named after the run counts without a journal; an empty one does not count", () => {
    const report = reconcile(
      sources({
        journals: [journalEntry({ runId: "b", stack: { name: "custom-b", backendUrl: "file:///tmp/pulumi" } })],
        stacks: [
          { name: "a", resourceCount: 1 },
          { name: "custom-b", resourceCount: 0 },
        ],
        firewalls: [fakeFirewall({ id: 8, tags: tags("a") }), fakeFirewall({ id: 9, tags: tags("b") })],
      }),
      { now },
    );
    expect(report.firewalls.map((f) => [f.id, f.knownBy])).toEqual([
      [8, ["account", "stack"]],
      [9, ["account", "journal"]],
    ]);
  });

  it("a firewall of a run without a journal is not attributed to a journal that has no instance id yet", () => {
    const report = reconcile(
      sources({
        journals: [journalEntry({ runId: "p", status: "provisioning", instanceId: undefined })],
        firewalls: [fakeFirewall({ id: 9, tags: tags("q") })],
      }),
      { now },
    );
    expect(report.firewalls[0]).toMatchObject({ runId: "q", knownBy: ["account"] });
  });

  it("a journal whose instance id is listed is no ghost, even when that instance carries another run's tag", () => {
    const report = reconcile(
      sources({ journals: [journalEntry({ runId: "a", instanceId: 5 })], instances: [fakeInstance({ id: 5, tags: tags("b") })] }),
      { now },
    );
    expect(report.ghosts).toEqual([]);
  });
});
