// Parallel efficiency: N worker threads share a multi-frame job, handed out one
// band of rows at a time from a shared counter (dynamic, as costs vary wildly
// between bands). Efficiency = (time with 1 worker / time with N) / N.
import { once } from "node:events";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { benchDir } from "./bundle.mjs";

async function startWorkers(count, job) {
  const workers = Array.from({ length: count }, () => new Worker(path.join(benchDir, "parallel-worker.mjs"), { workerData: job }));
  await Promise.all(workers.map((worker) => once(worker, "message")));
  return workers;
}

/** Seconds for one pass over the job with these workers, and the work it did. */
async function timePass(workers) {
  const next = new SharedArrayBuffer(4);
  const start = performance.now();
  const replies = workers.map((worker) => once(worker, "message"));
  for (const worker of workers) worker.postMessage({ next });
  const results = await Promise.all(replies);
  return { seconds: (performance.now() - start) / 1000, work: results.reduce((sum, [{ work }]) => sum + work, 0) };
}

/**
 * Rows of { workers, seconds, work, speedup, efficiency } for 1..maxWorkers, best of
 * `rounds`. One pool serves every count (idle workers cost nothing), and the counts
 * take turns within each round, so a burst of outside load hits them all alike.
 */
export async function parallelEfficiency(job, maxWorkers, rounds = 3) {
  const workers = await startWorkers(maxWorkers, job);
  try {
    const best = Array.from({ length: maxWorkers }, () => ({ seconds: Infinity, work: 0 }));
    for (let round = 0; round < rounds; round++) {
      for (let count = 1; count <= maxWorkers; count++) {
        const pass = await timePass(workers.slice(0, count));
        if (pass.seconds < best[count - 1].seconds) best[count - 1] = pass;
      }
    }
    return best.map((pass, i) => {
      const speedup = best[0].seconds / pass.seconds;
      return { workers: i + 1, ...pass, speedup, efficiency: speedup / (i + 1) };
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
