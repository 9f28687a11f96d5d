// The WASM kernel's first pass (see kernel-wat.ts): every pixel's first block
// of `unroll` checks, two pixels per f64x2 vector, `pairs` vectors per loop
// turn, straight-line code with no data-dependent branch. Most pixels of a
// typical frame escape there (79 % of the spiral's within 4 checks), and
// settling them here costs a fraction of a lane refill with its mispredicted
// branches. Survivors go to a list, with their z after the block, for the
// lane-refill loop: SURVIVOR_SIZE bytes each (layout.ts).
//
// A turn's pixels are consecutive in the stream, so pixel 2q + j of a turn is
// `base + 2q + j`, their counts are stored four at a time, and when the turn
// lies in one row its real parts are two vector loads away.

import { SURVIVOR_SIZE, UNSURE_FLAG } from "./layout.ts";

export function prepassWat({ unroll, pairs }: { unroll: number; pairs: number }): string {
  const P = [...Array(pairs).keys()];
  const get = (name: string) => `(local.get $${name})`;

  // the stream's next pixel, in scalars: its row may end inside the turn
  const fetchScalar = (name: string) => `
      (local.set $${name}x (f64.load (i32.add ${get("rePtr")} (i32.shl ${get("col")} (i32.const 3)))))
      (local.set $${name}y (f64.load ${get("imPtr")}))
      (local.set $col (i32.add ${get("col")} (i32.const 1)))
      (local.set $wrap (i32.eq ${get("col")} ${get("width")}))
      (local.set $col (select (i32.const 0) ${get("col")} ${get("wrap")}))
      (local.set $imPtr (i32.add ${get("imPtr")} (i32.shl ${get("wrap")} (i32.const 3))))`;

  // the turn's c-plane points p (px, py per vector): two loads per vector within a row, lane by lane across a row's end
  const fetch = (qs: number[]) => {
    const lanes = 2 * qs.length;
    const slow = qs
      .map(
        (q) => `${fetchScalar("s0")} ${fetchScalar("s1")}
      (local.set $px${q} (f64x2.replace_lane 1 (f64x2.splat ${get("s0x")}) ${get("s1x")}))
      (local.set $py${q} (f64x2.replace_lane 1 (f64x2.splat ${get("s0y")}) ${get("s1y")}))`,
      )
      .join("");
    return `
      (if (i32.le_s (i32.add ${get("col")} (i32.const ${lanes})) ${get("width")})
        (then
          (local.set $slot (i32.add ${get("rePtr")} (i32.shl ${get("col")} (i32.const 3))))
          (local.set $py0 (v128.load64_splat ${get("imPtr")}))
          ${qs.map((q) => `(local.set $px${q} (v128.load offset=${16 * q} ${get("slot")}))`).join(" ")}
          ${qs
            .slice(1)
            .map((q) => `(local.set $py${q} ${get("py0")})`)
            .join(" ")}
          (local.set $col (i32.add ${get("col")} (i32.const ${lanes})))
          (local.set $wrap (i32.eq ${get("col")} ${get("width")}))
          (local.set $col (select (i32.const 0) ${get("col")} ${get("wrap")}))
          (local.set $imPtr (i32.add ${get("imPtr")} (i32.shl ${get("wrap")} (i32.const 3)))))
        (else ${slow}))`;
  };

  // z0 = p*p + c per lane, exactly the scalar kernel's operations; then `unroll` checked steps
  // s counts the checks since the lane first passed the limit; h keeps the norm of that first crossing
  // (the latest norm until then). A crossing not above $sure (seed-escape.ts) falls in the band only the
  // seed's hypot decides: the pixel is flagged for the host to count exactly
  const iterate = (q: number) => {
    const step = (k: number) => `
      (local.set $a${q} (f64x2.mul ${get(`x${q}`)} ${get(`x${q}`)}))
      (local.set $b${q} (f64x2.mul ${get(`y${q}`)} ${get(`y${q}`)}))
      (local.set $norm (f64x2.add ${get(`a${q}`)} ${get(`b${q}`)}))
      (local.set $h${q} ${k === 0 ? get("norm") : `(v128.bitselect ${get(`h${q}`)} ${get("norm")} ${get(`e${q}`)})`})
      (local.set $e${q} ${k === 0 ? "" : `(v128.or ${get(`e${q}`)}`} (f64x2.gt ${get("norm")} ${get("lim")})${k === 0 ? "" : ")"})
      (local.set $s${q} ${k === 0 ? `(i64x2.neg ${get(`e${q}`)})` : `(i64x2.sub ${get(`s${q}`)} ${get(`e${q}`)})`})
      (local.set $y${q} (f64x2.add (f64x2.mul (f64x2.add ${get(`x${q}`)} ${get(`x${q}`)}) ${get(`y${q}`)}) ${get("ci")}))
      (local.set $x${q} (f64x2.add (f64x2.sub ${get(`a${q}`)} ${get(`b${q}`)}) ${get("cr")}))`;
    return `
      (local.set $x${q} (f64x2.add (f64x2.sub (f64x2.mul ${get(`px${q}`)} ${get(`px${q}`)}) (f64x2.mul ${get(`py${q}`)} ${get(`py${q}`)})) ${get("cr")}))
      (local.set $y${q} (f64x2.add (f64x2.mul (f64x2.add ${get(`px${q}`)} ${get(`px${q}`)}) ${get(`py${q}`)}) ${get("ci")}))
      ${[...Array(unroll).keys()].map(step).join("")}`;
  };

  // vector q: count = checks passed (s counts the failed ones), capped at max; a lane that
  // passed them all with iterations left survives; the rest add count + 1 to the work
  const settle = (q: number) => `
      (local.set $h${q} (v128.and ${get(`e${q}`)} (f64x2.le ${get(`h${q}`)} ${get("sureV")})))
      (local.set $s${q} (i64x2.sub ${get("unrollV")} ${get(`s${q}`)}))
      (local.set $s${q} (v128.bitselect ${get("maxV")} ${get(`s${q}`)} (i64x2.gt_s ${get(`s${q}`)} ${get("maxV")})))
      (local.set $e${q} (v128.and (i64x2.eq ${get(`s${q}`)} ${get("unrollV")}) (i64x2.lt_s ${get(`s${q}`)} ${get("maxV")})))
      (local.set $workV (i64x2.add ${get("workV")} (v128.andnot (i64x2.add ${get(`s${q}`)} ${get("oneV")}) ${get(`e${q}`)})))
      (local.set $s${q} (v128.or ${get(`s${q}`)} (v128.and ${get(`h${q}`)} ${get("flagV")})))
      (local.set $unsureV (v128.or ${get("unsureV")} ${get(`h${q}`)}))`;

  // the counts of vectors q and q + 1 (the low halves of their i64 lanes) as four i32s
  const low32 = "0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27";
  const storeCounts = (qs: number[]) =>
    qs
      .filter((q) => q % 2 === 0)
      .map((q) =>
        q + 1 < qs.length
          ? `(v128.store offset=${8 * q} ${get("out")} (i8x16.shuffle ${low32} ${get(`s${q}`)} ${get(`s${q + 1}`)}))`
          : `(v128.store64_lane offset=${8 * q} 0 ${get("out")} (i8x16.shuffle ${low32} ${get(`s${q}`)} ${get(`s${q}`)}))`,
      )
      .join("\n      ");

  // lane j of vector q: written to the survivor list's next slot, which it keeps only if alive
  const survive = (q: number, j: number) => {
    const pair = j === 0 ? "0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23" : "8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31";
    return `
      (local.set $slot (i32.add ${get("survivorPtr")} (i32.mul ${get("survivors")} (i32.const ${SURVIVOR_SIZE}))))
      (v128.store ${get("slot")} (i8x16.shuffle ${pair} ${get(`x${q}`)} ${get(`y${q}`)}))
      (i64.store offset=16 ${get("slot")} (i64.add ${get("tag")} (i64.const ${2 * q + j})))
      (local.set $survivors (i32.sub ${get("survivors")} (i32.wrap_i64 (i64x2.extract_lane ${j} ${get(`e${q}`)}))))`;
  };

  const turn = (qs: number[]) => `${fetch(qs)}
      ${qs.map(iterate).join("")}
      ${qs.map(settle).join("")}
      (local.set $out (i32.add ${get("outPtr")} (i32.shl ${get("next")} (i32.const 2))))
      ${storeCounts(qs)}
      ;; survivor tag: pixel index (low half), one block done (high half)
      (local.set $tag (i64.or (i64.extend_i32_u ${get("next")}) (i64.const 0x100000000)))
      ${qs.map((q) => survive(q, 0) + survive(q, 1)).join("")}
      (local.set $next (i32.add ${get("next")} (i32.const ${2 * qs.length})))`;

  return `
  ;; Runs the first block of every pixel; leaves the survivors in the list.
  (func $prepass
    (local $cr v128) (local $ci v128) (local $lim v128) (local $wrap i32) (local $slot i32) (local $out i32) (local $tag i64)
    (local $unrollV v128) (local $maxV v128) (local $oneV v128) (local $workV v128)
    (local $norm v128) (local $sureV v128) (local $flagV v128) (local $unsureV v128)
    (local $s0x f64) (local $s0y f64) (local $s1x f64) (local $s1y f64)
    ;; the stream, the totals and the run's constants live in locals here: V8 reloads globals at every use
    (local $next i32) (local $col i32) (local $imPtr i32) (local $survivors i32) (local $work f64)
    (local $rePtr i32) (local $width i32) (local $outPtr i32) (local $survivorPtr i32) (local $count i32)
    ${P.map((q) => `(local $x${q} v128) (local $y${q} v128) (local $a${q} v128) (local $b${q} v128) (local $e${q} v128) (local $s${q} v128) (local $h${q} v128) (local $px${q} v128) (local $py${q} v128)`).join("\n    ")}
    (local.set $cr (f64x2.splat (global.get $cRe)))
    (local.set $ci (f64x2.splat (global.get $cIm)))
    (local.set $lim (f64x2.splat (global.get $lim)))
    (local.set $sureV (f64x2.splat (global.get $sure)))
    (local.set $flagV (i64x2.splat (i64.const ${UNSURE_FLAG})))
    (local.set $unrollV (i64x2.splat (i64.const ${unroll})))
    (local.set $maxV (i64x2.splat (i64.extend_i32_s (global.get $max))))
    (local.set $oneV (i64x2.splat (i64.const 1)))
    (local.set $next (global.get $next)) (local.set $col (global.get $col)) (local.set $imPtr (global.get $imPtr))
    (local.set $rePtr (global.get $rePtr)) (local.set $width (global.get $width)) (local.set $outPtr (global.get $outPtr))
    (local.set $survivorPtr (global.get $survivorPtr)) (local.set $count (global.get $count))
    (local.set $work (global.get $work))
    (block $done (loop $turns
      (br_if $done (i32.gt_s (i32.add ${get("next")} (i32.const ${2 * pairs})) ${get("count")}))
      ${turn(P)}
      (br $turns)))
    (block $done (loop $pairs
      (br_if $done (i32.gt_s (i32.add ${get("next")} (i32.const 2)) ${get("count")}))
      ${turn([0])}
      (br $pairs)))
    (local.set $work (f64.add ${get("work")} (f64.convert_i64_u (i64.add (i64x2.extract_lane 0 ${get("workV")}) (i64x2.extract_lane 1 ${get("workV")})))))
    ;; an odd last pixel joins the survivors with no block done
    (if (i32.lt_s ${get("next")} ${get("count")})
      (then
        ${fetchScalar("s0")}
        (local.set $slot (i32.add ${get("survivorPtr")} (i32.mul ${get("survivors")} (i32.const ${SURVIVOR_SIZE}))))
        (f64.store ${get("slot")}
          (f64.add (f64.sub (f64.mul ${get("s0x")} ${get("s0x")}) (f64.mul ${get("s0y")} ${get("s0y")})) (global.get $cRe)))
        (f64.store offset=8 ${get("slot")} (f64.add (f64.mul (f64.add ${get("s0x")} ${get("s0x")}) ${get("s0y")}) (global.get $cIm)))
        (i32.store offset=16 ${get("slot")} ${get("next")})
        (i32.store offset=20 ${get("slot")} (i32.const 0))
        (local.set $next (i32.add ${get("next")} (i32.const 1)))
        (local.set $survivors (i32.add ${get("survivors")} (i32.const 1)))))
    (if (v128.any_true ${get("unsureV")}) (then (global.set $unsure (i32.const 1))))
    (global.set $next ${get("next")}) (global.set $col ${get("col")}) (global.set $imPtr ${get("imPtr")})
    (global.set $survivors ${get("survivors")}) (global.set $work ${get("work")}))`;
}
