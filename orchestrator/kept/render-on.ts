import os from "node:os";
import path from "node:path";
import { loadJob } from "../../renderer/load-spec.ts";
import { checkMp4FrameSize } from "../../renderer/output/h264-limits.ts";
import type { Job } from "../../renderer/spec.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { journalFor } from "../detach/attach.ts";
import { LinkLostError } from "../detach/host-link.ts";
import { formatUtc } from "../detach/lost-advice.ts";
import { RemoteError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";
import { quoteArg } from "../hosts/shell-quote.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import { formatSshTarget } from "../hosts/ssh-target.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import { adviceCommand } from "../pipeline/leftover-advice.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runPipeline, type PipelineResult } from "../pipeline/run-pipeline.ts";
import { readJournal, updateJournal, type RunJournal } from "../state/journal.ts";
import type { Fit } from "./fit.ts";
import { estimateFit } from "./on-estimate.ts";
import { keptServerFor, type KeptServer } from "./on-entry.ts";
import { acquireServerLock, LOCK_GRACE_SECONDS, type LockOptions, type ServerLock } from "./server-lock.ts";

export interface RenderOnOptions {
  /** The kept server's run id (`render-remote up` printed it). */
  runId: string;
  spec: string;
  out: string;
  keepFrames: boolean;
  processes?: number;
  preset: string;
  connectTimeoutSeconds: number;
  reconnectForSeconds?: number;
  reporter: StageReporter;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Told the run directory as soon as it exists (forced-quit advice). */
  onRunDir?: (runDir: string, hostHint: readonly string[]) => void;
  /** Tests: another lock name or grace. */
  lock?: Pick<LockOptions, "name" | "graceSeconds">;
}

export interface OnResult extends Omit<PipelineResult, "iterations" | "workers"> {
  runId: string;
  job: Job;
  /** The armed deadline (ISO) and the seconds left before it once this render is done; absent without an armed watchdog. */
  deadline?: string;
  leftSeconds?: number;
  fit?: Fit;
}

/**
 * `render-remote --on <run-id> --spec FILE`: render on a server `up` keeps.
 * Everything that can refuse is checked first (the entry, the spec, the fit
 * before the deadline), so a refusal touches nothing; then the pipeline runs
 * with the toolchain `up` found (no provisioning, no prepare), under the
 * server's --on lock, and its teardown removes the run directory only: the
 * server stays until `down` or its deadline.
 */
export async function renderOn(options: RenderOnOptions): Promise<OnResult> {
  const { reporter, env } = options;
  const server = keptServerFor(await journalFor(options.runId, env));
  const job = await loadJob(options.spec, {});
  checkMp4FrameSize(job);
  const fit = await estimateFit(server, job, { processes: options.processes, preset: options.preset, reporter, env });

  const { access, kept } = server;
  const target = { host: access.host, port: access.port, user: access.user };
  // the known_hosts file `up` wrote pins the key for the user's own ssh and scp too
  const trust = access.knownHostsPath ? ["-o", `UserKnownHostsFile=${access.knownHostsPath}`] : [];
  const hostHint = ["ssh", "-i", access.keyPath, ...trust, "-p", String(access.port), `${access.user}@${access.host}`];
  const warn = (line: string) => reporter.warn(line);
  let lock: ServerLock | undefined;
  let current: Host | undefined;
  let runDir: string | undefined;
  const openHost = async (signal: AbortSignal): Promise<Host> => {
    const host = await connectSsh(target, {
      identityFile: access.keyPath,
      hostKeys: { kind: "pinned", publicKey: kept.hostPublicKey },
      timeoutMs: options.connectTimeoutSeconds * 1000,
      signal,
      onRetry: ({ attempt }) => attempt === 1 && reporter.info(`  waiting for sshd on ${formatSshTarget(target)}…`),
    }).catch((error: unknown) => {
      throw unreachable(error, server);
    });
    // the first connection takes the lock before anything is uploaded; a reconnect holds it already
    if (!lock) {
      const holder = {
        keptRunId: server.runId,
        client: os.hostname(),
        clientPid: process.pid,
        startedAt: new Date().toISOString(),
        spec: job.name,
      };
      lock = await acquireServerLock(host, holder, { signal, runId: server.runId, ...options.lock }).catch(async (error: unknown) => {
        await host.close().catch(() => undefined);
        throw error;
      });
      if (lock.tookStale) reporter.info("  replaced a stale --on lock (its render had ended and its client had gone quiet)");
    }
    current = host;
    return host;
  };
  const ctx: PipelineContext = {
    job,
    bundlePath: locateRendererBundle(),
    outDir: path.resolve(options.out),
    keepFrames: options.keepFrames,
    processes: options.processes,
    preset: options.preset,
    waitForCloudInit: false,
    toolchain: kept.toolchain,
    openHost,
    hostHint,
    signal: options.signal,
    reporter: keptStages(reporter, server.runId, env, async () => {
      // the render is over: no process marks the lock live while the results come home
      if (lock && current) await lock.touch(current).catch((error: Error) => warn(error.message));
    }),
    onRunDir: (dir) => {
      runDir = dir;
      options.onRunDir?.(dir, hostHint);
    },
    onLaunched: async (dir) => {
      if (lock && current) await lock.markRunDir(current, dir).catch((error: Error) => warn(error.message));
    },
    beforeClose: async (host) => {
      await lock?.release(host);
    },
    reconnectForSeconds: options.reconnectForSeconds,
  };
  try {
    const run = await runPipeline(ctx);
    await noteKept(server.runId, env, (entry) => ({
      // up's provision and prepare stay; connect, upload, render, download and teardown are this render's
      stageSeconds: { ...entry.stageSeconds, ...(run.stageSeconds as Record<string, number>) },
      measured: { iterations: run.iterations, renderSeconds: run.renderSeconds, vcpus: run.workers, overheadSeconds: run.overheadSeconds },
    }));
    const { iterations: _iterations, workers: _workers, ...rest } = run;
    const leftSeconds = server.deadline === undefined ? undefined : (Date.parse(server.deadline) - Date.now()) / 1000;
    return { ...rest, runId: server.runId, job, deadline: server.deadline, leftSeconds, fit };
  } catch (error) {
    const status = await noteKept(server.runId, env, () => ({}));
    if (error instanceof LinkLostError)
      error.message =
        status === "live"
          ? `${error.message}\n${lostOnAdvice(server, runDir, hostHint, trust, ctx.outDir)}`
          : `${error.message}\nServer ${server.runId} is ${status ?? "gone from the journal"} (render-remote down ran meanwhile): the render went with it.`;
    throw error;
  }
}

/** The journal's stage: "render" while a render runs, "kept" again after; only while the server is still live (not being taken `down`). */
async function noteKept(
  runId: string,
  env: NodeJS.ProcessEnv | undefined,
  changes: (entry: RunJournal) => Partial<RunJournal>,
): Promise<RunJournal["status"] | undefined> {
  const entry = await readJournal(runId, env).catch(() => undefined);
  if (entry?.status === "live") await updateJournal(runId, { ...changes(entry), stage: "kept" }, env).catch(() => undefined);
  return entry?.status;
}

/** Stages as the pipeline runs them, plus the journal's "render" and a sign of life on the lock before the download. */
function keptStages(
  reporter: StageReporter,
  runId: string,
  env: NodeJS.ProcessEnv | undefined,
  beforeDownload: () => Promise<void>,
): StageReporter {
  return {
    ...reporter,
    stage: async (name, run) => {
      if (name === "render") await updateJournal(runId, { stage: "render" }, env).catch(() => undefined);
      if (name === "download") await beforeDownload();
      return reporter.stage(name, run);
    },
  };
}

/** A link lost for good: the render goes on over there, and how to get its results without `attach` (which would destroy the server). */
function lostOnAdvice(
  server: KeptServer,
  runDir: string | undefined,
  hostHint: readonly string[],
  trust: readonly string[],
  outDir: string,
): string {
  if (!runDir)
    return `Nothing was rendered on server ${server.runId}. Run again when it is reachable, or remove it: render-remote down ${server.runId}`;
  const { keyPath, port, user, host } = server.access;
  // scp expands the * over there, in the run directory's own out/
  const fetch = ["scp", "-i", keyPath, ...trust, "-P", String(port), `${user}@${host}:${runDir}/out/*`, outDir].map(quoteArg).join(" ");
  const lines = [
    `The render goes on on server ${server.runId} in ${runDir}; the server's --on lock stays with it until it has ended and its directory is removed (or ${LOCK_GRACE_SECONDS / 60} min without a sign of life have passed).`,
    `Its results wait there${server.deadline ? ` until the server deletes itself at ${formatUtc(server.deadline)}` : ""}. When the server is reachable again, fetch them with:`,
    `  ${fetch}`,
    `then remove the directory: ${adviceCommand(hostHint, `rm -rf -- ${quoteArg(runDir)}`)}`,
    `(or remove the whole server now: render-remote down ${server.runId})`,
  ];
  return lines.join("\n");
}

/** A kept server that does not answer: its firewall admits only the address `up` allowed, or it is gone. */
function unreachable(error: unknown, server: KeptServer): unknown {
  if (!(error instanceof RemoteError) || !/did not answer within/.test(error.message)) return error;
  return new RemoteError(
    `${error.message}\nServer ${server.runId}'s firewall admits SSH only from the address \`up\` allowed (--ssh-from): if this machine's address changed since, ` +
      `it cannot reach it. \`render-remote audit\` shows whether the server still exists; render-remote down ${server.runId} removes it.`,
    { cause: error },
  );
}
