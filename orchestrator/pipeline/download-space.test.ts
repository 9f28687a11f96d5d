import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { RemoteError } from "../errors.ts";
import { LocalHost } from "../hosts/local-host.ts";
import type { PipelineContext, Rendered, RunDirectory } from "./context.ts";
import { download } from "./download.ts";
import { tempDir } from "../../test/temp-dir.ts";

// A real small file system (tmpfs, so root only) as --out: the outputs would
// not fit, which download must say before it fetches, instead of ENOSPC midway.
const root = tempDir("rr-space-");
const small = path.join(root, "small");
const asRoot = process.getuid?.() === 0;
afterAll(() => {
  if (asRoot) execFileSync("umount", [small], { stdio: "ignore" });
});

describe.skipIf(!asRoot)("download checks free space first", () => {
  it("refuses outputs larger than the free space under --out, naming both, and writes nothing", async () => {
    mkdirSync(small);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", small]);
    const runDir = path.join(root, ".render-remote-run.Ab3dEf9h");
    mkdirSync(path.join(runDir, "out"), { recursive: true });
    writeFileSync(path.join(runDir, "out", "big.mp4"), "");
    truncateSync(path.join(runDir, "out", "big.mp4"), 20_000_000); // within what a 1000x1000, 10-frame job may make
    const ctx = {
      job: parseSpec({ name: "big", width: 1000, height: 1000, frames: 10 }),
      keepFrames: false,
      outDir: path.join(small, "out"),
      signal: new AbortController().signal,
      reporter: { info: () => undefined },
    } as unknown as PipelineContext;
    const made = { runDir: { path: runDir } as RunDirectory, rendered: { outputs: [path.join(runDir, "out", "big.mp4")] } as Rendered };
    const error = await download(ctx, new LocalHost(), made.runDir, made.rendered).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(
      /^The outputs need 20\.0 MB but only [0-9.]+ MB are free under .*small\/out\. Free some space or choose another --out/,
    );
    expect(readdirSync(path.join(small, "out"))).toEqual([]);
  });
});
