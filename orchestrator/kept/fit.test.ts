import { describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { exitCodeFor } from "../errors.ts";
import { checkFit, DEFAULT_ON_OVERHEAD_SECONDS, doesNotFit, SAFETY_MARGIN_SECONDS } from "./fit.ts";

const base = { renderSeconds: 600, fixedSeconds: 0, frames: 300, fps: 30, typicalOverheadSeconds: 60, marginSeconds: 120 };

describe("checkFit: the render, the worst-case rest and the margin against the time left", () => {
  it("needs render + 3 × the typical overhead + the margin", () => {
    const fit = checkFit({ ...base, leftSeconds: 3600 });
    expect(fit).toMatchObject({ fits: true, needSeconds: 600 + 180 + 120, overheadSeconds: 180, marginSeconds: 120, leftSeconds: 3600 });
    expect(fit.maxFrames).toBe(300); // never more than the spec has
  });

  it("fits exactly at the boundary and not one second less", () => {
    expect(checkFit({ ...base, leftSeconds: 900 }).fits).toBe(true);
    expect(checkFit({ ...base, leftSeconds: 899 }).fits).toBe(false);
  });

  it("what fits: the frames the time left allows at this spec's seconds per frame, beyond its fixed start-up", () => {
    // 2 s per frame beyond 10 s start-up; 1000 s left − 180 overhead − 120 margin − 10 start-up = 690 s → 345 frames
    const fit = checkFit({ ...base, renderSeconds: 10 + 2 * 600, fixedSeconds: 10, frames: 600, leftSeconds: 1000 });
    expect(fit.fits).toBe(false);
    expect(fit.maxFrames).toBe(345);
    expect(fit.maxDurationSeconds).toBe(11.5);
  });

  it("nothing fits when the overhead and the margin alone take the time left", () => {
    const fit = checkFit({ ...base, renderSeconds: 1, leftSeconds: 250 });
    expect(fit).toMatchObject({ fits: false, maxFrames: 0, maxDurationSeconds: 0 });
  });

  it("defaults: the margin, and a typical --on overhead of a minute", () => {
    expect(SAFETY_MARGIN_SECONDS).toBe(120);
    expect(DEFAULT_ON_OVERHEAD_SECONDS).toBe(60);
    const { marginSeconds, ...input } = base;
    expect(checkFit({ ...input, leftSeconds: 3600 }).marginSeconds).toBe(SAFETY_MARGIN_SECONDS);
  });
});

describe("doesNotFit: the refusal", () => {
  it("says the time left, what the spec needs and what would fit; exit 2", () => {
    const fit = checkFit({ ...base, renderSeconds: 10 + 2 * 600, fixedSeconds: 10, frames: 600, leftSeconds: 1000 });
    const error = doesNotFit(fit, { runId: "rr-20261205-abcdef", deadline: "08:55 UTC (2026-12-05)", plan: "2core", frames: 600 });
    expect(error).toBeInstanceOf(BadInputError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.message).toMatch(
      /does not fit on rr-20261205-abcdef before its deadline: 16 min 40 s left until the server deletes itself at 08:55 UTC \(2026-12-05\), and this spec needs ~25 min 10 s \(render ~20 min 10 s on 2core, up to 3 min 00 s for upload, download and cleanup, 2 min 00 s margin\)\. Nothing was uploaded\./,
    );
    expect(error.message).toMatch(/at most 345 of its 600 frames at this size \(12 s of animation\)/);
    expect(error.message).toMatch(/render-remote down rr-20261205-abcdef, then render-remote up --plan/);
  });

  it("says when not even a short render fits", () => {
    const fit = checkFit({ ...base, leftSeconds: 100 });
    const error = doesNotFit(fit, { runId: "rr-20261205-abcdef", deadline: "x", plan: "2core", frames: 300 });
    expect(error.message).toMatch(/Not even a short render fits/);
    expect(error.message).not.toMatch(/at most/);
  });
});
