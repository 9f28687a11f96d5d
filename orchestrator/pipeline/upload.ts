import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { jobToSpec } from "../../renderer/spec.ts";
import { RemoteError } from "../errors.ts";
import { localSha256, remoteDigests } from "./remote-files.ts";
import { stat } from "node:fs/promises";
import type { Host } from "../hosts/host.ts";
import type { PipelineContext, RunDirectory } from "./context.ts";

/**
 * upload: a fresh 0700 run directory under the host user's home, then the
 * bundle and the validated spec over SFTP, checked by size and sha256. The
 * spec travels as a file, never inside a command line. `made` hears of the
 * directory as soon as it exists, so teardown removes it even if the upload fails.
 */
export async function upload(ctx: PipelineContext, host: Host, made: (runDir: RunDirectory) => void): Promise<RunDirectory> {
  const home = checkedHome(await host.homeDir(), host.description);
  const mktemp = await host.exec(["mktemp", "-d", `${home}/.render-remote-run.XXXXXXXX`], { signal: ctx.signal });
  if (mktemp.exitCode !== 0) {
    throw new RemoteError(`Could not create a run directory under ${home} on ${host.description}: ${mktemp.stderr.trim()}`);
  }
  const dir = checkedRunDir(mktemp.stdout.replace(/\n$/, ""), home, host.description);
  const runDir: RunDirectory = { path: dir, bundle: `${dir}/julia-render.mjs`, spec: `${dir}/spec.json`, pidFile: `${dir}/render.pid` };
  made(runDir);
  await host.exec(["chmod", "700", runDir.path], { signal: ctx.signal });

  const local = await mkdtemp(path.join(os.tmpdir(), "render-remote-spec-"));
  try {
    const specFile = path.join(local, "spec.json");
    await writeFile(specFile, `${JSON.stringify(jobToSpec(ctx.job), null, 2)}\n`, { mode: 0o600, flag: "wx" });
    const files = [
      { local: ctx.bundlePath, remote: runDir.bundle },
      { local: specFile, remote: runDir.spec },
    ];
    for (const file of files) await host.upload(file.local, file.remote, 0o600);
    const digests = await remoteDigests(
      host,
      files.map((f) => f.remote),
      ctx.signal,
    );
    for (const file of files) {
      const arrived = digests.get(file.remote);
      const size = (await stat(file.local)).size;
      const sha256 = await localSha256(file.local);
      if (!arrived || arrived.size !== size || arrived.sha256 !== sha256) {
        throw new RemoteError(
          `${path.basename(file.remote)} arrived damaged on ${host.description} (size ${arrived?.size} of ${size}, sha256 ${arrived?.sha256 ?? "?"} vs ${sha256}). Run again; if it persists, check the host's disk space.`,
        );
      }
    }
    ctx.reporter.info(`  uploaded ${files.length} files to ${runDir.path} (sizes and sha256 verified)`);
  } finally {
    await rm(local, { recursive: true, force: true });
  }
  return runDir;
}

/** The home the server reports: an absolute path of printable characters, without a trailing slash. */
export function checkedHome(reported: string, where: string): string {
  const home = reported.replace(/\/+$/, "");
  if (!/^(\/[^\u0000-\u001f\u007f]*)?$/.test(home) || home.split("/").includes("..")) {
    throw new RemoteError(
      `${where} reported an unusable home directory ${JSON.stringify(reported.slice(0, 200))}; the server may be compromised. Nothing was created there.`,
    );
  }
  return home;
}

/**
 * The run directory mktemp made, as the server reports it: exactly
 * <home>/.render-remote-run.<8 letters or digits>, since teardown removes it
 * with rm -rf and the cleanup advice prints it.
 */
export function checkedRunDir(reported: string, home: string, where: string): string {
  const pattern = new RegExp(`^${home.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\.render-remote-run\\.[A-Za-z0-9]{8}$`);
  if (!pattern.test(reported)) {
    throw new RemoteError(
      `${where} reported an unexpected run directory ${JSON.stringify(reported.slice(0, 200))} (expected ${home}/.render-remote-run.XXXXXXXX); the server may be compromised. Nothing was uploaded.`,
    );
  }
  return reported;
}
