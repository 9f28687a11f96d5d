#!/usr/bin/env node
// npm run bench: how fast the renderer is on this machine, next to a C kernel
// compiled on the spot. A benchmark, not a test: it exits non-zero only when a
// kernel's counts differ from the scalar reference (or the bench itself breaks).
//
//   node bench/run.mjs [--quick]      (--quick: skip scaling, end to end and estimate accuracy)
//   node bench/run.mjs --estimate     (only the estimate-accuracy report)
//   node bench/run.mjs --flagship     (the exactness check, then only the flagship job, specs/spiral.json, beside the C kernel)
import os from "node:os";
import { bundleKernels } from "./lib/bundle.mjs";
import { compileC } from "./lib/c-kernel.mjs";
import { giga, percent, printTable, ratio, verdict } from "./lib/table.mjs";

const quick = process.argv.includes("--quick");
if (process.argv.includes("--estimate")) {
  const { reportEstimateAccuracy } = await import("./lib/estimate-report.mjs");
  await reportEstimateAccuracy();
  process.exit(0);
}
await bundleKernels();
const { hasWasmSimd } = await import("./build/kernels.mjs");
const { NO_ESCAPE_FRAME, PERF_NOTES_FRAME, spiralC } = await import("./lib/frames.mjs");
const { checkExactness } = await import("./lib/exactness.mjs");
const { KERNELS, measureC, measureKernel } = await import("./lib/kernel-speed.mjs");
const { parallelEfficiency } = await import("./lib/parallel.mjs");
const { renderJob } = await import("./lib/end-to-end.mjs");
const { renderWithPeakMemory } = await import("./lib/memory.mjs");

const cores = os.availableParallelism();
console.log(
  `render-remote bench: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${cores} cores, Node ${process.version}, ` +
    `WASM SIMD ${hasWasmSimd() ? "yes" : "no"}, load average ${os.loadavg()[0].toFixed(2)} at start`,
);
console.log("Iterations = Σ(count + 1) over pixels, the work the seed's program does; exact shortcuts count as done.");

// 1. Exactness first: a fast kernel that is wrong is worth nothing.
const exactness = checkExactness();
if (exactness.failures.length > 0) {
  console.error(`\n!!!!!!!! EXACTNESS FAILURE: ${exactness.failures.length} kernel runs differ from the scalar kernel !!!!!!!!`);
  for (const failure of exactness.failures) console.error(`  ${failure}`);
  process.exit(1);
}
console.log(
  `\nExactness: every variant (${exactness.variants}) matches the scalar kernel on ${exactness.frames} frames, ` +
    `whole and in bands: ${(exactness.pixels / 1e6).toFixed(1)} M pixel counts compared, 0 differ; ` +
    `the band renderer (mirror-pixel copies, colouring) gives the same RGB bytes and yuv420p planes on all ${exactness.frames}, ` +
    `and the same bytes and work supersampled (N = 2 on all, N = 3 on four) as the scalar kernel's sub-grid averaged in linear light.`,
);

// --flagship: after the exactness check, only the flagship job (section 5e).
if (process.argv.includes("--flagship")) {
  const { reportFlagship } = await import("./lib/flagship-report.mjs");
  const flagship = await reportFlagship();
  process.exit(flagship.mismatches?.length ? 1 : 0);
}

