import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

it("the committed WASM module is exactly what scripts/gen-kernel.mjs builds from its source", () => {
  const check = spawnSync(process.execPath, [path.join(root, "scripts/gen-kernel.mjs"), "--check"], { encoding: "utf8" });
  expect(check.stderr).toBe("");
  expect(check.status).toBe(0);
});
