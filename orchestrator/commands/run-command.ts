import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareOutDir } from "../../renderer/output/out-dir.ts";
import { showUnder, wroteLines } from "../../renderer/output/wrote-lines.ts";
import { BadInputError } from "../errors.ts";
import { parseDeadline } from "./deadline.ts";
import { parseReconnectFor } from "./reconnect-for.ts";
import { trapInterrupts } from "../interrupts.ts";
import { CLOUD_CONNECT_TIMEOUT_SECONDS, TARGET_CONNECT_TIMEOUT_SECONDS } from "../pipeline/connect-progress.ts";
import { runDirAdvice } from "../pipeline/leftover-advice.ts";
import { createReporter } from "../pipeline/reporter.ts";
import { runOnHost, type RunResult } from "../run/run-on-host.ts";

export interface RunCommandOptions {
  spec?: string;
  plan?: string;
  out: string;
  dryRun?: boolean;
  target?: string;
  identity?: string;
  acceptNewHostKey?: boolean;
  knownHosts?: string;
  keepFrames?: boolean;
  processes?: number;
  preset: string;
  region: string;
  sshFrom?: string;
  maxCost?: number;
  /** --max-hours: the cloud server's own deadline. */
  maxHours?: number;
  deadline?: string;
  /** Seconds; default 30 for --target, 300 for a freshly booted --plan server. */
  connectTimeout?: number;
  /** A duration: how long a dropped link is reconnected (default 10m). */
  reconnectFor?: string;
  json?: boolean;
}

/** The main command: validate flags, pick the host, run the pipeline, report. */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  if (!options.spec) throw new BadInputError("--spec is required, e.g. `npx render-remote --dry-run --spec specs/seed-default.json`.");
  if (options.target && options.plan) throw new BadInputError("--target renders on your own server and --plan rents one: use one of them.");
  const deadlineSeconds = parseDeadline(options.deadline);
  const reconnectForSeconds = parseReconnectFor(options.reconnectFor);
  // before anything runs or is rented: a bad --out found at download time throws the finished render away
  const outDir = await prepareOutDir(options.out);
  const reporter = createReporter(options.json ? "json" : "auto");
  const interrupts = trapInterrupts();
  try {
    if (!options.dryRun && !options.target && options.plan) {
      const { runInCloud } = await import("../run/run-on-cloud.ts");
      const connectTimeout = options.connectTimeout ?? CLOUD_CONNECT_TIMEOUT_SECONDS;
      return report(
        await runInCloud({
          ...options,
          connectTimeout,
          reconnectForSeconds,
          spec: options.spec,
          plan: options.plan,
          deadlineSeconds,
          reporter,
          interrupts,
        }),
        options.json === true,
        options.out,
      );
    }
    if (options.dryRun && options.plan) {
      const { showCloudPlan } = await import("../run/run-on-cloud.ts");
      const cloudPlan = await showCloudPlan({
        ...options,
        spec: options.spec,
        plan: options.plan,
        deadlineSeconds,
        reporter,
        json: options.json,
      });
      const run = await runOnHost({ ...common(options), reporter, signal: interrupts.signal });
      if (options.json) {
        // the plan's own shape, {plan, resources, estimate, outputs}, plus the local render
        process.stdout.write(`${JSON.stringify({ ...cloudPlan, run }, null, 2)}\n`);
        return run.leftovers.length > 0 ? 1 : 0;
      }
      return report(run, false, options.out);
    }
    const where = options.target ?? "this machine";
    interrupts.setLeftoverAdvice(runDirAdvice(undefined, where, []));
    const onRunDir = (runDir: string, hostHint: readonly string[]) => interrupts.setLeftoverAdvice(runDirAdvice(runDir, where, hostHint));
    return report(
      await runOnHost({ ...common(options), reconnectForSeconds, reporter, signal: interrupts.signal, onRunDir }),
      options.json === true,
      options.out,
    );
  } finally {
    interrupts.dispose();
    await outDir.removeIfUnused(); // a run that wrote nothing leaves no new empty directory
  }
}

function common(options: RunCommandOptions) {
  return {
    spec: options.spec!,
    out: options.out,
    dryRun: options.dryRun === true,
    target: options.target,
    // --identity, else your ssh-agent, else ~/.ssh/id_ed25519, id_ecdsa or id_rsa
    identity: options.identity ?? (options.target && !process.env.SSH_AUTH_SOCK ? defaultIdentity() : undefined),
    agent: options.target && !options.identity ? process.env.SSH_AUTH_SOCK : undefined,
    acceptNewHostKey: options.acceptNewHostKey === true,
    knownHosts: options.knownHosts,
    keepFrames: options.keepFrames === true,
    processes: options.processes,
    preset: options.preset,
    connectTimeoutSeconds: options.connectTimeout ?? TARGET_CONNECT_TIMEOUT_SECONDS,
  };
}

function defaultIdentity(): string | undefined {
  const found = ["id_ed25519", "id_ecdsa", "id_rsa"].map((name) => path.join(os.homedir(), ".ssh", name)).find((file) => existsSync(file));
  if (!found)
    throw new BadInputError(
      "--target needs a private key: pass --identity KEYFILE, or run an ssh-agent (no SSH_AUTH_SOCK, and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa was found).",
    );
  return found;
}

function report(result: RunResult & { verdict?: string }, json: boolean, out: string): number {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.leftovers.length > 0 ? 1 : 0;
  }
  // one render figure: the render stage as the user waited for it (the renderer's start included)
  const stages = Object.entries(result.stageSeconds).filter(([, seconds]) => seconds !== undefined) as [string, number][];
  const total = stages.reduce((sum, [, seconds]) => sum + seconds, 0);
  const render = result.stageSeconds.render ?? 0;
  const others = stages.filter(([stage]) => stage !== "render");
  const lines = [
    "",
    ...wroteLines(result.outputs, showUnder(out)),
    `Took ${total.toFixed(1)} s: rendering ${render.toFixed(1)} s, the other stages ${(total - render).toFixed(1)} s ` +
      `(${others.map(([stage, seconds]) => `${stage} ${seconds.toFixed(1)}`).join(", ")}).`,
  ];
  if (result.mode !== "cloud")
    lines.push(result.leftovers.length === 0 ? "Nothing was left on the host." : `Left on the host:\n  ${result.leftovers.join("\n  ")}`);
  if (result.verdict) lines.push(result.verdict);
  process.stdout.write(`${lines.join("\n")}\n`);
  return result.leftovers.length > 0 ? 1 : 0;
}
