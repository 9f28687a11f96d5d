// What bench/run.mjs measures, bundled by esbuild into bench/build/kernels.mjs
// from the renderer's own sources: the kernels measured are the shipped ones.
export { createKernel, hasWasmSimd } from "../renderer/kernel/index.ts";
export { createInterleavedKernel } from "../renderer/kernel/interleaved.ts";
export { escapeCountsScalar } from "../renderer/kernel/scalar.ts";
export { chooseShortcut } from "../renderer/kernel/shortcuts.ts";
export { createWasmKernel } from "../renderer/kernel/wasm-kernel.ts";
export { linspace, linspaceAt } from "../renderer/math/linspace.ts";
export { createBandRenderer } from "../renderer/frames/band.ts";
export { bandRows, frameBytes } from "../renderer/frames/schedule.ts";
export { bandPalette, colorBands, colorYuvRowPair, yuvPalette } from "../renderer/color.ts";
export { parseSpec } from "../renderer/spec.ts";
