// Compiles bench/kernel.c on the spot and runs it on a frame.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { benchDir, buildDir } from "./bundle.mjs";

const FLAGS = ["-O3", "-ffp-contract=off"];

/** { exe, compiler } or { skipped: why }. */
export function compileC() {
  mkdirSync(buildDir, { recursive: true });
  const exe = path.join(buildDir, "kernel-c");
  const result = spawnSync("cc", [...FLAGS, "-o", exe, path.join(benchDir, "kernel.c"), "-lm"], { encoding: "utf8" });
  if (result.error?.code === "ENOENT") return { skipped: "no `cc` on PATH (install gcc or clang to compare with C)" };
  if (result.status !== 0) return { skipped: `cc failed: ${result.stderr.trim().split("\n").slice(-3).join(" / ")}` };
  const version = spawnSync("cc", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
  return { exe, compiler: `${version} ${FLAGS.join(" ")}` };
}

/** Best of `repeats` runs (C has no warm-up to wait for); returns { work, seconds, checksum }. */
export function runC(exe, frame, repeats = 5) {
  const { width, height = width, re = [-1.8, 1.8], im = [-1.8, 1.8], c, max, radius = 2 } = frame;
  const args = [width, height, re[0], re[1], im[0], im[1], c[0], c[1], max, radius, repeats].map(String);
  const result = spawnSync(exe, args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${exe} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
