// What bench/lib/estimate-accuracy.mjs measures, bundled by esbuild into bench/build/estimate.mjs
// from the orchestrator's own sources: the estimator measured is the shipped one.
export { calibrate } from "../orchestrator/estimate/calibrate.ts";
export { DEFAULT_OVERHEAD_SECONDS, DEFAULT_SPEED_FACTOR, predict } from "../orchestrator/estimate/predict.ts";
export { parseSpec } from "../renderer/spec.ts";
