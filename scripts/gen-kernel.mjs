#!/usr/bin/env node
// Assembles the WASM SIMD kernel (renderer/kernel/wasm/, TypeScript) with wabt and writes
// renderer/kernel/wasm-bytes.generated.ts, the base64 module the bundle ships.
//
//   npm run gen:kernel                          regenerate the committed module
//   node scripts/gen-kernel.mjs --check         exit 1 if the committed module is stale
//   node scripts/gen-kernel.mjs --wat           print the WAT source
//   node scripts/gen-kernel.mjs --vectors 3 --unroll 2 --trap-every 2 --out FILE   a variant, for measuring
import { build } from "esbuild";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = path.join(root, "renderer/kernel/wasm-bytes.generated.ts");

/** The generator is TypeScript: compile it with esbuild (wabt stays a package import) and load it. */
async function loadGenerator() {
  const cache = path.join(root, "node_modules/.cache/render-remote");
  mkdirSync(cache, { recursive: true });
  const outfile = path.join(cache, `gen-kernel-${process.pid}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: ["renderer/kernel/wasm/assemble.ts"],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "warning",
  });
  try {
    return await import(pathToFileURL(outfile).href);
  } finally {
    (await import("node:fs")).rmSync(outfile, { force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      check: { type: "boolean" },
      wat: { type: "boolean" },
      vectors: { type: "string" },
      unroll: { type: "string" },
      "trap-every": { type: "string" },
      out: { type: "string" },
    },
  });
  const { SHIPPED_SHAPE, assembleKernel, generatedSource, kernelWat } = await loadGenerator();
  const shape = {
    vectors: Number(values.vectors ?? SHIPPED_SHAPE.vectors),
    unroll: Number(values.unroll ?? SHIPPED_SHAPE.unroll),
    trapEvery: Number(values["trap-every"] ?? SHIPPED_SHAPE.trapEvery),
  };
  if (values.wat) {
    process.stdout.write(kernelWat(shape));
    return;
  }
  const source = generatedSource(await assembleKernel(shape), shape);
  if (values.check) {
    const current = readFileSync(target, "utf8");
    if (current !== source) {
      console.error(`${path.relative(root, target)} is stale: run \`npm run gen:kernel\` and commit it.`);
      process.exit(1);
    }
    console.log(`${path.relative(root, target)} matches its source.`);
    return;
  }
  const out = values.out ? path.resolve(values.out) : target;
  writeFileSync(out, source);
  console.log(`wrote ${path.relative(root, out)}`);
}

await main();
