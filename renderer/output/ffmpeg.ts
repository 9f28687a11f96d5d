import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { RenderError } from "../errors.ts";

/**
 * The ffmpeg to encode with: JULIA_RENDER_FFMPEG when set; else the static
 * build that ships in the @ffmpeg-installer/ffmpeg npm package; else the first
 * on PATH. The static build goes first because it is the cheaper encoder here:
 * it starts in ~1 ms where Debian's ffmpeg, linked against ~100 shared
 * libraries, takes ~0.2 s of CPU before its first frame, and it spent ~20 %
 * less CPU on the same 300 frames (1.3 against 1.6 CPU-s, bench's
 * seed-spiral-10s). On a bare server the bundle has no node_modules: there it
 * is the one on PATH. The lookup is a look at files, not a trial run.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env, bundled: () => string | undefined = bundledFfmpeg): string {
  if (env.JULIA_RENDER_FFMPEG) return env.JULIA_RENDER_FFMPEG;
  const shipped = bundled();
  if (shipped) return shipped;
  const onPath = (env.PATH ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, "ffmpeg"))
    .find(isExecutableFile);
  if (onPath) return onPath;
  throw new RenderError(
    "ffmpeg was found neither in node_modules (@ffmpeg-installer) nor on PATH. Install it (Debian/Ubuntu: `sudo apt-get install -y ffmpeg`) and run again.",
  );
}

/** The @ffmpeg-installer binary for this platform, when it is installed and executable. */
export function bundledFfmpeg(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const installer = require("@ffmpeg-installer/ffmpeg") as { path: string };
    return isExecutableFile(installer.path) ? installer.path : undefined;
  } catch {
    return undefined;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface EncoderOptions {
  ffmpeg: string;
  width: number;
  height: number;
  fps: number;
  /** x264 speed/size trade-off: ultrafast … veryslow. */
  preset: string;
  outFile: string;
  /** What the frames are: RGB (the default), or yuv420p planes that x264 takes as they are. */
  inputFormat?: "rgb24" | "yuv420p";
}

/**
 * ffmpeg's arguments for raw frames on stdin. yuv420p frames are copied into ffmpeg's
 * own pooled buffers (`-vf copy`): that is cheaper than x264 keeping the input
 * packets, which are fresh memory every frame (measured: ~3× the page faults).
 */
export function rawFramesInput(format: "rgb24" | "yuv420p", width: number, height: number, fps: number): string[] {
  return [
    "-f",
    "rawvideo",
    "-pix_fmt",
    format,
    "-s",
    `${width}x${height}`,
    "-framerate",
    String(fps),
    "-i",
    "pipe:0",
    ...(format === "yuv420p" ? ["-vf", "copy"] : []),
  ];
}

export const X264_PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"] as const;

/**
 * An H.264 (libx264, yuv420p) encoder fed raw RGB frames on stdin, so frames
 * never go through PNG on their way into the video.
 */
export class Mp4Encoder {
  private readonly child: ChildProcess;
  private stderrTail = "";
  private readonly exited: Promise<number | null>;
  private failure: Error | undefined;
  encodeMs = 0;

  constructor(private readonly options: EncoderOptions) {
    const args = [
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-y",
      ...rawFramesInput(options.inputFormat ?? "rgb24", options.width, options.height, options.fps),
      "-c:v",
      "libx264",
      "-preset",
      options.preset,
      "-pix_fmt",
      "yuv420p",
      "-movflags",
      "+faststart",
      "-f",
      "mp4",
      options.outFile,
    ];
    this.child = spawn(options.ffmpeg, args, { stdio: ["pipe", "ignore", "pipe"] });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    // EPIPE when ffmpeg dies early: the exit code and stderr say why, below.
    this.child.stdin!.on("error", (error) => (this.failure ??= error));
    this.exited = new Promise((resolve) => {
      this.child.on("error", (error) => {
        this.failure = error;
        resolve(null);
      });
      this.child.on("close", (code) => resolve(code));
    });
  }

  /** Resolves once ffmpeg has taken the frame, so the caller may reuse the buffer. */
  async write(rgb: Uint8Array): Promise<void> {
    if (this.failure) throw this.error("ffmpeg stopped taking frames");
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      this.child.stdin!.write(rgb, (error) => (error ? reject(this.error("ffmpeg stopped taking frames", error)) : resolve()));
    });
    this.encodeMs += performance.now() - t0;
  }

  /** Closes stdin and waits for the MP4 to be finished. */
  async finish(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.exited;
    if (code !== 0) throw this.error(`ffmpeg exited with code ${code}`);
  }

  /** Stops ffmpeg (on failure or interrupt); the caller removes the partial file. */
  async kill(): Promise<void> {
    this.child.stdin!.destroy();
    this.child.kill("SIGKILL");
    await this.exited;
  }

  private error(what: string, cause?: unknown): RenderError {
    const tail = this.stderrTail.trim().split("\n").slice(-8).join("\n");
    return new RenderError(`${what} while writing ${this.options.outFile}.${tail ? `\nffmpeg said:\n${tail}` : ""}`, {
      cause: cause ?? this.failure,
    });
  }
}
