// Prints the flagship section of the bench: specs/spiral.json end to end with the CLI, then its kernel
// alone (sampled frames, one thread) beside the C kernel on the same frames, both scaled to the whole job.
import os from "node:os";
import { compileC } from "./c-kernel.mjs";
import { flagshipEndToEnd, flagshipKernels } from "./flagship.mjs";
import { giga, printTable, ratio } from "./table.mjs";

/** { reported, wall, cpu, mismatches } (reported undefined when the end-to-end run was skipped). */
export async function reportFlagship() {
  const cores = os.availableParallelism();
  const load = os.loadavg()[0].toFixed(2);
  const run = await flagshipEndToEnd();
  if (run.skipped) console.log(`\nFlagship end to end skipped: ${run.skipped}`);
  else {
    const split = run.done.split;
    printTable(`Flagship end to end: node dist/julia-render.mjs --spec specs/spiral.json (1800 frames of 1080², 500 iterations, ${cores} workers, MP4; one run, load average ${load} at start)`,
      ["CLI total", "wall", "CPU-s (node + ffmpeg)", "iterations", "workers' kernel s", "workers' colour s", "waiting on ffmpeg s"],
      [[`${run.reported.toFixed(1)} s`, `${run.wall.toFixed(1)} s`, run.cpu === undefined ? "n/a" : `${run.cpu.toFixed(1)} s`,
        `${(run.done.iterations / 1e9).toFixed(1)} G`, `${split.kernel.toFixed(1)} s`, `${split.color.toFixed(1)} s`, `${split.encode.toFixed(1)} s`]]);
  }
  const c = compileC();
  const kernels = flagshipKernels(c);
  const scale = (seconds) => seconds * kernels.every;
  const rows = [["WASM SIMD + shortcuts (shipped)", `${kernels.wasmSeconds.toFixed(2)} s`, giga(kernels.work / kernels.wasmSeconds), `${scale(kernels.wasmSeconds).toFixed(1)} s`, `${(scale(kernels.wasmSeconds) / cores).toFixed(1)} s`, "1.00×"]];
  if (kernels.cSeconds !== undefined) {
    rows.push(["C scalar (cc -O3)", `${kernels.cSeconds.toFixed(2)} s`, giga(kernels.work / kernels.cSeconds), `${scale(kernels.cSeconds).toFixed(1)} s`, `${(scale(kernels.cSeconds) / cores).toFixed(1)} s`, ratio(kernels.cSeconds / kernels.wasmSeconds)]);
  } else console.log(`\nC kernel skipped: ${c.skipped}`);
  printTable(`Flagship kernel only: every ${kernels.every}th frame (${kernels.frames} frames), whole frames, one thread, frame by frame alternating; × ${kernels.every} for the whole job`,
    ["kernel", "time", "iterations/s", "whole job, 1 core", `whole job ÷ ${cores} cores`, "C ÷ this"], rows);
  if (kernels.mismatches.length) {
    console.error(`\n!!!!!!!! EXACTNESS FAILURE on the flagship's frames !!!!!!!!`);
    for (const m of kernels.mismatches) console.error(`  ${m}`);
  } else if (kernels.cSeconds !== undefined) console.log(`The WASM kernel's counts equal C's on all ${kernels.frames} frames (checksums).`);
  return { reported: run.reported, wall: run.wall, cpu: run.cpu, mismatches: kernels.mismatches };
}