// 2. Kernel speed, single thread, next to C.
const c = compileC();
if (c.skipped) console.log(`\nC kernel skipped: ${c.skipped}`);
const speed = {};
const kernelRows = [];
for (const [label, frame] of [
  ["perf-notes", PERF_NOTES_FRAME],
  ["no escape", NO_ESCAPE_FRAME],
]) {
  const cResult = measureC(c, frame);
  const results = KERNELS.map(([name, create]) => measureKernel(name, create, frame));
  if (cResult) results.push(cResult);
  speed[label] = { c: cResult, shipped: results[KERNELS.length - 1], raw: results[KERNELS.length - 2] };
  for (const r of results) {
    if (r.checksum !== results[0].checksum) throw new Error(`${r.name} disagrees with scalar JS on the ${label} frame`);
    kernelRows.push([
      r.name,
      label,
      `${(r.work / 1e6).toFixed(1)} M`,
      `${(r.seconds * 1000).toFixed(1)} ms`,
      giga(r.rate),
      r.steps === undefined ? "" : percent(r.steps / r.work),
      cResult ? ratio(r.rate / cResult.rate) : "n/a",
    ]);
  }
}
printTable(
  "Kernel speed, one thread (best of 5 after warm-up)",
  ["kernel", "frame", "iterations", "time", "iterations/s", "SIMD steps run", "× C"],
  kernelRows,
);
console.log(
  "SIMD steps run: lane-steps the WASM kernel computed, as a share of the iterations credited (the rest the exact shortcuts skipped).",
);
if (c.compiler) console.log(`C: ${c.compiler}; its counts' checksum equals the JS kernels'.`);

// 3. Scaling with pixels × iterations.
if (!quick) {
  const scalingRows = [];
  const configs = [
    [250, 500],
    [500, 500],
    [1000, 500],
    [500, 100],
    [500, 2000],
  ];
  for (const [cLabel, cValue] of [
    ["perf-notes c", PERF_NOTES_FRAME.c],
    ["spiral frame 200 (no trap)", spiralC(200)],
  ]) {
    for (const [width, max] of configs) {
      const frame = { width, c: cValue, max };
      const wasm = measureKernel("wasm", KERNELS[KERNELS.length - 1][1], frame, 3);
      const cRun = measureC(c, frame, 3);
      scalingRows.push([
        cLabel,
        `${width}×${width}`,
        max,
        `${(wasm.work / 1e6).toFixed(0)} M`,
        `${(wasm.seconds * 1000).toFixed(1)} ms`,
        giga(wasm.rate),
        cRun ? `${(cRun.seconds * 1000).toFixed(0)} ms` : "n/a",
        cRun ? ratio(wasm.rate / cRun.rate) : "n/a",
      ]);
    }
  }
  printTable(
    "Scaling: shipped WASM kernel vs C as pixels × iterations grow (best of 3)",
    ["c", "pixels", "max iter", "iterations", "WASM time", "WASM it/s", "C time", "× C"],
    scalingRows,
  );
}

// 4. Parallel efficiency on a multi-frame job, tiles handed out dynamically.
const job = { width: 500, max: 500, bandRows: 20, cs: Array.from({ length: 60 }, (_, i) => spiralC(i * 5)) };
const parallel = await parallelEfficiency(job, cores);
printTable(
  "Parallel efficiency: 60 spiral frames (500×500, 500 iterations), 20-row tiles from a shared counter (best of 3 rounds)",
  ["workers", "time", "iterations/s", "speedup", "efficiency"],
  parallel.map((r) => [
    r.workers,
    `${(r.seconds * 1000).toFixed(0)} ms`,
    giga(r.work / r.seconds),
    ratio(r.speedup),
    percent(r.efficiency),
  ]),
);

