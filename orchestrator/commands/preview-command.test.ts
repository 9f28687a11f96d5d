import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { planContactSheet } from "../../renderer/sheet/layout.ts";
import { renderRemote, runBundle } from "../../test/run-bundle.ts";
import { tempDir } from "../../test/temp-dir.ts";

const spec = {
  name: "preview-test",
  width: 120,
  height: 90,
  maxIterations: 40,
  frames: 20,
  fps: 10,
  c: { from: [-0.62772, -0.7], to: [-0.62772, 0] },
};

function workspace() {
  const dir = tempDir("render-remote-preview-");
  writeFileSync(path.join(dir, "preview-test.json"), JSON.stringify(spec));
  return { dir, spec: path.join(dir, "preview-test.json"), out: path.join(dir, "out"), env: { ...process.env, CI: "1" } };
}

describe("render-remote preview (the bundle)", () => {
  it("a bad --out is exit 2 in plain words, before anything renders", async () => {
    const w = workspace();
    writeFileSync(path.join(w.dir, "README.md"), "# notes\n");
    const run = await runBundle(renderRemote, ["preview", "--spec", w.spec, "--out", "README.md"], { env: w.env, cwd: w.dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("render-remote: `--out README.md` is a file, not a directory.");
    expect(run.stderr).not.toMatch(/"event":"frame"|thumbnails?\s*\(/);
  });

  it("runs julia-render --contact-sheet here and prints the sheet's path and what to run next", async () => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["preview", "--spec", w.spec, "--frames", "6", "--out", w.out, "--processes", "2"], {
      env: w.env,
    });
    expect(run.exitCode, run.all).toBe(0);
    const sheet = path.join(w.out, "preview-test_sheet.png");
    expect(run.stdout).toContain(`Wrote ${sheet}\n`);
    expect(run.stdout).toContain(`npx render-remote refine --spec ${w.spec} --from 4s --to 5s`);
    expect(run.stderr).toMatch(/Contact sheet of preview-test: 6 thumbnails/);
    const layout = planContactSheet(parseSpec(spec), { count: 6 });
    const png = PNG.sync.read(readFileSync(sheet));
    expect([png.width, png.height]).toEqual([layout.width, layout.height]);
    expect([layout.columns, layout.rows]).toEqual([3, 2]);
  });

  it("defaults to 12 thumbnails (or every frame of a short animation), and --json prints the result", async () => {
    const w = workspace();
    const run = await runBundle(renderRemote, ["preview", "--spec", w.spec, "--out", w.out, "--json"], { env: w.env });
    expect(run.exitCode, run.all).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ sheet: path.join(w.out, "preview-test_sheet.png"), thumbnails: 12 });
    writeFileSync(w.spec, JSON.stringify({ ...spec, frames: 5 }));
    const short = await runBundle(renderRemote, ["preview", "--spec", w.spec, "--out", w.out, "--json"], { env: w.env });
    expect(JSON.parse(short.stdout).thumbnails).toBe(5);
  });

  it("bad input is exit 2, naming preview's own flags, and writes nothing", async () => {
    const w = workspace();
    const zero = await runBundle(renderRemote, ["preview", "--spec", w.spec, "--frames", "0", "--out", w.out], { env: w.env });
    expect(zero.exitCode).toBe(2);
    expect(zero.stderr).toMatch(/--frames takes a number of thumbnails from 1 to 20 \(at most 400, and the spec has 20 frames\), got 0\./);
    const narrow = await runBundle(renderRemote, ["preview", "--spec", w.spec, "--thumb-width", "4", "--out", w.out], { env: w.env });
    expect(narrow.exitCode).toBe(2);
    expect(narrow.stderr).toMatch(/--thumb-width takes a width in pixels from 16 to 2048, got 4\./);
    const noSpec = await runBundle(renderRemote, ["preview"], { env: w.env });
    expect(noSpec.exitCode).toBe(2);
    expect(noSpec.stderr).toMatch(/--spec is required/);
    expect(existsSync(w.out)).toBe(false);
  });
});
