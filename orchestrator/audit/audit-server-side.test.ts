import { afterEach, expect, it } from "vitest";
import { RUN_TOKEN_SCOPES } from "../cloud/run-token.ts";
import { readJournal } from "../state/journal.ts";
import { audit } from "./audit.ts";
import { auditFixture, runInstance, type AuditFixture } from "./testing/audit-fixture.ts";

/**
 * Test 5 of issue 15: the audit knows about the server-side deadline. The
 * fixture's clock is 2026-11-24 12:00 UTC; the fake Linode API checks token
 * expiry on the real clock, so a token made here is valid for both.
 */
let fixture: AuditFixture;
afterEach(() => fixture.cleanup());

async function scene() {
  fixture = await auditFixture({ instances: [runInstance(701, "rr-late"), runInstance(702, "rr-away")] });
  await fixture.journal({ runId: "rr-late", instanceId: 701, deadline: "2026-11-24T11:00:00.000Z", clientPid: 4_000_001 });
  await fixture.journal({ runId: "rr-away", instanceId: 702, deadline: "2026-11-24T14:05:00.000Z", clientPid: 4_000_002, stage: "render" });
  const live = await fixture.client.createToken({
    label: "render-remote-run:rr-away",
    scopes: RUN_TOKEN_SCOPES,
    expiry: new Date(Date.now() + 3_600_000),
  });
  const mine = await fixture.client.createToken({
    label: "my-laptop",
    scopes: "linodes:read_only",
    expiry: new Date(Date.now() + 3_600_000),
  });
  // expired at the audit's clock (Linode still lists it until it drops it): not reported, not revoked
  fixture.fake.tokens.list.push({
    id: 5,
    label: "render-remote-run:old",
    scopes: RUN_TOKEN_SCOPES,
    expiry: "2026-11-24T11:30:00",
    created: "2026-11-24T10:00:00",
    token: "f".repeat(64),
  });
  return { live, mine };
}

it("reports a run rendering with its client gone, a server past its deadline, and a valid run token", async () => {
  const { live } = await scene();
  const report = await audit({ ...fixture.deps, clientAlive: () => false });
  expect(report.serverSide).toEqual({
    detached: [{ runId: "rr-away", instanceId: 702, stage: "render", deadline: "2026-11-24T14:05:00.000Z" }],
    pastDeadline: [{ runId: "rr-late", instanceId: 701, deadline: "2026-11-24T11:00:00.000Z" }],
    runTokens: [{ id: live.id, label: "render-remote-run:rr-away", expiry: live.expiry, runId: "rr-away" }],
  });
  const text = fixture.stdout.text;
  expect(text).toContain(
    "Run rr-away is rendering with its client gone; attach with `render-remote attach rr-away`; it deletes itself at 14:05 UTC.",
  );
  expect(text).toContain(
    "Server 701 of run rr-late is still there after its deadline, 11:00 UTC: its watchdog failed. Delete it: render-remote audit --destroy",
  );
  expect(text).toMatch(new RegExp(`Run tokens still valid .*revokes them:\\n  ${live.id}  render-remote-run:rr-away  expires \\S+ UTC\\n`));
  expect(text).not.toContain(live.token);
  expect(text).not.toContain("render-remote-run:old");
  expect(text).not.toContain("my-laptop");
  expect(report.exitCode).toBe(1);
});

it("a run whose client is still there is not reported as gone", async () => {
  await scene();
  const report = await audit({ ...fixture.deps, clientAlive: (pid) => pid === 4_000_002 });
  expect(report.serverSide?.detached).toEqual([]);
  expect(report.serverSide?.pastDeadline.map((r) => r.runId)).toEqual(["rr-late"]); // past its deadline whatever the client does
});

it("--destroy deletes the server past its deadline and revokes the run token, and nothing that is not a run's", async () => {
  const { live, mine } = await scene();
  const report = await audit({ ...fixture.deps, clientAlive: () => false, destroy: true, yes: true });
  expect(fixture.fake.deleted("instances").sort()).toEqual([701, 702]);
  expect(report.destroy?.steps).toContainEqual({ target: `run token ${live.id} (render-remote-run:rr-away)`, outcome: "deleted" });
  expect(fixture.fake.tokens.list.map((t) => t.label).sort()).toEqual(["my-laptop", "render-remote-run:old"]);
  expect(fixture.fake.requests.filter((r) => r.method === "DELETE" && r.path.startsWith("/profile/tokens/")).map((r) => r.path)).toEqual([
    `/profile/tokens/${live.id}`,
  ]);
  expect(fixture.fake.tokens.list.find((t) => t.id === mine.id)).toBeDefined();
  expect(report.serverSide).toBeUndefined();
  expect(report.exitCode).toBe(0);
  expect((await readJournal("rr-late", fixture.env))?.status).toBe("destroyed");
});

it("a token that may not list tokens (403) makes a warning, not a failed audit", async () => {
  await scene();
  fixture.fake.fail({ method: "GET", path: "/profile/tokens", exact: true, status: 403, reasons: ["Unauthorized"] });
  const report = await audit({ ...fixture.deps, clientAlive: () => false });
  expect(report.warnings).toContainEqual(
    expect.stringMatching(/^Run tokens not checked: LINODE_TOKEN may not GET \/profile\/tokens \(403: Unauthorized\)/),
  );
  expect(report.serverSide?.runTokens).toEqual([]);
});

it("lists kept servers (render-remote up) with their deadline, time left and cost so far, and flags an expired one as a leftover with its down command", async () => {
  fixture = await auditFixture({
    instances: [
      runInstance(801, "rr-kept", { created: "2026-11-24T11:30:00" }),
      runInstance(802, "rr-stale", { created: "2026-11-24T10:30:00" }),
    ],
  });
  const kept = {
    toolchain: { node: "node", ffmpeg: "ffmpeg", cores: 2 },
    hostPublicKey: "ssh-ed25519 AAAA",
    createdAt: "2026-11-24T11:30:00.000Z",
  };
  await fixture.journal({
    runId: "rr-kept",
    instanceId: 801,
    stage: "kept",
    watchdog: "armed",
    deadline: "2026-11-24T12:25:00.000Z",
    clientPid: 4_000_003,
    kept,
  });
  await fixture.journal({
    runId: "rr-stale",
    instanceId: 802,
    stage: "kept",
    watchdog: "armed",
    deadline: "2026-11-24T11:25:00.000Z",
    clientPid: 4_000_004,
    kept: { ...kept, createdAt: "2026-11-24T10:30:00.000Z" },
  });
  const report = await audit({ ...fixture.deps, clientAlive: () => false });
  // neither is "detached" (nothing to attach to) nor a run past its deadline: they are kept servers
  expect(report.serverSide).toMatchObject({
    detached: [],
    pastDeadline: [],
    kept: [
      { runId: "rr-kept", instanceId: 801, deadline: "2026-11-24T12:25:00.000Z", costSoFar: 0.08, expired: false },
      { runId: "rr-stale", instanceId: 802, deadline: "2026-11-24T11:25:00.000Z", costSoFar: 0.16, expired: true },
    ],
  });
  const text = fixture.stdout.text;
  expect(text).toContain(
    "Kept server rr-kept (instance 801): deletes itself at 12:25 UTC (25m left); $0.08 so far. Remove it now: render-remote down rr-kept",
  );
  expect(text).toContain(
    "Leftover: kept server rr-stale (instance 802) is still there after its deadline, 11:25 UTC (expired 35m ago): its watchdog failed; $0.16 so far. Delete it: render-remote down rr-stale",
  );
  expect(report.exitCode).toBe(1); // they bill: audit's meaning is unchanged
});
