import { expect, it } from "vitest";
import type { RunJournal } from "../state/journal.ts";
import { costSoFar, formatRuns, runRow } from "./runs-list.ts";

const cloud: RunJournal = {
  runId: "rr-20261205-abc123",
  plan: "48core",
  type: "g6-dedicated-48",
  region: "us-east",
  startedAt: "2026-12-05T10:00:00.000Z",
  updatedAt: "2026-12-05T10:20:00.000Z",
  hourly: 1.44,
  stack: { name: "rr-20261205-abc123", backendUrl: "file://x" },
  status: "live",
  stage: "render",
  renderState: "rendering",
  outDir: "/home/me/renders",
  deadline: "2026-12-05T11:00:00.000Z",
  watchdog: "armed",
};

it("a cloud row shows the plan, region, state, cost in started hours and the deadline", () => {
  const row = runRow(cloud, new Date("2026-12-05T11:30:00.000Z"));
  expect(row).toEqual({
    id: cloud.runId,
    mode: "cloud",
    plan: "48core (g6-dedicated-48)",
    where: "us-east",
    state: "rendering",
    startedAt: cloud.startedAt,
    outDir: "/home/me/renders",
    costSoFarUsd: 2.88,
    deadline: cloud.deadline,
  });
  expect(runRow({ ...cloud, status: "destroyed" }).state).toBe("torn down");
  expect(runRow({ ...cloud, status: "destroy-failed" }).state).toBe("destroy failed");
  // torn down after 20 minutes: one started hour, whenever `runs` is asked
  expect(costSoFar({ ...cloud, status: "destroyed" }, new Date("2027-01-01T00:00:00Z"))).toBe(1.44);
  expect(formatRuns([row])).toMatch(/deletes itself at 11:00 UTC \(2026-12-05\)[\s\S]*render-remote attach rr-20261205-abc123/);
  // a deadline whose watchdog was never armed is only the plan's: the server does not delete itself
  expect(runRow({ ...cloud, watchdog: "unavailable" }).deadline).toBeNull();
});

it("a target row shows the target and no cost", () => {
  const row = runRow({
    ...cloud,
    mode: "target",
    target: "ssh://me@box:22",
    plan: "target",
    type: "",
    region: "",
    hourly: 0,
    deadline: undefined,
    renderState: "unreachable",
  });
  expect(row).toMatchObject({
    mode: "target",
    plan: "--target",
    where: "ssh://me@box:22",
    state: "unreachable",
    costSoFarUsd: null,
    deadline: null,
  });
  expect(formatRuns([])).toMatch(/No runs yet/);
});

it("a kept server (render-remote up) shows kept, its deadline with the time left, cost since its creation, and `down`; past its deadline it is a leftover", () => {
  const kept: RunJournal = {
    ...cloud,
    stage: "kept",
    renderState: undefined,
    outDir: undefined,
    startedAt: "2026-12-05T09:59:00.000Z",
    deadline: "2026-12-05T10:55:30.000Z",
    kept: {
      toolchain: { node: "node", ffmpeg: "ffmpeg", cores: 48 },
      hostPublicKey: "ssh-ed25519 AAAA",
      createdAt: "2026-12-05T10:00:30.000Z",
    },
  };
  const row = runRow(kept, new Date("2026-12-05T10:30:30.000Z"));
  expect(row).toMatchObject({ state: "kept", costSoFarUsd: 1.44, deadline: kept.deadline, kept: { timeLeft: "25m left", expired: false } });
  expect(formatRuns([row])).toContain(
    `deletes itself at 10:55 UTC (2026-12-05) (25m left); remove it now: render-remote down ${kept.runId}`,
  );
  const late = runRow(kept, new Date("2026-12-05T11:10:30.000Z"));
  expect(late).toMatchObject({ state: "kept, past its deadline: a leftover", costSoFarUsd: 2.88, kept: { expired: true } });
  expect(formatRuns([late])).toContain("(expired 15m ago); remove it now: render-remote down");
  expect(runRow({ ...kept, status: "destroyed" }).kept).toBeUndefined();
});
