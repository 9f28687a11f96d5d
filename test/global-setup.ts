import { execFileSync } from "node:child_process";

/** Tests run the shipped bundles, so build them first (esbuild: about a second). */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
