// The WebAssembly SIMD escape-time kernel, as a WAT template.
//
// WASM SIMD lane indices and local names must be constants, so the hot loop is
// generated: `vectors` f64x2 vectors (2 pixels each) in flight, `unroll` steps
// per block. A step is z*z + c with x*x - y*y and (x+x)*y: strict IEEE, no FMA.
// Two ways to test escape (chosen per tile by renderer/kernel/persistence.ts):
//  - "step": every step, as the scalar kernel. The mask is OR-ed into a sticky
//    flag and a counter adds the flag, so at the block's end the counter says
//    how many checks the lane passed.
//  - "block": only the block's last z. Exact only when an escaped orbit provably
//    stays escaped for the rest of the block; the exact step then comes from
//    replaying the block (lane-wat.ts). It saves 4 of 11 ops per step.
// At the end of a block each vector is also compared with a trap box
// (renderer/kernel/trap.ts) or, in Brent mode, with its lanes' saved z (box
// bounds lo = hi = saved value). A lane that escaped, was trapped, or reached a
// deadline (maxIterations or a Brent checkpoint) is settled right there by
// per-lane code: its count is written and it takes the next pixel.
// run() first gives every pixel its first block in a branch-free pass
// (prepass-wat.ts); only the survivors reach these lane-refill loops.
//
// Memory (bytes, layout.ts): vector records at VECTOR_BASE (the Brent box and the
// block's first z per vector), trap boxes at BOX_BASE, the caller's data from DATA_BASE.

import {
  BOX_BASE,
  DATA_BASE,
  I32_MAX,
  KERNEL_MODES,
  LANE_BASE,
  LANE_SIZE,
  MAX_BOXES,
  VECTOR_BASE,
  VECTOR_SIZE,
  type KernelMode,
} from "./layout.ts";
import { laneWat, replayWat, type LaneAddress, type VectorAddress } from "./lane-wat.ts";
import { prepassWat } from "./prepass-wat.ts";
import { serviceWat } from "./service-wat.ts";

// box: xLow, xHigh, yLow, yHigh at +0, +16, +32, +48; the block's first z; the vector's next deadline
const FIELDS = { box: 0, sx: 64, sy: 80, deadline: 96 };
const LANE_FIELDS = { pix: 0, b0: 4, dl: 8, cp: 12 };

/** The generated loop's shape: f64x2 vectors in flight, steps per block, blocks between trap tests. */
export interface KernelShape {
  vectors: number;
  unroll: number;
  trapEvery: number;
}

type EscapeCheck = "step" | "block";

