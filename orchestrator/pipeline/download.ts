import { mkdir } from "node:fs/promises";
import path from "node:path";
import { OutputStaging } from "../../renderer/output/staging.ts";
import { InterruptedError, RemoteError } from "../errors.ts";
import { localSha256, remoteDigests } from "./remote-files.ts";
import type { PipelineContext } from "./context.ts";
import { untilAborted } from "./until-aborted.ts";

/**
 * download: fetch the MP4 (and the frames with --keep-frames) over SFTP into
 * a staging directory, check each against a sha256 computed on the host, and
 * only then move them to their final names.
 */
export async function download(ctx: PipelineContext): Promise<void> {
  const host = ctx.host!;
  const remoteOut = `${ctx.remote!.runDir}/out/`;
  const files = ctx.rendered!.outputs;
  const digests = await remoteDigests(host, files, ctx.signal);
  const staging = await OutputStaging.create(ctx.outDir, ctx.job.name);
  try {
    let bytes = 0;
    for (const remoteFile of files) {
      if (!remoteFile.startsWith(remoteOut)) throw new RemoteError(`The renderer reported an output outside its directory: ${remoteFile}`);
      if (ctx.signal.aborted) break;
      const relative = remoteFile.slice(remoteOut.length);
      const staged = staging.stage(relative);
      await mkdir(path.dirname(staged), { recursive: true });
      // raced with Ctrl-C: an SFTP transfer or a local hash does not stop by itself, and the staging must be discarded
      await untilAborted(host.download(remoteFile, staged), ctx.signal, "download", 500);
      const expected = digests.get(remoteFile)!;
      const actual = await untilAborted(localSha256(staged), ctx.signal, "download", 500);
      if (actual !== expected.sha256) {
        throw new RemoteError(`${relative} arrived damaged (sha256 ${actual}, expected ${expected.sha256}). Run again.`);
      }
      bytes += expected.size;
    }
    if (ctx.signal.aborted) throw new InterruptedError("Interrupted during download."); // discarded below; never "✔ download"
    if (ctx.job.frames > 1) await staging.removeStaleFrames(ctx.job.name);
    ctx.downloaded = await staging.commit();
    ctx.reporter.info(`  downloaded ${files.length} file${files.length === 1 ? "" : "s"}, ${(bytes / 1e6).toFixed(1)} MB, sha256 verified`);
  } catch (error) {
    await staging.discard();
    throw error;
  }
}
