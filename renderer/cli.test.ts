import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { juliaRender, probeVideo, runBundle } from "../test/run-bundle.ts";
import { waitForOutput } from "../test/wait-for-output.ts";
import { tempDir } from "../test/temp-dir.ts";

function workspace(spec?: Record<string, unknown>): { dir: string; spec: string; out: string } {
  const dir = tempDir("julia-render-");
  const specFile = path.join(dir, "tiny.json");
  if (spec) writeFileSync(specFile, JSON.stringify(spec));
  return { dir, spec: specFile, out: path.join(dir, "out") };
}

const tiny = { width: 48, height: 40, maxIterations: 30, frames: 7, fps: 5 };

describe("julia-render (the bundle)", () => {
  it("renders an MP4 that ffprobe accepts, and PNG frames", async () => {
    const w = workspace(tiny);
    const run = await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out, "--png-frames", "--processes", "2"]);
    expect(run.exitCode, run.all).toBe(0);
    expect(await probeVideo(path.join(w.out, "tiny.mp4"))).toEqual({
      codec: "h264",
      pixFmt: "yuv420p",
      width: 48,
      height: 40,
      frames: 7,
      fps: "5/1",
    });
    const frames = readdirSync(path.join(w.out, "frames")).sort();
    expect(frames).toEqual([
      "tiny_00000.png",
      "tiny_00001.png",
      "tiny_00002.png",
      "tiny_00003.png",
      "tiny_00004.png",
      "tiny_00005.png",
      "tiny_00006.png",
    ]);
    const png = PNG.sync.read(readFileSync(path.join(w.out, "frames", "tiny_00003.png")));
    expect([png.width, png.height]).toEqual([48, 40]);
    expect(run.stdout).toMatch(
      /Spent [\d.]+ seconds generating images\.\nSpent [\d.]+ seconds generating animation\.\nSpent [\d.]+ seconds in total\./,
    );
    expect(readdirSync(w.out).filter((f) => f.startsWith("."))).toEqual([]); // no staging left
  });

  it("runs as one file with no node_modules anywhere near it, as on a bare server", async () => {
    const w = workspace(tiny);
    const lone = path.join(w.dir, "julia-render.mjs");
    copyFileSync(juliaRender, lone);
    const run = await runBundle(lone, ["--spec", w.spec, "--out", w.out, "--processes", "2"], { cwd: w.dir });
    expect(run.exitCode, run.all).toBe(0);
    expect((await probeVideo(path.join(w.out, "tiny.mp4"))).frames).toBe(7);
  });

  it("rounds odd sizes up to even for yuv420p, keeping PNGs exact", async () => {
    const w = workspace({ ...tiny, width: 33, height: 21, frames: 3 });
    const run = await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out, "--png-frames"]);
    expect(run.exitCode, run.all).toBe(0);
    const video = await probeVideo(path.join(w.out, "tiny.mp4"));
    expect([video.width, video.height, video.frames]).toEqual([34, 22, 3]);
    const png = PNG.sync.read(readFileSync(path.join(w.out, "frames", "tiny_00000.png")));
    expect([png.width, png.height]).toEqual([33, 21]);
  });

  it("feeds x264 yuv420p planes when no PNG needs RGB, with colours as close to the exact frames as ffmpeg's own conversion", async () => {
    const spec = { ...tiny, width: 121, height: 90, maxIterations: 200, frames: 6, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } };
    const w = workspace(spec);
    // an ffmpeg that notes its arguments, then is the real one
    const logged = path.join(w.dir, "ffmpeg-args.txt");
    const wrapper = path.join(w.dir, "ffmpeg");
    const { stdout: realFfmpeg } = await execa("sh", ["-c", "command -v ffmpeg"]);
    writeFileSync(
      wrapper,
      `#!/bin/sh
echo "$@" >> '${logged}'
exec '${realFfmpeg.trim()}' "$@"
`,
    );
    chmodSync(wrapper, 0o755);
    const yuv = await runBundle(juliaRender, ["--spec", w.spec, "--out", path.join(w.dir, "yuv"), "--ffmpeg", wrapper]);
    expect(yuv.exitCode, yuv.all).toBe(0);
    const rgb = await runBundle(juliaRender, ["--spec", w.spec, "--out", path.join(w.dir, "rgb"), "--ffmpeg", wrapper, "--png-frames"]);
    expect(rgb.exitCode, rgb.all).toBe(0);
    const [yuvArgs, rgbArgs] = readFileSync(logged, "utf8").trim().split("\n");
    expect(yuvArgs).toMatch(/-pix_fmt yuv420p -s 122x90 .*-i pipe:0 -vf copy /);
    expect(rgbArgs).toMatch(/-pix_fmt rgb24 -s 122x90 .*-i pipe:0 -c:v libx264 /);
    expect(await probeVideo(path.join(w.dir, "yuv", "tiny.mp4"))).toMatchObject({ pixFmt: "yuv420p", width: 122, height: 90, frames: 6 });

    // frame 4 of each video, decoded, against the exact PNG (its padding column left out)
    const exact = PNG.sync.read(readFileSync(path.join(w.dir, "rgb", "frames", "tiny_00004.png")));
    const meanError = async (video: string) => {
      const { stdout } = await execa(
        "ffmpeg",
        ["-v", "error", "-i", video, "-vf", "select=eq(n\\,4)", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgba", "-"],
        { encoding: "buffer" },
      );
      let total = 0;
      for (let row = 0; row < 90; row++) {
        for (let i = 0; i < 121 * 4; i++) if (i % 4 !== 3) total += Math.abs(stdout[row * 122 * 4 + i] - exact.data[row * 121 * 4 + i]);
      }
      return total / (121 * 90 * 3);
    };
    const yuvError = await meanError(path.join(w.dir, "yuv", "tiny.mp4"));
    const rgbError = await meanError(path.join(w.dir, "rgb", "tiny.mp4"));
    expect(yuvError).toBeGreaterThan(0); // lossy, but
    expect(yuvError).toBeLessThan(Math.max(4, 1.25 * rgbError)); // no worse than ffmpeg's conversion
  });

  it("gives byte-identical frames with 1 worker and with 3", async () => {
    const spec = { ...tiny, width: 120, height: 90, maxIterations: 200, frames: 5, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } };
    const one = workspace(spec);
    const many = workspace(spec);
    expect((await runBundle(juliaRender, ["--spec", one.spec, "--out", one.out, "--png-frames", "--processes", "1"])).exitCode).toBe(0);
    expect((await runBundle(juliaRender, ["--spec", many.spec, "--out", many.out, "--png-frames", "--processes", "3"])).exitCode).toBe(0);
    for (const frame of readdirSync(path.join(one.out, "frames"))) {
      expect(readFileSync(path.join(many.out, "frames", frame)).equals(readFileSync(path.join(one.out, "frames", frame))), frame).toBe(
        true,
      );
    }
  });

  it("a re-run replaces the earlier output and leaves no stale frames", async () => {
    const w = workspace(tiny);
    expect((await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out, "--png-frames"])).exitCode).toBe(0);
    writeFileSync(w.spec, JSON.stringify({ ...tiny, frames: 3 }));
    expect((await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out, "--png-frames"])).exitCode).toBe(0);
    expect(readdirSync(path.join(w.out, "frames")).sort()).toEqual(["tiny_00000.png", "tiny_00001.png", "tiny_00002.png"]);
    expect((await probeVideo(path.join(w.out, "tiny.mp4"))).frames).toBe(3);
  });

  it("one frame becomes <name>.png, and --frame K becomes <name>_K.png", async () => {
    const w = workspace({ ...tiny, frames: 1 });
    expect((await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out])).exitCode).toBe(0);
    expect(readdirSync(w.out)).toEqual(["tiny.png"]);
    const k = workspace(tiny);
    expect((await runBundle(juliaRender, ["--spec", k.spec, "--out", k.out, "--frame", "4"])).exitCode).toBe(0);
    expect(readdirSync(k.out)).toEqual(["tiny_4.png"]);
    const bad = await runBundle(juliaRender, ["--spec", k.spec, "--out", k.out, "--frame", "7"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--frame must be an integer from 0 to 6/);
  });

  it("takes the seed's flags", async () => {
    const w = workspace();
    const run = await runBundle(juliaRender, [
      "--num-steps",
      "30",
      "--max-iterations",
      "50",
      "--framerate",
      "10",
      "--duration",
      "1",
      "--c-imag-initial",
      "-0.42",
      "--c-imag-increment",
      "0.042",
      "--num-processes",
      "1",
      "--out",
      w.out,
      "--progress",
      "json",
    ]);
    expect(run.exitCode, run.all).toBe(0);
    const video = await probeVideo(path.join(w.out, "julia.mp4"));
    expect([video.width, video.height, video.frames, video.fps]).toEqual([30, 30, 10, "10/1"]);
  });

  it("streams JSON progress, ending with a done event", async () => {
    const w = workspace(tiny);
    const run = await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out, "--progress", "json"]);
    const events = run.stdout.split("\n").map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ event: "start", name: "tiny", frames: 7, width: 48, height: 40 });
    expect(events.filter((e) => e.event === "frame").at(-1)).toMatchObject({ done: 7, total: 7 });
    const done = events.at(-1);
    expect(done).toMatchObject({ event: "done", outputs: [path.join(w.out, "tiny.mp4")] });
    expect(done.seconds.total).toBeGreaterThan(0);
    expect(done.iterations).toBeGreaterThanOrEqual(48 * 40 * 7);
    expect(Object.keys(done.split).sort()).toEqual(["color", "encode", "io", "kernel"]);
  });

  it("rejects a bad spec with exit 2 and writes nothing", async () => {
    const w = workspace({ ...tiny, width: 0, colour: "red" });
    const run = await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/unknown key "colour"/);
    expect(run.stderr).toMatch(/"width" must be an integer from 1 to 16384, got 0/);
    expect(existsSync(w.out)).toBe(false);
    const missing = await runBundle(juliaRender, ["--spec", path.join(w.dir, "nope.json"), "--out", w.out]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read spec file .*nope\.json \(no such file or directory\)/);
    const flag = await runBundle(juliaRender, ["--spec", w.spec, "--processes", "two"]);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/--processes takes a number, got "two"/);
  });

  it("reports an ffmpeg failure with ffmpeg's own words, and leaves nothing half-written", async () => {
    const w = workspace(tiny);
    const fakeFfmpeg = path.join(w.dir, "ffmpeg");
    writeFileSync(fakeFfmpeg, "#!/bin/sh\necho 'Unknown encoder libx264-broken' >&2\nexit 1\n");
    chmodSync(fakeFfmpeg, 0o755);
    const run = await runBundle(juliaRender, ["--spec", w.spec, "--out", w.out, "--png-frames"], {
      env: { JULIA_RENDER_FFMPEG: fakeFfmpeg },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/Unknown encoder libx264-broken/);
    expect(existsSync(w.out)).toBe(false); // nothing written: not even the directory it would have made
  });

  it("checks --out before rendering: a file, a path under a file, /proc are exit 2 in plain words", async () => {
    const w = workspace(tiny);
    const readme = path.join(w.dir, "README.md");
    writeFileSync(readme, "# notes\n");
    const file = await runBundle(juliaRender, ["--spec", w.spec, "--out", "README.md", "--progress", "json"], { cwd: w.dir });
    expect(file.exitCode).toBe(2);
    expect(file.stderr).toContain("`--out README.md` is a file, not a directory.");
    expect(file.stdout).not.toMatch(/"event":"start"/); // nothing was rendered
    expect(readFileSync(readme, "utf8")).toBe("# notes\n");
    const under = await runBundle(juliaRender, ["--spec", w.spec, "--out", "README.md/renders"], { cwd: w.dir });
    expect(under.exitCode).toBe(2);
    expect(under.stderr).toContain(`is under ${readme}, which is a file, not a directory`);
    const proc = await runBundle(juliaRender, ["--spec", w.spec, "--out", "/proc/nope"]);
    expect(proc.exitCode).toBe(2);
    expect(proc.stderr).toMatch(/`--out \/proc\/nope` cannot be created: no such file or directory/);
    expect(readdirSync(w.dir).sort()).toEqual(["README.md", "tiny.json"]);
  });

  it("a failed render leaves no new empty --out directory behind", async () => {
    const w = workspace(tiny);
    const run = await runBundle(juliaRender, [
      "--spec",
      w.spec,
      "--out",
      path.join(w.out, "deep"),
      "--ffmpeg",
      path.join(w.dir, "no-such-ffmpeg"),
    ]);
    expect(run.exitCode).toBe(1);
    expect(existsSync(w.out)).toBe(false);
  });

  it("on SIGINT stops, removes its partial output and exits 130", async () => {
    const w = workspace({ width: 400, maxIterations: 3000, frames: 200, fps: 30 });
    const child = execa(process.execPath, [juliaRender, "--spec", w.spec, "--out", w.out, "--progress", "json", "--png-frames"], {
      reject: false,
    });
    await waitForOutput(child, "stdout", '"event":"frame"');
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(existsSync(w.out)).toBe(false); // no partial output, and no new empty --out directory
  });
});
