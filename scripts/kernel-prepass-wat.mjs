// The WASM kernel's first pass (see kernel-wat.mjs): every pixel's first block
// of `unroll` checks, two pixels per f64x2 vector, `pairs` vectors per loop
// turn, straight-line code with no data-dependent branch. Most pixels of a
// typical frame escape there (79 % of the spiral's within 4 checks), and
// settling them here costs a fraction of a lane refill with its mispredicted
// branches. Survivors go to a list, with their z after the block, for the
// lane-refill loop: 24 bytes each (x f64, y f64, pixel i32, blocks done i32).

export const SURVIVOR_SIZE = 24;

export function prepassWat({ unroll, pairs }) {
  const P = [...Array(pairs).keys()];
  const get = (name) => `(local.get $${name})`;

  // lane j of pair q: the next pixel of the stream, branch-free
  const fetch = (q, j) => `
      (local.set $px${q}${j} (f64.load (i32.add (global.get $rePtr) (i32.shl (local.get $col) (i32.const 3)))))
      (local.set $py${q}${j} (f64.load (local.get $imPtr)))
      (local.set $pix${q}${j} (local.get $next))
      (local.set $next (i32.add (local.get $next) (i32.const 1)))
      (local.set $col (i32.add (local.get $col) (i32.const 1)))
      (local.set $wrap (i32.eq (local.get $col) (global.get $width)))
      (local.set $col (select (i32.const 0) (local.get $col) (local.get $wrap)))
      (local.set $imPtr (i32.add (local.get $imPtr) (i32.shl (local.get $wrap) (i32.const 3))))`;

  // z0 = p*p + c per lane, exactly the scalar kernel's operations; then `unroll` checked steps
  const iterate = (q) => {
    const vec = (name) => `(f64x2.replace_lane 1 (f64x2.splat ${get(`${name}${q}0`)}) ${get(`${name}${q}1`)})`;
    const step = (k) => `
      (local.set $a${q} (f64x2.mul ${get(`x${q}`)} ${get(`x${q}`)}))
      (local.set $b${q} (f64x2.mul ${get(`y${q}`)} ${get(`y${q}`)}))
      (local.set $e${q} ${k === 0 ? "" : `(v128.or ${get(`e${q}`)}`} (f64x2.gt (f64x2.add ${get(`a${q}`)} ${get(`b${q}`)}) ${get("lim")})${k === 0 ? "" : ")"})
      (local.set $s${q} ${k === 0 ? `(i64x2.neg ${get(`e${q}`)})` : `(i64x2.sub ${get(`s${q}`)} ${get(`e${q}`)})`})
      (local.set $y${q} (f64x2.add (f64x2.mul (f64x2.add ${get(`x${q}`)} ${get(`x${q}`)}) ${get(`y${q}`)}) ${get("ci")}))
      (local.set $x${q} (f64x2.add (f64x2.sub ${get(`a${q}`)} ${get(`b${q}`)}) ${get("cr")}))`;
    return `
      (local.set $x${q} (f64x2.add (f64x2.sub (f64x2.mul ${vec("px")} ${vec("px")}) (f64x2.mul ${vec("py")} ${vec("py")})) ${get("cr")}))
      (local.set $y${q} (f64x2.add (f64x2.mul (f64x2.add ${vec("px")} ${vec("px")}) ${vec("py")}) ${get("ci")}))
      ${[...Array(unroll).keys()].map(step).join("")}`;
  };

  // lane j of pair q: count = checks passed (capped at max); a lane that passed them all
  // (and has iterations left) is appended to the survivor list instead of being counted
  const settle = (q, j) => `
      (local.set $passed (i32.sub (i32.const ${unroll}) (i32.wrap_i64 (i64x2.extract_lane ${j} ${get(`s${q}`)}))))
      (local.set $result (select ${get("passed")} (global.get $max) (i32.lt_s ${get("passed")} (global.get $max))))
      (local.set $alive (i32.lt_s ${get("result")} (global.get $max)))
      (local.set $alive (i32.and (i32.eq ${get("passed")} (i32.const ${unroll})) ${get("alive")}))
      (i32.store (i32.add (global.get $outPtr) (i32.shl ${get(`pix${q}${j}`)} (i32.const 2))) ${get("result")})
      (local.set $work (f64.add (local.get $work)
        (f64.convert_i32_u (select (i32.const 0) (i32.add ${get("result")} (i32.const 1)) ${get("alive")}))))
      (local.set $slot (i32.add (global.get $survivorPtr) (i32.mul (local.get $survivors) (i32.const ${SURVIVOR_SIZE}))))
      (f64.store (local.get $slot) (f64x2.extract_lane ${j} ${get(`x${q}`)}))
      (f64.store offset=8 (local.get $slot) (f64x2.extract_lane ${j} ${get(`y${q}`)}))
      (i32.store offset=16 (local.get $slot) ${get(`pix${q}${j}`)})
      (i32.store offset=20 (local.get $slot) (i32.const 1))
      (local.set $survivors (i32.add (local.get $survivors) ${get("alive")}))`;

  const turn = (qs) => `${qs.map((q) => fetch(q, 0) + fetch(q, 1)).join("")}
      ${qs.map(iterate).join("")}
      ${qs.map((q) => settle(q, 0) + settle(q, 1)).join("")}`;

  return `
  ;; Runs the first block of every pixel; leaves the survivors in the list.
  (func $prepass
    (local $cr v128) (local $ci v128) (local $lim v128) (local $wrap i32) (local $passed i32) (local $result i32)
    (local $alive i32) (local $slot i32)
    ;; the stream and the totals live in locals here: as globals, every lane would wait on the last one's store
    (local $next i32) (local $col i32) (local $imPtr i32) (local $survivors i32) (local $work f64)
    ${P.map((q) => `(local $x${q} v128) (local $y${q} v128) (local $a${q} v128) (local $b${q} v128) (local $e${q} v128) (local $s${q} v128)
    (local $px${q}0 f64) (local $px${q}1 f64) (local $py${q}0 f64) (local $py${q}1 f64) (local $pix${q}0 i32) (local $pix${q}1 i32)`).join("\n    ")}
    (local.set $cr (f64x2.splat (global.get $cRe)))
    (local.set $ci (f64x2.splat (global.get $cIm)))
    (local.set $lim (f64x2.splat (global.get $lim)))
    (local.set $next (global.get $next)) (local.set $col (global.get $col)) (local.set $imPtr (global.get $imPtr))
    (local.set $work (global.get $work))
    (block $done (loop $turns
      (br_if $done (i32.gt_s (i32.add (local.get $next) (i32.const ${2 * pairs})) (global.get $count)))
      ${turn(P)}
      (br $turns)))
    (block $done (loop $pairs
      (br_if $done (i32.gt_s (i32.add (local.get $next) (i32.const 2)) (global.get $count)))
      ${turn([0])}
      (br $pairs)))
    ;; an odd last pixel joins the survivors with no block done
    (if (i32.lt_s (local.get $next) (global.get $count))
      (then
        ${fetch(0, 0)}
        (local.set $slot (i32.add (global.get $survivorPtr) (i32.mul (local.get $survivors) (i32.const ${SURVIVOR_SIZE}))))
        (f64.store (local.get $slot)
          (f64.add (f64.sub (f64.mul ${get("px00")} ${get("px00")}) (f64.mul ${get("py00")} ${get("py00")})) (global.get $cRe)))
        (f64.store offset=8 (local.get $slot) (f64.add (f64.mul (f64.add ${get("px00")} ${get("px00")}) ${get("py00")}) (global.get $cIm)))
        (i32.store offset=16 (local.get $slot) ${get("pix00")})
        (i32.store offset=20 (local.get $slot) (i32.const 0))
        (local.set $survivors (i32.add (local.get $survivors) (i32.const 1)))))
    (global.set $next (local.get $next)) (global.set $col (local.get $col)) (global.set $imPtr (local.get $imPtr))
    (global.set $survivors (local.get $survivors)) (global.set $work (local.get $work)))`;
}
