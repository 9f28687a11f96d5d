import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RenderError } from "./errors.ts";

/**
 * The renderer bundle that gets uploaded. It sits next to the orchestrator's
 * own bundle (and its chunks) in dist/, or, when running from sources, in the repo's dist/.
 */
export function locateRendererBundle(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/render-remote.mjs, dist/chunks/*.mjs, or orchestrator/*.ts from sources
  const candidates = [here, path.resolve(here, ".."), path.resolve(here, "..", "dist")].map((dir) => path.join(dir, "julia-render.mjs"));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new RenderError(`The renderer bundle is missing (looked for ${candidates.join(", ")}). Run \`npm run build\` first.`);
  return found;
}