// 5. End to end with the real CLI.
const jobs = [
  {
    spec: {
      name: "seed-B",
      width: 500,
      height: 500,
      maxIterations: 20,
      frames: 90,
      fps: 30,
      c: { from: [-0.62772, -0.42193], to: [-0.62772, 1.07807] },
    },
    python: 9.4,
  },
  {
    spec: {
      name: "seed-spiral-10s",
      width: 500,
      height: 500,
      maxIterations: 500,
      frames: 300,
      fps: 30,
      c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
    },
    python: 186,
  },
];
const endToEnd = {};
const E2E_RUNS = 5;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
if (!quick) {
  const rows = [];
  // the VM's speed drifts between runs: each job runs E2E_RUNS times, alternating, and the median counts
  const runs = Object.fromEntries(jobs.map(({ spec }) => [spec.name, []]));
  for (let round = 0; round < E2E_RUNS; round++) {
    for (const { spec } of jobs) runs[spec.name].push(await renderJob(spec));
  }
  for (const { spec, python } of jobs) {
    const skipped = runs[spec.name].find((run) => run.skipped);
    if (skipped) {
      endToEnd[spec.name] = skipped;
      console.log(`\nEnd to end ${spec.name} skipped: ${skipped.skipped}`);
      continue;
    }
    const run = { reported: median(runs[spec.name].map((r) => r.reported)), wall: median(runs[spec.name].map((r) => r.wall)) };
    endToEnd[spec.name] = run;
    const range = (key) =>
      `${Math.min(...runs[spec.name].map((r) => r[key])).toFixed(2)}–${Math.max(...runs[spec.name].map((r) => r[key])).toFixed(2)}`;
    rows.push([
      spec.name,
      `${run.reported.toFixed(2)} s (${range("reported")})`,
      `${run.wall.toFixed(2)} s (${range("wall")})`,
      `${python} s`,
      ratio(python / run.reported),
    ]);
  }
  if (rows.length)
    printTable(
      `End to end: node dist/julia-render.mjs --spec … --progress json (${cores} workers, MP4 included; median of ${E2E_RUNS} runs, range)`,
      ["job", "CLI total", "wall (with node start)", "seed's Python", "speedup"],
      rows,
    );
}

// 5b. Supersampling: the same job at N = 1, 2, 3 (rounds alternate), cost against N = 1.
const supersampling = {};
if (!quick) {
  const spec = {
    name: "supersample",
    width: 400,
    height: 400,
    maxIterations: 500,
    frames: 60,
    fps: 30,
    c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] },
  };
  const runs = { 1: [], 2: [], 3: [] };
  for (let round = 0; round < 3; round++) {
    for (const n of [1, 2, 3]) runs[n].push(await renderJob({ ...spec, supersample: n }));
  }
  const skipped = Object.values(runs)
    .flat()
    .find((run) => run.skipped);
  if (skipped) console.log(`\nSupersampling skipped: ${skipped.skipped}`);
  else {
    const at = (n) => ({
      reported: median(runs[n].map((r) => r.reported)),
      iterations: runs[n][0].done.iterations,
      kernel: median(runs[n].map((r) => r.done.split.kernel)),
    });
    for (const n of [1, 2, 3]) supersampling[n] = at(n);
    printTable(
      `Supersampling: ${spec.width}×${spec.height}, ${spec.frames} spiral frames, ${spec.maxIterations} iterations, --supersample N (median of 3 alternating runs; N² = 1, 4, 9)`,
      ["N", "CLI total", "× N = 1", "kernel CPU-s", "× N = 1", "iterations", "× N = 1"],
      [1, 2, 3].map((n) => [
        n,
        `${supersampling[n].reported.toFixed(2)} s`,
        ratio(supersampling[n].reported / supersampling[1].reported),
        `${supersampling[n].kernel.toFixed(2)} s`,
        ratio(supersampling[n].kernel / supersampling[1].kernel),
        `${(supersampling[n].iterations / 1e9).toFixed(2)} G`,
        ratio(supersampling[n].iterations / supersampling[1].iterations),
      ]),
    );
  }
}

// 5c. 4K and 8K: peak memory of the render (node with its workers, plus ffmpeg), 2 workers, at two frame counts.
const memory = {};
// the renderer's own bound (frame slots and bands); x264 at 8K holds ~3 GB of lookahead and frame threads on top (bench/README.md)
const RENDERER_BOUND_MB = 1536;
const TOTAL_BOUND_MB = 4096;
if (!quick) {
  const rows = [];
  for (const [label, spec] of [
    ["3840×2160 60 fps", { width: 3840, height: 2160, fps: 60, maxIterations: 50 }],
    ["7680×4320 30 fps", { width: 7680, height: 4320, fps: 30, maxIterations: 50 }],
  ]) {
    // x264's buffers fill within ~24 frames at 8K: past that, nothing may grow with the frame count
    for (const frames of [24, 48]) {
      const run = await renderWithPeakMemory({ name: "large", ...spec, frames }, ["--processes", "2"]);
      if (run.skipped) {
        console.log(`\n${label} skipped: ${run.skipped}`);
        continue;
      }
      memory[`${label} ${frames}`] = run;
      rows.push([
        label,
        frames,
        `${run.wall.toFixed(1)} s`,
        `${run.node.toFixed(0)} MB`,
        `${run.ffmpeg.toFixed(0)} MB`,
        `${run.total.toFixed(0)} MB`,
      ]);
    }
  }
  if (rows.length)
    printTable(
      "4K and 8K: peak resident memory (sampled every 20 ms), --processes 2, MP4 only",
      ["size", "frames", "wall", "node (all threads)", "ffmpeg", "together"],
      rows,
    );
}

