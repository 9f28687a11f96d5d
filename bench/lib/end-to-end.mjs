// End to end: the real CLI (dist/julia-render.mjs) renders a whole job to MP4.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchDir } from "./bundle.mjs";

const cli = path.join(benchDir, "..", "dist", "julia-render.mjs");

/**
 * { wall, reported, done, cpu? } where reported is the CLI's own total, or { skipped: why }.
 * `timer`: /usr/bin/time, to add `cpu`, the CPU seconds of the CLI and its children (ffmpeg).
 */
export async function renderJob(spec, { timer } = {}) {
  if (!existsSync(cli)) return { skipped: "dist/julia-render.mjs does not exist (run `npm run build`)" };
  const dir = mkdtempSync(path.join(os.tmpdir(), "julia-bench-"));
  try {
    const specFile = path.join(dir, `${spec.name}.json`);
    writeFileSync(specFile, JSON.stringify(spec));
    const cpuFile = path.join(dir, "cpu.txt");
    const command = [process.execPath, cli, "--spec", specFile, "--out", path.join(dir, "out"), "--progress", "json"];
    const [program, ...args] = timer ? [timer, "-f", "%U %S", "-o", cpuFile, ...command] : command;
    const start = performance.now();
    const child = spawn(program, args);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => {
      child.on("close", resolve);
      child.on("error", (error) => {
        stderr += error.message;
        resolve(-1);
      });
    });
    const wall = (performance.now() - start) / 1000;
    if (code !== 0) return { skipped: `the CLI exited with ${code}: ${stderr.trim().split("\n").slice(-2).join(" / ")}` };
    const lines = stdout.trim().split("\n");
    const done = JSON.parse(lines[lines.length - 1]);
    if (done.event !== "done") return { skipped: `the CLI's last line was not a done event: ${lines[lines.length - 1]}` };
    const cpu =
      timer && existsSync(cpuFile)
        ? readFileSync(cpuFile, "utf8")
            .trim()
            .split(/\s+/)
            .map(Number)
            .reduce((a, b) => a + b, 0)
        : undefined;
    return { wall, reported: done.seconds?.total ?? wall, done, cpu };
  } catch (error) {
    return { skipped: `could not run the CLI: ${error.message}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
