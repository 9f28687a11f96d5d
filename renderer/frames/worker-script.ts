/**
 * What a render worker thread runs. The build (scripts/build.mjs) bundles
 * worker-entry.ts on its own and embeds it in dist/julia-render.mjs as a
 * string: a worker then starts by compiling ~0.2 MB of renderer code instead
 * of the whole 1 MB program, and the bundle stays one file. Without the build
 * (code loaded from source), workers run the given script instead.
 */
declare const RENDER_WORKER_SOURCE: string | undefined;

export type WorkerScript = { kind: "source"; source: string } | { kind: "url"; url: URL };

export function renderWorkerScript(fallback: URL): WorkerScript {
  return typeof RENDER_WORKER_SOURCE === "string" ? { kind: "source", source: RENDER_WORKER_SOURCE } : { kind: "url", url: fallback };
}
