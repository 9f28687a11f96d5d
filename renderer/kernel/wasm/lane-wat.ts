// Per-lane WAT for the SIMD loop in kernel-wat.ts: settling a lane and
// refilling it with the next pixel. Generated once per lane because WASM
// lane indices (extract_lane / replace_lane) must be constants.
//
// Lane l lives in vector v = l >> 1, lane j = l & 1. Its bookkeeping is in
// memory (only this rare path uses it, and as locals V8 would spill them on
// every block): pixel index in the chunk (-1 when parked), the block it started
// at, its deadline block (maxIterations or the next Brent checkpoint), and its
// Brent checkpoint in blocks since the start.

import { I32_MAX, SURVIVOR_SIZE } from "./layout.ts";

/** The address of a field of vector v's record, or of lane l's bookkeeping. */
export type VectorAddress = (v: number, field: "box" | "sx" | "sy" | "deadline") => number;
export type LaneAddress = (lane: number, field: "pix" | "b0" | "dl" | "cp") => number;

/**
 * Writes a finished pixel's count and adds count + 1 to the loop's work total ($work, a local).
 * With `unsure` (an i32 expression, 1 or 0) the count carries UNSURE_FLAG and $unsure is set.
 */
const record = (pixel: string, count: string, unsure?: string) => `
            (local.set $n ${count})
            (i32.store (i32.add (local.get $outPtr) (i32.shl ${pixel} (i32.const 2)))
              ${unsure ? `(i32.or (local.get $n) (i32.shl (local.tee $k ${unsure}) (i32.const 31)))` : "(local.get $n)"})
            ${unsure ? "(local.set $unsure (i32.or (local.get $unsure) (local.get $k)))" : ""}
            (local.set $work (f64.add (local.get $work) (f64.convert_i32_u (i32.add (local.get $n) (i32.const 1)))))`;

/**
 * `passed(v, j)` is a WAT expression for how many of the block's checks the lane
 * passed before escaping (unroll when it did not escape: trapped or at a deadline);
 * `unsure(v, j)` whether that escape fell in the band the seed's hypot decides;
 * `flags(v)` the vector's lanes that are done (escaped or in their box).
 */
