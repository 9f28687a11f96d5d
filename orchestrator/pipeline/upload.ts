import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { jobToSpec } from "../../renderer/spec.ts";
import { RemoteError } from "../errors.ts";
import { localSha256, remoteDigests } from "./remote-files.ts";
import { stat } from "node:fs/promises";
import type { PipelineContext } from "./context.ts";

/**
 * upload: a fresh 0700 run directory under the host user's home, then the
 * bundle and the validated spec over SFTP, checked by size and sha256. The
 * spec travels as a file, never inside a command line.
 */
export async function upload(ctx: PipelineContext): Promise<void> {
  const host = ctx.host!;
  const home = (await host.homeDir()).replace(/\/+$/, "");
  const made = await host.exec(["mktemp", "-d", `${home}/.render-remote-run.XXXXXXXX`], { signal: ctx.signal });
  const runDir = made.stdout.trim();
  if (made.exitCode !== 0 || !runDir.startsWith(`${home}/.render-remote-run.`)) {
    throw new RemoteError(`Could not create a run directory under ${home} on ${host.description}: ${made.stderr.trim()}`);
  }
  ctx.onRunDir?.(runDir);
  ctx.remote = { ...ctx.remote!, runDir, bundle: `${runDir}/julia-render.mjs`, spec: `${runDir}/spec.json`, pidFile: `${runDir}/render.pid` };
  await host.exec(["chmod", "700", runDir], { signal: ctx.signal });

  const local = await mkdtemp(path.join(os.tmpdir(), "render-remote-spec-"));
  try {
    const specFile = path.join(local, "spec.json");
    await writeFile(specFile, `${JSON.stringify(jobToSpec(ctx.job), null, 2)}\n`, { mode: 0o600 });
    const files = [
      { local: ctx.bundlePath, remote: ctx.remote.bundle },
      { local: specFile, remote: ctx.remote.spec },
    ];
    for (const file of files) await host.upload(file.local, file.remote, 0o600);
    const digests = await remoteDigests(host, files.map((f) => f.remote), ctx.signal);
    for (const file of files) {
      const arrived = digests.get(file.remote);
      const size = (await stat(file.local)).size;
      const sha256 = await localSha256(file.local);
      if (!arrived || arrived.size !== size || arrived.sha256 !== sha256) {
        throw new RemoteError(`${path.basename(file.remote)} arrived damaged on ${host.description} (size ${arrived?.size} of ${size}, sha256 ${arrived?.sha256 ?? "?"} vs ${sha256}). Run again; if it persists, check the host's disk space.`);
      }
    }
    ctx.reporter.info(`  uploaded ${files.length} files to ${runDir} (sizes and sha256 verified)`);
  } finally {
    await rm(local, { recursive: true, force: true });
  }
}
