// Peak memory of a whole render: the CLI's node process (main thread and workers) and the
// ffmpeg it starts, sampled from /proc every 20 ms (Linux only). /usr/bin/time -v would
// give only the largest single process.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchDir } from "./bundle.mjs";

const cli = path.join(benchDir, "..", "dist", "julia-render.mjs");

function rssKb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  const children = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // field 4 of stat is the parent pid; the name (field 2) may hold spaces, so read after its ')'
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) children.push(Number(entry));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return children;
}

/** Renders `spec` with `args` and returns { wall, node, ffmpeg, total } peaks in MB, or { skipped }. */
export async function renderWithPeakMemory(spec, args = []) {
  if (!existsSync(cli)) return { skipped: "dist/julia-render.mjs does not exist (run `npm run build`)" };
  if (!existsSync("/proc/self/status")) return { skipped: "no /proc to sample memory from" };
  const dir = mkdtempSync(path.join(os.tmpdir(), "julia-bench-memory-"));
  try {
    const specFile = path.join(dir, `${spec.name}.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const start = performance.now();
    const child = spawn(process.execPath, [cli, "--spec", specFile, "--out", path.join(dir, "out"), "--progress", "quiet", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const peak = { node: 0, ffmpeg: 0, total: 0 };
    let kids = [];
    let tick = 0;
    const timer = setInterval(() => {
      // the children change rarely (ffmpeg starts once): look them up every 10th sample
      if (tick++ % 10 === 0) kids = childrenOf(child.pid);
      const node = rssKb(child.pid);
      const ffmpeg = kids.reduce((sum, pid) => sum + rssKb(pid), 0);
      peak.node = Math.max(peak.node, node);
      peak.ffmpeg = Math.max(peak.ffmpeg, ffmpeg);
      peak.total = Math.max(peak.total, node + ffmpeg);
    }, 20);
    const code = await new Promise((resolve) => child.on("close", resolve));
    clearInterval(timer);
    if (code !== 0) return { skipped: `the CLI exited with ${code}: ${stderr.trim().split("\n").slice(-2).join(" / ")}` };
    const mb = (kb) => kb / 1024;
    return { wall: (performance.now() - start) / 1000, node: mb(peak.node), ffmpeg: mb(peak.ffmpeg), total: mb(peak.total) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
