import { execa } from "execa";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "..");
export const juliaRender = path.join(repoRoot, "dist", "julia-render.mjs");
export const renderRemote = path.join(repoRoot, "dist", "render-remote.mjs");

export interface BundleRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, for assertion messages. */
  all: string;
}

/** Runs a built command-line program the way a user would, never throwing on a non-zero exit. */
export async function runBundle(
  bundle: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<BundleRun> {
  const result = await execa(process.execPath, [bundle, ...args], {
    reject: false,
    all: true,
    cwd: options.cwd ?? repoRoot,
    env: options.env,
  });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr), all: String(result.all) };
}

/** What ffprobe reports about a video's first stream. */
export async function probeVideo(
  file: string,
): Promise<{ codec: string; pixFmt: string; width: number; height: number; frames: number; fps: string }> {
  const { stdout } = await execa("ffprobe", [
    "-v",
    "error",
    "-count_frames",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate",
    "-of",
    "json",
    file,
  ]);
  const stream = JSON.parse(stdout).streams[0];
  return {
    codec: stream.codec_name,
    pixFmt: stream.pix_fmt,
    width: stream.width,
    height: stream.height,
    frames: Number(stream.nb_read_frames),
    fps: stream.r_frame_rate,
  };
}