export function laneWat({
  lane,
  unroll,
  at,
  laneAt,
  brent,
  passed,
  unsure,
  flags,
}: {
  lane: number;
  unroll: number;
  at: VectorAddress;
  laneAt: LaneAddress;
  brent: boolean;
  passed: (v: number, j: number) => string;
  unsure: (v: number, j: number) => string;
  flags: (v: number) => string;
}): { refill: string; settle: string } {
  const v = lane >> 1;
  const j = lane & 1;
  const slot = (field: Parameters<VectorAddress>[1]) => at(v, field) + 8 * j;
  const get = (field: Parameters<LaneAddress>[1]) => `(i32.load (i32.const ${laneAt(lane, field)}))`;
  const set = (field: Parameters<LaneAddress>[1], value: string) => `(i32.store (i32.const ${laneAt(lane, field)}) ${value})`;

  // an empty Brent slot: NaN bounds never match
  const emptyBrentSlot = [0, 16, 32, 48].map((offset) => `(f64.store (i32.const ${slot("box") + offset}) (f64.const nan))`).join(" ");

  // the next survivor of the first pass (prepass-wat.ts): its z and the blocks it has done
  const refill = `
    (if (i32.lt_s (local.get $next) (local.get $survivors))
      (then
        (local.set $n (i32.add (local.get $survivorPtr) (i32.mul (local.get $next) (i32.const ${SURVIVOR_SIZE}))))
        (local.set $x${v} (f64x2.replace_lane ${j} (local.get $x${v}) (f64.load (local.get $n))))
        (local.set $y${v} (f64x2.replace_lane ${j} (local.get $y${v}) (f64.load offset=8 (local.get $n))))
        ${set("pix", "(i32.load offset=16 (local.get $n))")}
        ${set("b0", "(i32.sub (local.get $B) (i32.load offset=20 (local.get $n)))")}
        ${set("cp", "(i32.const 1)")}
        ${set("dl", `(i32.add ${get("b0")} (local.get $firstDeadline))`)}
        ${brent ? emptyBrentSlot : ""}
        (local.set $next (i32.add (local.get $next) (i32.const 1))))
      (else
        ;; no pixels left: park the lane on NaN, which never flags
        ${set("pix", "(i32.const -1)")}
        ${set("dl", `(i32.const ${I32_MAX})`)}
        (local.set $x${v} (f64x2.replace_lane ${j} (local.get $x${v}) (f64.const nan)))
        (local.set $y${v} (f64x2.replace_lane ${j} (local.get $y${v}) (f64.const nan)))
        (local.set $active (i32.sub (local.get $active) (i32.const 1)))))`;

  // Brent: z becomes the lane's saved value (box lo = hi = z); the next checkpoint is twice as far
  const brentSave = `
    (f64.store (i32.const ${slot("box")}) (f64x2.extract_lane ${j} (local.get $x${v})))
    (f64.store (i32.const ${slot("box") + 16}) (f64x2.extract_lane ${j} (local.get $x${v})))
    (f64.store (i32.const ${slot("box") + 32}) (f64x2.extract_lane ${j} (local.get $y${v})))
    (f64.store (i32.const ${slot("box") + 48}) (f64x2.extract_lane ${j} (local.get $y${v})))
    ${set("cp", `(i32.shl ${get("cp")} (i32.const 1))`)}
    ${set(
      "dl",
      `(i32.add ${get("b0")}
      (select ${get("cp")} (local.get $maxBlocks) (i32.lt_s ${get("cp")} (local.get $maxBlocks))))`,
    )}`;

  const settle = `
    (if (i32.ge_s ${get("pix")} (i32.const 0))
      (then
        (if (i64.ne (i64x2.extract_lane ${j} ${flags(v)}) (i64.const 0))
          (then
            ;; escaped or trapped in this block: the checks it passed give the exact count
            (local.set $k ${passed(v, j)})
            (local.set $n (i32.add (local.get $k)
              (i32.mul (i32.sub (i32.sub (local.get $B) ${get("b0")}) (i32.const 1)) (i32.const ${unroll}))))
            ${record(
              get("pix"),
              `(select (local.get $n) (local.get $max)
                (i32.and (i32.lt_u (local.get $k) (i32.const ${unroll})) (i32.lt_s (local.get $n) (local.get $max))))`,
              unsure(v, j),
            )}
            ${refill})
          (else
            (if (i32.ge_s (local.get $B) ${get("dl")})
              (then
                (if (i32.ge_s (i32.sub (local.get $B) ${get("b0")}) (local.get $maxBlocks))
                  (then ${record(get("pix"), "(local.get $max)")} ${refill})
                  ${brent ? `(else ${brentSave})` : ""})))))))`;

  return { refill, settle };
}

/**
 * For blocks checked once at their end: replays vector v's block from its
 * saved first z, both lanes at once and without branches, checking every step
 * as the scalar kernel does; leaves in $alive the checks each lane passed, and
 * in $amb the lanes whose crossing fell in the band only the seed's hypot decides.
 */
export function replayWat({ v, unroll, at }: { v: number; unroll: number; at: VectorAddress }): string {
  const step = `
      (local.set $ra (f64x2.mul (local.get $rx) (local.get $rx)))
      (local.set $rb (f64x2.mul (local.get $ry) (local.get $ry)))
      (local.set $rn (f64x2.add (local.get $ra) (local.get $rb)))
      ;; $amb: each lane's norm at its crossing (the latest norm while it is live)
      (local.set $amb (v128.bitselect (local.get $rn) (local.get $amb) (local.get $live)))
      (local.set $live (v128.andnot (local.get $live) (f64x2.gt (local.get $rn) (local.get $lim))))
      (local.set $alive (i64x2.sub (local.get $alive) (local.get $live)))
      (local.set $ry (f64x2.add (f64x2.mul (f64x2.add (local.get $rx) (local.get $rx)) (local.get $ry)) (local.get $ci)))
      (local.set $rx (f64x2.add (f64x2.sub (local.get $ra) (local.get $rb)) (local.get $cr)))`;
  return `
      (local.set $rx (v128.load (i32.const ${at(v, "sx")})))
      (local.set $ry (v128.load (i32.const ${at(v, "sy")})))
      (local.set $live (v128.const i64x2 -1 -1))
      (local.set $alive (v128.const i64x2 0 0))
      ${Array(unroll).fill(step).join("")}
      ;; a crossing whose norm is not above $sure fell in the band only the seed's hypot decides
      (local.set $amb (v128.andnot (f64x2.le (local.get $amb) (local.get $sure)) (local.get $live)))`;
}
