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
    printTable(
      `Flagship end to end: node dist/julia-render.mjs --spec specs/spiral.json (1800 frames of 1080², 500 iterations, ${cores} workers, MP4; one run, load average ${load} at start)`,
      [
        "CLI total",
        "wall",
        "CPU-s (node + ffmpeg)",
        `CPU-s ÷ ${cores}`,
        "iterations",
        "workers' kernel s (wall, summed)",
        "workers' colour s (wall, summed)",
        "frame writes to ffmpeg s (wall)",
      ],
      [
        [
          `${run.reported.toFixed(1)} s`,
          `${run.wall.toFixed(1)} s`,
          run.cpu === undefined ? "n/a" : `${run.cpu.toFixed(1)} s`,
          run.cpu === undefined ? "n/a" : `${(run.cpu / cores).toFixed(1)} s`,
          `${(run.done.iterations / 1e9).toFixed(1)} G`,
          `${split.kernel.toFixed(1)} s`,
          `${split.color.toFixed(1)} s`,
          `${split.encode.toFixed(1)} s`,
        ],
      ],
    );
  }
  // on a machine nobody else uses the run keeps every core busy: its wall time is then about CPU-s ÷ cores
  if (!run.skipped && run.cpu !== undefined)
    console.log(`With the cores to itself the run takes about CPU-s ÷ ${cores}; the CLI total above includes any other load's share.`);
  const c = compileC();
  const kernels = flagshipKernels(c);
  const row = (name, t, base) => [
    name,
    `${t.wall.toFixed(2)} s`,
    `${t.cpu.toFixed(2)} s`,
    giga(kernels.work / t.cpu),
    `${(t.cpu * kernels.every).toFixed(1)} s`,
    `${((t.cpu * kernels.every) / cores).toFixed(1)} s`,
    ratio(t.cpu / base.cpu),
  ];
  const rows = [row("WASM SIMD + shortcuts (shipped)", kernels.wasm, kernels.wasm)];
  if (kernels.c) rows.push(row("C scalar (cc -O3)", kernels.c, kernels.wasm));
  else console.log(`\nC kernel skipped: ${c.skipped}`);
  printTable(
    `Flagship kernel only: every ${kernels.every}th frame (${kernels.frames} frames), whole frames, one thread, WASM on all then C on all; CPU-s × ${kernels.every} for the whole job`,
    ["kernel", "wall", "CPU-s", "iterations/CPU-s", "whole job, CPU-s", `whole job ÷ ${cores} cores`, "CPU × WASM"],
    rows,
  );
  if (kernels.mismatches.length) {
    console.error(`\n!!!!!!!! EXACTNESS FAILURE on the flagship's frames !!!!!!!!`);
    for (const m of kernels.mismatches) console.error(`  ${m}`);
  } else if (kernels.c) console.log(`The WASM kernel's counts equal C's on all ${kernels.frames} frames (checksums).`);
  return { reported: run.reported, wall: run.wall, cpu: run.cpu, kernels, mismatches: kernels.mismatches };
}
