// The flagship job (specs/spiral.json: 1800 frames of 1080², 500 iterations) end to end with the
// real CLI, and its kernel alone next to the C kernel on the same frames (issue 19).
// Loaded after bundle.mjs built ../build/.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createWasmKernel, linspaceAt, parseSpec } from "../build/kernels.mjs";
import { benchDir } from "./bundle.mjs";
import { runC } from "./c-kernel.mjs";
import { checksum, frameTile } from "./frames.mjs";
import { renderJob } from "./end-to-end.mjs";

export const FLAGSHIP_SPEC = path.join(benchDir, "..", "specs", "spiral.json");
/** Every SAMPLE_EVERY-th frame for the kernel-only comparison: C takes ~0.15 s a frame, so 60 frames keep it ~10 s. */
export const SAMPLE_EVERY = 30;

export function flagshipSpec() {
  return JSON.parse(readFileSync(FLAGSHIP_SPEC, "utf8"));
}

/** The flagship's frames as kernel tiles' parameters (the spec's own bounds and c for frame k). */
export function sampledFrames(spec = flagshipSpec(), every = SAMPLE_EVERY) {
  const job = parseSpec(spec);
  const frames = [];
  for (let k = 0; k < job.frames; k += every) {
    // frame-geometry.ts frameC: each part of c by its own linspace, as the seed does
    const c = [linspaceAt(job.c.from.re, job.c.to.re, job.frames, k), linspaceAt(job.c.from.im, job.c.to.im, job.frames, k)];
    frames.push({
      k,
      frame: {
        width: job.width,
        height: job.height,
        re: [job.bounds.reMin, job.bounds.reMax],
        im: [job.bounds.imMin, job.bounds.imMax],
        c,
        max: job.maxIterations,
        radius: job.escapeRadius,
      },
    });
  }
  return { job, frames };
}

/**
 * Kernel only, one thread, whole frames: the shipped WASM kernel (exact shortcuts on, mirror copies off: the same
 * work C does) on every sampled frame, then C on the same frames; each frame's counts must agree (checksum).
 * Not alternating frame by frame: right after each C process the WASM kernel ran ~1.7× slower (12 frames:
 * 0.30 CPU-s in a row, 0.52 alternating), which would measure the switch, not the kernel.
 */
export function flagshipKernels(c, every = SAMPLE_EVERY) {
  const { job, frames } = sampledFrames(flagshipSpec(), every);
  const kernel = createWasmKernel();
  const counts = new Uint32Array(job.width * job.height);
  // warm-up: a trap frame, a frame without a shortcut and a fixed-point-trap frame, so V8 has tiered up every loop used
  for (const at of [0, 0.5, 1]) kernel(frameTile(frames[Math.round(at * (frames.length - 1))].frame), counts);
  // wall and CPU seconds: this process runs one thread here, so its CPU time is the kernel's, whatever else loads the machine
  const result = {
    frames: frames.length,
    every,
    work: 0,
    wasm: { wall: 0, cpu: 0 },
    c: c?.exe ? { wall: 0, cpu: 0 } : undefined,
    mismatches: [],
  };
  const sums = [];
  for (const { frame } of frames) {
    const tile = frameTile(frame);
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    result.work += kernel(tile, counts);
    const cpu = process.cpuUsage(cpuStart);
    result.wasm.wall += (performance.now() - start) / 1000;
    result.wasm.cpu += (cpu.user + cpu.system) / 1e6;
    sums.push(checksum(counts));
  }
  if (!c?.exe) return result;
  frames.forEach(({ k, frame }, i) => {
    const run = runC(c.exe, frame, 1);
    result.c.wall += run.seconds;
    result.c.cpu += run.cpu_seconds;
    if (run.checksum !== sums[i]) result.mismatches.push(`frame ${k}: C's counts differ from the WASM kernel's`);
  });
  return result;
}

/** The CLI on the flagship spec; with /usr/bin/time, also the CPU seconds of node and ffmpeg together. */
export async function flagshipEndToEnd() {
  const timer = spawnSync("/usr/bin/time", ["-f", "%U", "true"]).status === 0 ? "/usr/bin/time" : undefined;
  return renderJob({ ...flagshipSpec(), name: "spiral" }, { timer });
}