export function kernelWat({ vectors = 4, unroll = 4, trapEvery = 2 }: Partial<KernelShape> = {}): string {
  if (trapEvery & (trapEvery - 1)) throw new Error("trapEvery must be a power of 2");
  if (vectors > 24) throw new Error("at most 24 vectors fit the memory layout");
  const V = [...Array(vectors).keys()];
  const L = [...Array(vectors * 2).keys()];
  const at: VectorAddress = (v, field) => VECTOR_BASE + v * VECTOR_SIZE + FIELDS[field];
  const laneAt: LaneAddress = (lane, field) => LANE_BASE + lane * LANE_SIZE + LANE_FIELDS[field];
  const get = (name: string) => `(local.get $${name})`;

  const step = (k: number, check: EscapeCheck) =>
    V.map((v) => {
      const escaped = `(f64x2.gt (f64x2.add ${get(`a${v}`)} ${get(`b${v}`)}) ${get("lim")})`;
      // step checks: s counts the checks since the lane first passed the limit, h keeps the norm of
      // that first crossing (the latest norm until then), as in the first pass (prepass-wat.ts)
      const test =
        check === "step"
          ? `(local.set $norm (f64x2.add ${get(`a${v}`)} ${get(`b${v}`)}))
        (local.set $h${v} ${k === 0 ? get("norm") : `(v128.bitselect ${get(`h${v}`)} ${get("norm")} ${get(`e${v}`)})`})
        (local.set $e${v} ${k === 0 ? "" : `(v128.or ${get(`e${v}`)}`} (f64x2.gt ${get("norm")} ${get("lim")})${k === 0 ? "" : ")"})
        (local.set $s${v} ${k === 0 ? `(i64x2.neg ${get(`e${v}`)})` : `(i64x2.sub ${get(`s${v}`)} ${get(`e${v}`)})`})`
          : k === unroll - 1
            ? `(local.set $e${v} ${escaped})`
            : "";
      return `
        (local.set $a${v} (f64x2.mul ${get(`x${v}`)} ${get(`x${v}`)}))
        (local.set $b${v} (f64x2.mul ${get(`y${v}`)} ${get(`y${v}`)}))
        ${test}
        (local.set $y${v} (f64x2.add (f64x2.mul (f64x2.add ${get(`x${v}`)} ${get(`x${v}`)}) ${get(`y${v}`)}) ${get("ci")}))
        (local.set $x${v} (f64x2.add (f64x2.sub ${get(`a${v}`)} ${get(`b${v}`)}) ${get("cr")}))`;
    }).join("");

  // $t: z in [xLow, xHigh] × [yLow, yHigh]; then the trap box pointer rotates (Brent: boxStep 0)
  const boxTest = V.map(
    (v) => `
        (local.set $t${v} (v128.and
          (v128.and (f64x2.ge ${get(`x${v}`)} (v128.load ${get(`p${v}`)}))
                    (f64x2.le ${get(`x${v}`)} (v128.load offset=16 ${get(`p${v}`)})))
          (v128.and (f64x2.ge ${get(`y${v}`)} (v128.load offset=32 ${get(`p${v}`)}))
                    (f64x2.le ${get(`y${v}`)} (v128.load offset=48 ${get(`p${v}`)})))))
        (local.set $p${v} (i32.add ${get(`p${v}`)} ${get("boxStep")}))
        (local.set $p${v} (select (i32.sub ${get(`p${v}`)} ${get("boxSpan")}) ${get(`p${v}`)}
          (i32.ge_u ${get(`p${v}`)} ${get("boxEnd")})))`,
  ).join("");

  const load = (address: number) => `(i32.load (i32.const ${address}))`;
  const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  const vectorDeadline = (v: number) =>
    `(i32.store (i32.const ${at(v, "deadline")}) ${min(load(laneAt(2 * v, "dl")), load(laneAt(2 * v + 1, "dl")))})`;
  const nextDeadline = `(local.set $E ${V.slice(1).reduce((acc, v) => min(acc, load(at(v, "deadline"))), load(at(0, "deadline")))})`;

  // mode: "none" (no shortcut), "trap" (shared rotating boxes), "brent" (each lane's saved z)
  const loopFunction = (mode: KernelMode, check: EscapeCheck) => {
    // a lane is done when it escaped ($e) or landed in its box ($t: trapped, or Brent's cycle closed)
    const flags = (v: number) => (mode === "none" ? get(`e${v}`) : `(v128.or ${get(`e${v}`)} ${get(`t${v}`)})`);
    const passed = (v: number, j: number) =>
      check === "step"
        ? `(i32.sub (i32.const ${unroll}) (i32.wrap_i64 (i64x2.extract_lane ${j} ${get(`s${v}`)})))`
        : `(i32.wrap_i64 (i64x2.extract_lane ${j} ${get("alive")}))`;
    // whether the lane's escape fell in the band only the seed's hypot decides (then its count is flagged)
    const unsure = (v: number, j: number) =>
      check === "step"
        ? `(i64.ne (i64x2.extract_lane ${j} (v128.and ${get(`e${v}`)} (f64x2.le ${get(`h${v}`)} ${get("sure")}))) (i64.const 0))`
        : `(i64.ne (i64x2.extract_lane ${j} ${get("amb")}) (i64.const 0))`;
    const lanes = L.map((lane) => laneWat({ lane, unroll, at, laneAt, brent: mode === "brent", passed, unsure, flags }));
    return `
  (func $${mode}_${check} (param $brent i32) (param $boxStep i32) (param $boxSpan i32)
    (local $B i32) (local $E i32) (local $maxBlocks i32) (local $firstDeadline i32) (local $boxEnd i32)
    (local $cr v128) (local $ci v128) (local $lim v128) (local $sure v128) (local $norm v128) (local $unsure i32)
    (local $k i32) (local $n i32) (local $work f64) (local $alive v128) (local $live v128) (local $rx v128) (local $ry v128) (local $ra v128) (local $rb v128)
    (local $rn v128) (local $amb v128)
    ${V.map((v) => `(local $x${v} v128) (local $y${v} v128) (local $a${v} v128) (local $b${v} v128) (local $e${v} v128) (local $t${v} v128) (local $s${v} v128) (local $h${v} v128) (local $p${v} i32)`).join("\n    ")}
    ;; run-wide values the lanes' settle and refill code uses, in locals: V8 reloads globals at every use
    (local $outPtr i32) (local $next i32) (local $survivors i32) (local $survivorPtr i32) (local $active i32) (local $max i32)
    (local.set $outPtr (global.get $outPtr)) (local.set $next (global.get $next)) (local.set $survivors (global.get $survivors))
    (local.set $survivorPtr (global.get $survivorPtr)) (local.set $max (global.get $max))
    (local.set $work (global.get $work))
    (local.set $cr (f64x2.splat (global.get $cRe)))
    (local.set $ci (f64x2.splat (global.get $cIm)))
    (local.set $lim (f64x2.splat (global.get $lim)))
    (local.set $sure (f64x2.splat (global.get $sure)))
    ;; a lane reaches maxIterations checks after ceil(max / ${unroll}) blocks
    (local.set $maxBlocks (i32.div_u (i32.add (local.get $max) (i32.const ${unroll - 1})) (i32.const ${unroll})))
    (local.set $firstDeadline (select (i32.const 1) (local.get $maxBlocks) (local.get $brent)))
    (local.set $boxEnd (select (i32.const ${I32_MAX}) (i32.add (i32.const ${BOX_BASE}) (local.get $boxSpan)) (local.get $brent)))
    (local.set $active (i32.const ${L.length}))
    ${V.map((v) => `(local.set $p${v} (select (i32.const ${at(v, "box")}) (i32.const ${BOX_BASE}) (local.get $brent)))`).join("\n    ")}
    ${lanes.map((lane) => lane.refill).join("")}
    ${V.map(vectorDeadline).join("\n    ")}
    ${nextDeadline}
    (block $exit
      (br_if $exit (i32.eqz (local.get $active)))
      (loop $block
        ${check === "block" ? V.map((v) => `(v128.store (i32.const ${at(v, "sx")}) ${get(`x${v}`)}) (v128.store (i32.const ${at(v, "sy")}) ${get(`y${v}`)})`).join("\n        ") : ""}
        ${[...Array(unroll).keys()].map((k) => step(k, check)).join("\n")}
        ${mode === "none" ? "" : mode === "trap" ? `(if (i32.eqz (i32.and (local.get $B) (i32.const ${trapEvery - 1}))) (then ${boxTest}) (else ${V.map((v) => `(local.set $t${v} (v128.const i64x2 0 0))`).join(" ")}))` : boxTest}
        (local.set $B (i32.add (local.get $B) (i32.const 1)))
        ;; one branch for the whole block, so V8 computes all vectors' steps together
        (if (i32.or (v128.any_true ${V.slice(1).reduce((acc, v) => `(v128.or ${acc} ${flags(v)})`, flags(0))})
                    (i32.ge_s (local.get $B) (local.get $E)))
          (then
            ${V.map(
              (v) => `
            (if (i32.or (v128.any_true ${flags(v)}) (i32.ge_s (local.get $B) ${load(at(v, "deadline"))}))
              (then
                ${
                  check === "block"
                    ? `(if (v128.any_true ${get(`e${v}`)}) (then ${replayWat({ v, unroll, at })})
                  (else (local.set $alive (v128.const i64x2 ${unroll} ${unroll})) (local.set $amb (v128.const i64x2 0 0))))`
                    : ""
                }
                ${lanes[2 * v].settle}
                ${lanes[2 * v + 1].settle}
                ${vectorDeadline(v)}))`,
            ).join("")}
            (br_if $exit (i32.eqz (local.get $active)))
            ${nextDeadline}))
        (br $block)))
    (global.set $next (local.get $next))
    (global.set $blocks (local.get $B))
    (global.set $work (local.get $work))
    (global.set $unsure (i32.or (global.get $unsure) (local.get $unsure))))`;
  };

  const modes = KERNEL_MODES;
  return `;; generated by scripts/gen-kernel.mjs from renderer/kernel/wasm/kernel-wat.ts: do not edit
(module
  (memory (export "memory") 2)
  (global (export "lanes") i32 (i32.const ${L.length}))
  (global (export "unroll") i32 (i32.const ${unroll}))
  (global (export "boxBase") i32 (i32.const ${BOX_BASE}))
  (global (export "maxBoxes") i32 (i32.const ${MAX_BOXES}))
  (global (export "dataBase") i32 (i32.const ${DATA_BASE}))
  ;; blocks the last loop took: lanes × unroll × blocks bounds the steps actually computed
  (global $blocks (export "blocks") (mut i32) (i32.const 0))
${serviceWat({ unroll, modes, trapEvery })}
${prepassWat({ unroll, pairs: vectors })}
${modes.map((mode) => loopFunction(mode, "step") + loopFunction(mode, "block")).join("\n")}
)
`;
}
