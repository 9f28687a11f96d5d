// Bundles the renderer's kernels (bench/kernels-entry.ts) into bench/build/kernels.mjs
// with esbuild, the way scripts/build.mjs bundles the CLI, so the bench runs the shipped code.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const buildDir = path.join(benchDir, "build");

export async function bundleKernels() {
  await build({
    entryPoints: [path.join(benchDir, "kernels-entry.ts")],
    outfile: path.join(buildDir, "kernels.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    logLevel: "warning",
  });
}
