import { mkdir, statfs } from "node:fs/promises";
import path from "node:path";
import { OutputStaging } from "../../renderer/output/staging.ts";
import { InterruptedError, RemoteError } from "../errors.ts";
import { printable } from "../hosts/remote-text.ts";
import { expectedOutputs } from "./expected-outputs.ts";
import { localSha256, remoteDigests } from "./remote-files.ts";
import type { Host } from "../hosts/host.ts";
import type { PipelineContext, Rendered, RunDirectory } from "./context.ts";
import { untilAborted } from "./until-aborted.ts";

/**
 * download: fetch the MP4 (and the frames with --keep-frames) over SFTP into
 * a staging directory, check each against a sha256 computed on the host, and
 * only then move them to their final names. The server is not trusted: every
 * path it reports must be one the job can produce, every size must fit the job,
 * and a file that fails its checksum is removed at once.
 */
export async function download(ctx: PipelineContext, host: Host, runDir: RunDirectory, rendered: Rendered): Promise<string[]> {
  const files = confinedOutputs(ctx, runDir, rendered);
  const digests = await remoteDigests(
    host,
    files.map((file) => file.remote),
    ctx.signal,
  );
  const expected = expectedOutputs(ctx.job, ctx.keepFrames);
  let total = 0;
  for (const file of files) {
    const { size } = digests.get(file.remote)!;
    const limit = expected.maxBytes(file.relative);
    if (size <= 0 || size > limit) {
      throw new RemoteError(
        `The server reports ${file.relative} as ${size} bytes; a ${ctx.job.width}x${ctx.job.height} render of ${ctx.job.frames} frame(s) gives 1 to ${limit}. Nothing was downloaded; check the host.`,
      );
    }
    total += size;
  }
  const staging = await OutputStaging.create(ctx.outDir, ctx.job.name);
  try {
    await ensureFreeSpace(staging.dir, total);
    for (const file of files) {
      if (ctx.signal.aborted) break;
      const { sha256, size } = digests.get(file.remote)!;
      const staged = staging.stage(file.relative);
      await mkdir(path.dirname(staged), { recursive: true });
      // raced with Ctrl-C: an SFTP transfer or a local hash does not stop by itself, and the staging must be discarded
      await untilAborted(host.download(file.remote, staged, undefined, size), ctx.signal, "download", 500);
      const actual = await untilAborted(localSha256(staged), ctx.signal, "download", 500);
      if (actual !== sha256) {
        await staging.unstage(staged);
        throw new RemoteError(`${file.relative} arrived damaged (sha256 ${actual}, expected ${sha256}); it was removed. Run again.`);
      }
    }
    if (ctx.signal.aborted) throw new InterruptedError("Interrupted during download."); // discarded below; never "✔ download"
    if (ctx.job.frames > 1) await staging.removeStaleFrames(ctx.job.name);
    const downloaded = await staging.commit();
    ctx.reporter.info(`  downloaded ${files.length} file${files.length === 1 ? "" : "s"}, ${(total / 1e6).toFixed(1)} MB, sha256 verified`);
    return downloaded;
  } catch (error) {
    await staging.discard();
    throw error;
  }
}

/**
 * The renderer's reported outputs, each checked against the names this job
 * can produce (computed here), so no reported path can lead outside --out.
 */
export function confinedOutputs(
  ctx: Pick<PipelineContext, "job" | "keepFrames">,
  runDir: Pick<RunDirectory, "path">,
  rendered: Pick<Rendered, "outputs">,
): { remote: string; relative: string }[] {
  const remoteOut = `${runDir.path}/out/`;
  const reported = rendered.outputs;
  const expected = expectedOutputs(ctx.job, ctx.keepFrames);
  if (!Array.isArray(reported) || reported.length === 0 || reported.length > expected.maxCount) {
    throw new RemoteError(
      `The server reported ${Array.isArray(reported) ? reported.length : "no list of"} outputs; this job makes 1 to ${expected.maxCount}. Nothing was downloaded; check the host.`,
    );
  }
  const seen = new Set<string>();
  return reported.map((remoteFile) => {
    const relative = typeof remoteFile === "string" && remoteFile.startsWith(remoteOut) ? remoteFile.slice(remoteOut.length) : undefined;
    if (relative === undefined || !expected.has(relative) || seen.has(relative)) {
      throw new RemoteError(
        `The server sent an unexpected path for an output: ${printable(JSON.stringify(remoteFile)).slice(0, 300)}. Expected names under ${remoteOut} such as ${ctx.job.frames > 1 ? `${ctx.job.name}.mp4` : `${ctx.job.name}.png`}. Nothing was downloaded; the host may be compromised.`,
      );
    }
    seen.add(relative);
    return { remote: remoteFile as string, relative };
  });
}

/** Refuses before the first byte when the local disk cannot hold the outputs. */
async function ensureFreeSpace(dir: string, bytes: number): Promise<void> {
  const stats = await statfs(dir).catch(() => undefined);
  if (!stats) return; // no statfs here: the write itself will say so
  const free = stats.bavail * stats.bsize;
  if (!hasRoomFor(bytes, free)) {
    throw new RemoteError(
      `The outputs need ${(bytes / 1e6).toFixed(1)} MB but only ${(free / 1e6).toFixed(1)} MB are free under ${path.dirname(dir)}. Free some space or choose another --out, then run again.`,
    );
  }
}

/** Room for the files plus a margin, so the disk is not filled to the last byte. */
export function hasRoomFor(bytes: number, free: number): boolean {
  return bytes + 16 * 1024 * 1024 <= free;
}
