import { describe, expect, it } from "vitest";
import type { RunJournal } from "../state/journal.ts";
import { historyFrom } from "./history.ts";
import { DEFAULT_OVERHEAD_SECONDS } from "./predict.ts";

const run = (measured: RunJournal["measured"], kept = false) =>
  ({
    measured,
    ...(kept ? { kept: { toolchain: { node: "node", ffmpeg: "ffmpeg", cores: 2 }, hostPublicKey: "", createdAt: "" } } : {}),
  }) as RunJournal;

describe("historyFrom", () => {
  it("learns the speed from kept servers' --on renders, but not the overhead (they have no provisioning in it)", () => {
    const history = historyFrom(
      [
        run({ iterations: 1000, renderSeconds: 10, vcpus: 2, overheadSeconds: 400 }),
        run({ iterations: 4000, renderSeconds: 10, vcpus: 2, overheadSeconds: 5 }, true),
      ],
      100,
    );
    expect(history.runs).toBe(2);
    expect(history.speedFactor).toBe((0.5 + 2) / 2);
    expect(history.overheadSeconds).toBe(400);
  });

  it("only --on renders measured: the default overhead", () => {
    const history = historyFrom([run({ iterations: 1000, renderSeconds: 10, vcpus: 1, overheadSeconds: 5 }, true)], 100);
    expect(history).toEqual({ speedFactor: 1, overheadSeconds: DEFAULT_OVERHEAD_SECONDS, runs: 1 });
  });

  it("a kept server's render of a few seconds (mostly start-up) does not set the speed; a one-shot run's still does", () => {
    const history = historyFrom(
      [
        run({ iterations: 10, renderSeconds: 1, vcpus: 2, overheadSeconds: 2 }, true),
        run({ iterations: 2000, renderSeconds: 10, vcpus: 2, overheadSeconds: 300 }),
      ],
      100,
    );
    expect(history).toEqual({ speedFactor: 1, overheadSeconds: 300, runs: 1 });
    expect(historyFrom([run({ iterations: 10, renderSeconds: 1, vcpus: 2, overheadSeconds: 2 })], 100).speedFactor).toBe(0.05);
  });
});
