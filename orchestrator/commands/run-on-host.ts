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
  plan?: string;
  keepFrames: boolean;
  processes?: number;
  preset: string;
  json: boolean;
  reporter: StageReporter;
  signal: AbortSignal;
  /** Told the run directory's name as soon as it exists (forced-quit advice). */
  onRunDir?: (runDir: string, hostHint: readonly string[]) => void;
  /** Seconds to keep trying until sshd answers. */
  connectTimeoutSeconds: number;
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
}

/** `render-remote --spec FILE` with --dry-run (this machine) or --target (a server you have). */
export async function runOnHost(options: RunOptions): Promise<RunResult> {
  if (options.dryRun && options.target) throw new BadInputError("Use either --dry-run (render on this machine) or --target (render on your server), not both.");
  if (!options.dryRun && !options.target) throw new BadInputError("Say where to render: --dry-run (this machine), --target ssh://user@host (your server), or --plan 48core (a rented Linode).");
  const job = await loadJob(options.spec, {});
  checkMp4FrameSize(job); // before a server is rented or reached
  const target = options.target ? parseSshTarget(options.target) : undefined;
  if (options.identity === undefined && options.agent === undefined && target) {
    throw new BadInputError("--target needs a key: pass --identity KEYFILE (the private key that logs in to the server), or run an ssh-agent.");
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
        options.reporter.info(waitingForSshd(formatSshTarget(target), attempt, error, timeoutMs - (Date.now() - started), options.connectTimeoutSeconds)),
      onNotice: (message) => options.reporter.info(`  ${message}`),
    });
  };
  const hostHint = target ? ["ssh", "-p", String(target.port), `${target.user}@${target.host}`] : [];
  const ctx: PipelineContext = {
    job,
    bundlePath: locateRendererBundle(),
    outDir: path.resolve(options.out),
    keepFrames: options.keepFrames,
    processes: options.processes,
    preset: options.preset,
    waitForCloudInit: false,
    openHost,
    hostHint,
    signal: options.signal,
    reporter: options.reporter,
    onRunDir: (runDir) => options.onRunDir?.(runDir, hostHint),
    stageSeconds: {},
  };
  const result = await runPipeline(ctx);
  const total = Object.values(result.stageSeconds).reduce((sum, s) => sum + (s ?? 0), 0);
  return {
    mode: target ? "target" : "dry-run",
    job,
    outputs: result.outputs,
    stageSeconds: result.stageSeconds,
    renderSeconds: result.renderSeconds,
    overheadSeconds: Math.max(0, total - result.renderSeconds),
    leftovers: result.leftovers,
  };
}
