import path from "node:path";
import { loadJob } from "../../renderer/load-spec.ts";
import { checkMp4FrameSize } from "../../renderer/output/h264-limits.ts";
import type { Job } from "../../renderer/spec.ts";
import { BadInputError } from "../errors.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import type { Host } from "../hosts/host.ts";
import { LocalHost } from "../hosts/local-host.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import { formatSshTarget, parseSshTarget } from "../hosts/ssh-target.ts";
import { waitingForSshd } from "../pipeline/connect-progress.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runPipeline, type PipelineResult } from "../pipeline/run-pipeline.ts";
import { createRunId } from "../cloud/run-id.ts";
import { LinkLostError } from "../detach/host-link.ts";
import { lostLinkAdvice } from "../detach/lost-advice.ts";
import { journalHooks, startTargetJournal } from "../detach/run-journal.ts";

export interface RunOptions {
  spec: string;
  out: string;
  dryRun: boolean;
  target?: string;
  identity?: string;
  /** ssh-agent socket, used for --target when no --identity is given. */
  agent?: string;
  acceptNewHostKey: boolean;
  knownHosts?: string;
  keepFrames: boolean;
  processes?: number;
  preset: string;
  reporter: StageReporter;
  signal: AbortSignal;
  /** Told the run directory's name as soon as it exists (forced-quit advice). */
  onRunDir?: (runDir: string, hostHint: readonly string[]) => void;
  /** Seconds to keep trying until sshd answers. */
  connectTimeoutSeconds: number;
  /** Seconds a dropped link is reconnected before the client gives up (the render goes on). */
  reconnectForSeconds?: number;
}

export interface RunResult {
  mode: "dry-run" | "target" | "cloud";
  job: Job;
  outputs: string[];
  stageSeconds: PipelineResult["stageSeconds"];
  renderSeconds: number;
  /** Everything but the render itself: connect, prepare, upload, download, teardown. */
  overheadSeconds: number;
  leftovers: string[];
  /** --target and cloud runs: the journal's id, for `runs` and `attach`. */
  runId?: string;
}

/** `render-remote --spec FILE` with --dry-run (this machine) or --target (a server you have). */
export async function runOnHost(options: RunOptions): Promise<RunResult> {
  if (options.dryRun && options.target)
    throw new BadInputError("Use either --dry-run (render on this machine) or --target (render on your server), not both.");
  if (!options.dryRun && !options.target)
    throw new BadInputError(
      "Say where to render: --dry-run (this machine), --target ssh://user@host (your server), or --plan 48core (a rented Linode).",
    );
  const job = await loadJob(options.spec, {});
  checkMp4FrameSize(job); // before a server is rented or reached
  const target = options.target ? parseSshTarget(options.target) : undefined;
  if (options.identity === undefined && options.agent === undefined && target) {
    throw new BadInputError(
      "--target needs a key: pass --identity KEYFILE (the private key that logs in to the server), or run an ssh-agent.",
    );
  }

  const openHost = async (signal: AbortSignal): Promise<Host> => {
    if (!target) return new LocalHost();
    const started = Date.now();
    const timeoutMs = options.connectTimeoutSeconds * 1000;
    return connectSsh(target, {
      identityFile: options.identity,
      agent: options.identity === undefined ? options.agent : undefined,
      hostKeys: { kind: "known_hosts", file: options.knownHosts, acceptNew: options.acceptNewHostKey },
      timeoutMs,
      signal,
      onRetry: ({ attempt, error }) =>
        options.reporter.info(
          waitingForSshd(formatSshTarget(target), attempt, error, timeoutMs - (Date.now() - started), options.connectTimeoutSeconds),
        ),
      onNotice: (message) => options.reporter.info(`  ${message}`),
    });
  };
  const hostHint = target ? ["ssh", "-p", String(target.port), `${target.user}@${target.host}`] : [];
  const outDir = path.resolve(options.out);
  // a --target run is journaled, so a client that goes away can be replaced by `render-remote attach`
  const runId = target ? createRunId() : undefined;
  const warn = (line: string) => options.reporter.warn(line);
  const hooks = runId ? journalHooks(runId, warn) : undefined;
  if (target && runId) {
    const access = {
      host: target.host,
      port: target.port,
      user: target.user,
      keyPath: options.identity && path.resolve(options.identity),
      knownHostsPath: options.knownHosts && path.resolve(options.knownHosts),
    };
    await startTargetJournal({ runId, target: formatSshTarget(target), access, outDir, job, keepFrames: options.keepFrames }).catch(
      (error: Error) => warn(`could not write the journal of run ${runId} (${error.message}); \`render-remote attach\` will not find it`),
    );
    options.reporter.info(`run ${runId} on ${formatSshTarget(target)}`);
  }
  const ctx: PipelineContext = {
    job,
    bundlePath: locateRendererBundle(),
    outDir,
    keepFrames: options.keepFrames,
    processes: options.processes,
    preset: options.preset,
    waitForCloudInit: false,
    openHost,
    hostHint,
    signal: options.signal,
    reporter: options.reporter,
    onRunDir: (runDir) => {
      hooks?.onRunDir(runDir);
      options.onRunDir?.(runDir, hostHint);
    },
    onLaunched: hooks?.onLaunched,
    reconnectForSeconds: options.reconnectForSeconds,
  };
  const result = await runJournaled(ctx, runId, hooks, target ? formatSshTarget(target) : "this machine");
  return {
    mode: target ? "target" : "dry-run",
    job,
    outputs: result.outputs,
    stageSeconds: result.stageSeconds,
    renderSeconds: result.renderSeconds,
    overheadSeconds: result.overheadSeconds,
    leftovers: result.leftovers,
    runId,
  };
}

/** The pipeline, with the journal told how the run ended; a lost link says how to attach. */
async function runJournaled(
  ctx: PipelineContext,
  runId: string | undefined,
  hooks: ReturnType<typeof journalHooks> | undefined,
  where: string,
): Promise<PipelineResult> {
  try {
    const result = await runPipeline(ctx);
    await hooks?.state(result.leftovers.length === 0 ? "torn-down" : "downloaded", {
      status: result.leftovers.length === 0 ? "destroyed" : "live",
      stage: "teardown",
    });
    return result;
  } catch (error) {
    if (error instanceof LinkLostError && runId) {
      await hooks?.state("unreachable");
      error.message = `${error.message}\n${lostLinkAdvice(runId, where, { mode: "target" })}`;
    } else await hooks?.state("failed", { status: "destroyed", stage: "teardown" });
    throw error;
  }
}