// 5d. Estimate accuracy: `render-remote estimate`'s local prediction against real renders.
let estimate;
if (!quick) {
  const { reportEstimateAccuracy } = await import("./lib/estimate-report.mjs");
  estimate = await reportEstimateAccuracy();
}

// 5e. The flagship job end to end, and its kernel beside C on the same frames.
let flagship;
if (!quick) {
  const { reportFlagship } = await import("./lib/flagship-report.mjs");
  flagship = await reportFlagship();
  if (flagship.mismatches?.length) process.exitCode = 1;
}

// 6. Targets.
const shipped = speed["perf-notes"].shipped;
const cPerf = speed["perf-notes"].c;
const two = parallel.find((r) => r.workers === 2);
const spiral = endToEnd["seed-spiral-10s"];
printTable(
  "Targets",
  ["target", "measured", ""],
  [
    ["kernel ≥ 2.0 G iterations/s per core (perf-notes frame)", giga(shipped.rate), verdict(shipped.rate >= 2e9)],
    [
      "kernel ≥ 0.8 × C",
      cPerf ? ratio(shipped.rate / cPerf.rate) : "no C compiler",
      cPerf ? verdict(shipped.rate >= 0.8 * cPerf.rate) : "n/a",
    ],
    [
      "parallel efficiency ≥ 90 % at 2 workers",
      two ? percent(two.efficiency) : "1 core only",
      two ? verdict(two.efficiency >= 0.9) : "n/a",
    ],
    [
      "seed-spiral-10s ≤ 2 s end to end (median CLI total)",
      spiral?.reported ? `${spiral.reported.toFixed(2)} s` : "skipped",
      spiral?.reported ? verdict(spiral.reported <= 2) : "n/a",
    ],
    ...[2, 3].map((n) => [
      `supersample ${n}: kernel cost ≤ 1.15 × N² (= ${n * n}) of N = 1`,
      supersampling[n] ? ratio(supersampling[n].kernel / supersampling[1].kernel) : "skipped",
      supersampling[n] ? verdict(supersampling[n].kernel <= 1.15 * n * n * supersampling[1].kernel) : "n/a",
    ]),
    ...Object.entries(memory)
      .filter(([key]) => key.startsWith("7680"))
      .flatMap(([key, run]) => [
        [
          `${key} frames: the renderer (node, 2 workers) ≤ ${RENDERER_BOUND_MB} MB`,
          `${run.node.toFixed(0)} MB`,
          verdict(run.node <= RENDERER_BOUND_MB),
        ],
        [`${key} frames: renderer + ffmpeg ≤ ${TOTAL_BOUND_MB} MB`, `${run.total.toFixed(0)} MB`, verdict(run.total <= TOTAL_BOUND_MB)],
      ]),
    [
      "flagship specs/spiral.json ≤ 28 s end to end (CLI total, one run)",
      flagship?.reported ? `${flagship.reported.toFixed(1)} s` : "skipped",
      flagship?.reported ? verdict(flagship.reported <= 28) : "n/a",
    ],
    [
      "estimate within ±20 % of the real local render (best round, every job)",
      estimate ? `worst ${percent(estimate.worst)}` : "skipped",
      estimate ? verdict(estimate.worst <= 0.2) : "n/a",
    ],
  ],
);
console.log(`\nload average ${os.loadavg()[0].toFixed(2)} at the end: figures are noisy when other work shares the ${cores} cores.`);
