#!/usr/bin/env node
// Builds the two command-line programs:
//  - dist/julia-render.mjs: the renderer, one self-contained file (no node_modules) that runs on
//    any Node >= 18 with ffmpeg; it is the file uploaded to bare servers.
//  - dist/render-remote.mjs: the orchestrator, which uses the installed node_modules.
import { build } from "esbuild";
import { chmod, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
await mkdir(dist, { recursive: true });

// ESM output cannot `require` Node builtins that bundled CommonJS code (pngjs) asks for.
const requireShim = "import { createRequire as __rrCreateRequire } from 'node:module'; const require = __rrCreateRequire(import.meta.url);";

// The render worker's program, embedded in dist/julia-render.mjs as a string (renderer/frames/worker-script.ts):
// workers start faster when they compile only the renderer, and the bundle stays one file.
const worker = await build({
  absWorkingDir: root,
  entryPoints: ["renderer/frames/worker-entry.ts"],
  bundle: true,
  write: false,
  platform: "node",
  format: "cjs",
  target: "node18",
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
});
const workerSource = worker.outputFiles[0].text;

const targets = [
  {
    entry: "renderer/cli.ts",
    outfile: "dist/julia-render.mjs",
    options: { target: "node18", packages: undefined, define: { RENDER_WORKER_SOURCE: JSON.stringify(workerSource) } },
  },
  {
    entry: "orchestrator/index.ts",
    outfile: "dist/render-remote.mjs",
    // split, so that each command loads only what it uses (Pulumi's SDK alone takes ~1.5 s to load);
    // chunk names carry a content hash, so a rebuild never breaks a run that is still loading chunks
    options: { target: "node20", packages: "external", splitting: true },
  },
];

for (const { entry, outfile, options } of targets) {
  if (!existsSync(path.join(root, entry))) continue;
  const name = path.basename(outfile, ".mjs");
  await build({
    absWorkingDir: root,
    entryPoints: { [name]: entry },
    ...(options.splitting
      ? { outdir: dist, splitting: true, chunkNames: "chunks/[name]-[hash]", outExtension: { ".js": ".mjs" } }
      : { outfile }),
    bundle: true,
    platform: "node",
    format: "esm",
    target: options.target,
    ...(options.packages ? { packages: options.packages } : {}),
    ...(options.define ? { define: options.define } : {}),
    banner: { js: `#!/usr/bin/env node\n${requireShim}` },
    legalComments: "none",
    logLevel: "warning",
  });
  await chmod(path.join(root, outfile), 0o755);
}
