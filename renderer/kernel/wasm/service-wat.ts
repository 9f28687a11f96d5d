// The WASM kernel's run-wide state and its run() entry (see kernel-wat.ts).
// Hand-written WAT; only the constants are filled in.

import { BOX_SIZE, type KernelMode } from "./layout.ts";

const BOX_SHIFT = Math.log2(BOX_SIZE);

export function serviceWat({ unroll, modes, trapEvery }: { unroll: number; modes: readonly KernelMode[]; trapEvery: number }): string {
  // run(): the first pass over all pixels, then one of the lane-refill loops over the survivors
  return `
  (global $cRe (mut f64) (f64.const 0))
  (global $cIm (mut f64) (f64.const 0))
  (global $lim (mut f64) (f64.const 0))
  ;; a norm above $sure is an escape; between $lim and $sure the seed's hypot decides (seed-escape.ts)
  (global $sure (mut f64) (f64.const 0))
  ;; set when a count carries UNSURE_FLAG (layout.ts): the host recounts those pixels
  (global $unsure (export "unsure") (mut i32) (i32.const 0))
  (global $max (mut i32) (i32.const 0))
  (global $outPtr (mut i32) (i32.const 0))
  (global $work (mut f64) (f64.const 0))
  ;; the pixel stream: next pixel index, its column and row (imPtr), and how many lanes still work
  (global $count (mut i32) (i32.const 0))
  (global $width (mut i32) (i32.const 0))
  (global $rePtr (mut i32) (i32.const 0))
  (global $imPtr (mut i32) (i32.const 0))
  (global $next (mut i32) (i32.const 0))
  (global $col (mut i32) (i32.const 0))
  (global $active (mut i32) (i32.const 0))
  ;; pixels left after the first pass, as a list at survivorPtr
  (global $survivorPtr (mut i32) (i32.const 0))
  (global $survivors (mut i32) (i32.const 0))

  ;; mode: the index of its loop in layout.ts's KERNEL_MODES (no shortcut, trap boxes (boxCount of them), Brent cycle check).
  ;; blockCheck 1: test escape once per block (only when escape provably persists).
  ;; Writes the counts of \`count\` pixels starting at column \`col\` of the row whose
  ;; imaginary part is at imPtr; returns their work, Σ(count + 1).
  (func (export "run") (param $col i32) (param $count i32) (param $width i32)
    (param $rePtr i32) (param $imPtr i32) (param $outPtr i32)
    (param $cRe f64) (param $cIm f64) (param $lim f64) (param $sure f64) (param $max i32) (param $mode i32) (param $boxCount i32)
    (param $blockCheck i32) (param $survivorPtr i32)
    (result f64)
    (local $brent i32) (local $boxStep i32) (local $boxSpan i32)
    (global.set $cRe (local.get $cRe)) (global.set $cIm (local.get $cIm)) (global.set $lim (local.get $lim)) (global.set $sure (local.get $sure))
    (global.set $unsure (i32.const 0))
    (global.set $max (local.get $max)) (global.set $outPtr (local.get $outPtr)) (global.set $work (f64.const 0))
    (global.set $blocks (i32.const 0))
    (global.set $count (local.get $count)) (global.set $width (local.get $width)) (global.set $rePtr (local.get $rePtr))
    (global.set $imPtr (local.get $imPtr)) (global.set $col (local.get $col)) (global.set $next (i32.const 0))
    (global.set $survivorPtr (local.get $survivorPtr))
    (call $prepass)
    (global.set $next (i32.const 0))
    (local.set $brent (i32.eq (local.get $mode) (i32.const ${modes.indexOf("brent")})))
    (if (i32.eq (local.get $mode) (i32.const ${modes.indexOf("trap")}))
      (then
        ;; trap boxes are tested every ${trapEvery} blocks and rotate by ${trapEvery}·unroll + 1 while an
        ;; orbit's phase moves by ${trapEvery}·unroll: every box meets every phase within boxCount tests
        (local.set $boxStep (i32.shl (i32.rem_u (i32.const ${trapEvery * unroll + 1}) (local.get $boxCount)) (i32.const ${BOX_SHIFT})))
        (local.set $boxSpan (i32.shl (local.get $boxCount) (i32.const ${BOX_SHIFT})))))
${modes
  .map((mode, index) =>
    ["step", "block"]
      .map(
        (
          check,
        ) => `    (if (i32.and (i32.eq (local.get $mode) (i32.const ${index})) (i32.eq (local.get $blockCheck) (i32.const ${check === "block" ? 1 : 0})))
      (then (call $${mode}_${check} (local.get $brent) (local.get $boxStep) (local.get $boxSpan))))`,
      )
      .join("\n"),
  )
  .join("\n")}
    (global.get $work))
`;
}
