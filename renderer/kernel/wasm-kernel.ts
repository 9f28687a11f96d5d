import { escapePersists } from "./persistence.ts";
import { escapeCountsScalar, seedCount } from "./scalar.ts";
import { escapeTest } from "./seed-escape.ts";
import { chooseShortcut, type ShortcutPolicy } from "./shortcuts.ts";
import type { EscapeKernel, Tile } from "./types.ts";
import { KERNEL_WASM_BASE64 } from "./wasm-bytes.generated.ts";
import { BOX_SIZE, KERNEL_MODES, SURVIVOR_SIZE, UNSURE_FLAG } from "./wasm/layout.ts";

/**
 * The WebAssembly SIMD kernel (source: ./wasm/, built by `npm run gen:kernel`). This file only
 * moves data: it copies the tile's axes into the module's memory, runs it in
 * chunks of pixels, and copies each chunk's counts into the caller's array.
 */

// tsconfig has no DOM lib, where WebAssembly's types live; this is all we use of it.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  lanes: { value: number };
  unroll: { value: number };
  boxBase: { value: number };
  maxBoxes: { value: number };
  dataBase: { value: number };
  blocks: { value: number };
  unsure: { value: number };
  run(
    col: number,
    count: number,
    width: number,
    rePtr: number,
    imPtr: number,
    outPtr: number,
    cRe: number,
    cIm: number,
    limit: number,
    sure: number,
    max: number,
    mode: number,
    boxCount: number,
    blockCheck: number,
    survivorPtr: number,
  ): number;
}

export const webAssembly = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

// A chunk's counts are copied out once it is done; 1 MB keeps memory small and the copy cheap.
const CHUNK_PIXELS = 1 << 18;
const PAGE = 65536;

let compiled: object | undefined;

/**
 * The compiled module, once per thread, synchronously (~56 KB; V8 compiles each
 * function when first called, then tiers hot ones up). frames/pool.ts posts
 * it to the worker threads, which then share its code and its tier-up instead
 * of compiling the kernel once each.
 */
export function kernelModule(): object {
  if (!webAssembly) throw new Error('This runtime has no WebAssembly: use createKernel({ prefer: "js" }).');
  compiled ??= new webAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, "base64"));
  return compiled;
}

/** The kernel, plus how many pixel steps it actually computed (shortcuts skip the rest). */
export type MeasuredKernel = EscapeKernel & { stats: { steps: number } };

/**
 * `blockCheck`: "auto" tests escape once per block where persistence.ts proves
 * that exact, "never" always tests every step (both give the same counts).
 */
export function createWasmKernel(
  options: { shortcuts?: ShortcutPolicy; blockCheck?: "auto" | "never"; module?: object } = {},
): MeasuredKernel {
  const kernel = new webAssembly!.Instance(options.module ?? kernelModule(), {}).exports as unknown as KernelExports;
  const lanes = kernel.lanes.value;
  const unroll = kernel.unroll.value;
  const policy = options.shortcuts ?? "auto";

  const stats = { steps: 0 };
  return Object.assign(
    function escapeCountsWasm(tile: Tile, counts: Uint32Array): number {
      const width = tile.re.length;
      const rows = tile.rowEnd - tile.rowStart;
      const total = width * rows;
      if (total <= 0) return 0;
      const test = escapeTest(tile.escapeRadius);
      // a radius so extreme that |z|² says nothing: every escape is the seed's hypot's to decide
      if (test.limit === -Infinity) return escapeCountsScalar(tile, counts);
      let shortcut = chooseShortcut(tile, policy);
      if (shortcut.kind === "trap" && shortcut.trap.period > kernel.maxBoxes.value) shortcut = { kind: "none" };

      // Block counters are i32: cap a chunk so (chunk / lanes + 1) * (blocks per pixel + 1) < 2^30.
      const blocksPerPixel = Math.ceil(tile.maxIterations / unroll) + 1;
      const chunk = Math.min(CHUNK_PIXELS, Math.max(lanes, (Math.floor(2 ** 30 / blocksPerPixel) - 1) * lanes));
      const rePtr = kernel.dataBase.value;
      const imPtr = rePtr + width * 8;
      const outPtr = imPtr + rows * 8;
      // the first pass's survivors (./wasm/prepass-wat.ts)
      const survivorPtr = outPtr + Math.ceil(Math.min(chunk, total) / 2) * 8;
      const needed = survivorPtr + Math.min(chunk, total) * SURVIVOR_SIZE;
      const buffer = kernel.memory.buffer;
      if (buffer.byteLength < needed) kernel.memory.grow(Math.ceil((needed - buffer.byteLength) / PAGE));
      const memory = kernel.memory.buffer;

      new Float64Array(memory, rePtr, width).set(tile.re);
      new Float64Array(memory, imPtr, rows).set(tile.im.subarray(tile.rowStart, tile.rowEnd));
      const boxCount = shortcut.kind === "trap" ? writeBoxes(memory, kernel.boxBase.value, shortcut.trap.boxes) : 0;
      const blockCheck = options.blockCheck !== "never" && escapePersists(tile, unroll) ? 1 : 0;

      let work = 0;
      for (let start = 0; start < total; start += chunk) {
        const count = Math.min(chunk, total - start);
        const row = Math.floor(start / width);
        work += kernel.run(
          start - row * width,
          count,
          width,
          rePtr,
          imPtr + row * 8,
          outPtr,
          tile.cRe,
          tile.cIm,
          test.limit,
          test.sure,
          tile.maxIterations,
          KERNEL_MODES.indexOf(shortcut.kind),
          boxCount,
          blockCheck,
          survivorPtr,
        );
        const out = new Uint32Array(memory, outPtr, count);
        if (kernel.unsure.value) work += recountUnsure(tile, out, start);
        counts.set(out, start);
        stats.steps += (kernel.blocks.value * lanes + count) * unroll;
      }
      return work;
    },
    { stats },
  );
}

/**
 * The pixels whose escape the kernel left to the seed's hypot (counts with UNSURE_FLAG: about one
 * in 10^14 escapes), counted again exactly from their start; returns the change in work.
 */
function recountUnsure(tile: Tile, out: Uint32Array, start: number): number {
  const width = tile.re.length;
  let change = 0;
  for (let i = 0; i < out.length; i++) {
    if (!(out[i] & UNSURE_FLAG)) continue;
    const pixel = start + i;
    const row = Math.floor(pixel / width);
    const exact = seedCount(tile.re[pixel - row * width], tile.im[tile.rowStart + row], tile);
    change += exact - (out[i] & ~UNSURE_FLAG);
    out[i] = exact;
  }
  return change;
}

/** Each bound splatted into both f64x2 lanes, 4 bounds (BOX_SIZE bytes) per box. */
function writeBoxes(memory: ArrayBuffer, boxBase: number, boxes: Float64Array): number {
  const count = boxes.length / 4;
  const target = new Float64Array(memory, boxBase, (count * BOX_SIZE) / 8);
  for (let i = 0; i < count * 4; i++) {
    target[2 * i] = boxes[i];
    target[2 * i + 1] = boxes[i];
  }
  return count;
}
