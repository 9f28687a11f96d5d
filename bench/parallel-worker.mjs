// A bench worker: takes tiles from a shared counter until none are left, runs the
// shipped kernel on each, and reports the work done. One kernel per thread, as the renderer does.
import { parentPort, workerData } from "node:worker_threads";
import { createKernel } from "./build/kernels.mjs";
import { frameTile } from "./lib/frames.mjs";

const { width, max, cs, bandRows } = workerData;
const { run } = createKernel();
const frames = cs.map((c) => frameTile({ width, c, max }));
const bandsPerFrame = Math.ceil(width / bandRows);
const counts = new Uint32Array(bandRows * width);

function renderTile(index) {
  const frame = frames[Math.floor(index / bandsPerFrame)];
  const rowStart = (index % bandsPerFrame) * bandRows;
  return run({ ...frame, rowStart, rowEnd: Math.min(width, rowStart + bandRows) }, counts);
}

// warm up (WASM has no on-stack replacement: the first long call runs unoptimised code)
for (let i = 0; i < Math.min(8, frames.length * bandsPerFrame); i++) renderTile((i * 7) % (frames.length * bandsPerFrame));
parentPort.postMessage({ ready: true });

parentPort.on("message", ({ next }) => {
  const counter = new Int32Array(next);
  const total = frames.length * bandsPerFrame;
  let work = 0;
  for (let index = Atomics.add(counter, 0, 1); index < total; index = Atomics.add(counter, 0, 1)) work += renderTile(index);
  parentPort.postMessage({ work });
});
