import path from "node:path";
import { loadJob } from "../../renderer/load-spec.ts";
import { checkMp4FrameSize } from "../../renderer/output/h264-limits.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { checkBudget, worstCaseOverheadSeconds } from "../cloud/budget.ts";
import { describeCloudPlan, type CloudPlan } from "../cloud/dry-run-plan.ts";
import { linodeClientFromEnv } from "../cloud/linode-api.ts";
import { loadPlans } from "../cloud/prices.ts";
import { withProvisionedHost } from "../cloud/provision.ts";
import { createPulumiEngine, type ProvisionEngine } from "../cloud/pulumi-engine.ts";
import { parseSshFrom, resolveSshFrom, withSshFromHint } from "../cloud/ssh-from.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import type { Interrupts } from "../interrupts.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runPipeline } from "../pipeline/run-pipeline.ts";
import { readJournal, updateJournal } from "../state/journal.ts";
import { createRunId } from "../cloud/run-id.ts";
import { auditRun } from "../audit/audit.ts";
import { checkPlanName, choosePlan } from "../estimate/choose-plan.ts";
import type { RunResult } from "./run-on-host.ts";

export interface CloudRunOptions {
  spec: string;
  plan: string;
  out: string;
  region: string;
  sshFrom?: string;
  maxCost?: number;
  deadlineSeconds?: number;
  keepFrames?: boolean;
  processes?: number;
  preset: string;
  connectTimeout: number;
  reporter: StageReporter;
  interrupts: Interrupts;
}

/**
 * `render-remote --plan P --spec FILE`: estimate, provision (Pulumi), run the
 * pipeline on the new server, destroy it in finally, then audit the run's tag.
 */
export async function runInCloud(options: CloudRunOptions, deps: { engine?: ProvisionEngine } = {}): Promise<RunResult & { runId: string; verdict: string }> {
  const { reporter } = options;
  const job = await loadJob(options.spec, {});
  checkMp4FrameSize(job); // before a server is rented or reached
  checkPlanName(options.plan); // a typo before "no LINODE_TOKEN", which sends the user off to the Linode console
  const engine = deps.engine ?? createPulumiEngine(); // no LINODE_TOKEN: say so before anything else is done
  const prices = await loadPlans({ region: options.region });
  if (prices.warning) reporter.warn(prices.warning);
  const { plan, prediction, reason } = await choosePlan(job, options.plan, prices, { deadlineSeconds: options.deadlineSeconds, maxCostUsd: options.maxCost });
  if (reason) reporter.info(reason);
  const expected = prediction.plans.find((p) => p.type === plan.type)!;
  reporter.info(prediction.advice);
  const sshFrom = await resolveSshFrom(options.sshFrom, process.env);

  let result: RunResult | undefined;
  const runId = createRunId();
  try {
    await withProvisionedHost(
      {
        runId, plan, region: options.region, client: linodeClientFromEnv(process.env), sshFrom, expectedSeconds: expected.renderSeconds, overheadSeconds: worstCaseOverheadSeconds(prediction.history.overheadSeconds),
        maxCostUsd: options.maxCost, signal: options.interrupts.signal, log: (line) => reporter.info(line), setLeftoverAdvice: options.interrupts.setLeftoverAdvice,
      },
      engine,
      async (host) => {
        const bootRaceUntil = Date.now() + BOOT_RACE_MS;
        const ctx: PipelineContext = {
          job,
          bundlePath: locateRendererBundle(),
          outDir: path.resolve(options.out),
          keepFrames: options.keepFrames === true,
          processes: options.processes,
          preset: options.preset,
          waitForCloudInit: true,
          openHost: (signal) =>
            connectSsh({ user: host.user, host: host.ip, port: host.sshPort }, {
              identityFile: host.privateKeyPath,
              hostKeys: { kind: "pinned", publicKey: host.hostPublicKey },
              timeoutMs: options.connectTimeout * 1000,
              bootRaceUntil,
              signal,
              onRetry: ({ attempt }) => attempt === 1 && reporter.info(`  waiting for sshd on ${host.ip} (the server is booting)…`),
            }).catch((error: unknown) => {
              throw withSshFromHint(error, sshFrom);
            }),
          hostHint: ["ssh", "-i", host.privateKeyPath, "-p", String(host.sshPort), `${host.user}@${host.ip}`],
          signal: options.interrupts.signal,
          reporter: journaling(reporter, host.runId),
          stageSeconds: {},
        };
        const run = await runPipeline(ctx);
        const total = Object.values(run.stageSeconds).reduce((sum, s) => sum + (s ?? 0), 0);
        const overhead = Math.max(0, total - run.renderSeconds);
        await updateJournal(host.runId, {
          stageSeconds: run.stageSeconds as Record<string, number>,
          measured: { iterations: ctx.rendered?.iterations ?? 0, renderSeconds: run.renderSeconds, vcpus: ctx.processes ?? ctx.remote?.cores ?? plan.vcpus, overheadSeconds: overhead },
        });
        result = { mode: "cloud", job, outputs: run.outputs, stageSeconds: run.stageSeconds, renderSeconds: run.renderSeconds, overheadSeconds: overhead, leftovers: run.leftovers };
      },
    );
  } catch (error) {
    // a failed run ends with the same line as a good one, once it may have created something: the error's last line
    if (await readJournal(runId).catch(() => undefined)) {
      const verdict = await finalAudit(runId);
      if (error instanceof Error) error.message = `${error.message}\n${verdict}`;
      else reporter.warn(verdict);
    }
    throw error;
  }
  return { ...result!, runId, verdict: await finalAudit(runId) };
}

/** How long after `up` a wrong host key or a refused login means "cloud-init is not done yet" (it installs both). */
const BOOT_RACE_MS = 5 * 60_000;

/** The last line of every real run: "nothing left billing", or what is and the command that removes it. */
async function finalAudit(runId: string): Promise<string> {
  try {
    return (await auditRun(runId)).message;
  } catch (error) {
    return `Could not check the account afterwards (${(error as Error).message}). Run: render-remote audit`;
  }
}

/** Records each stage in the run's journal as it starts, so `audit` knows how far a run got. */
function journaling(reporter: StageReporter, runId: string): StageReporter {
  return {
    ...reporter,
    stage: async (name, run) => {
      await updateJournal(runId, { stage: name }).catch(() => undefined);
      return reporter.stage(name, run);
    },
  };
}

/** --dry-run --plan: the resources a real run would create and what it would cost, without creating anything. */
export async function showCloudPlan(options: { spec: string; plan: string; region: string; sshFrom?: string; maxCost?: number; deadlineSeconds?: number; reporter: StageReporter; json?: boolean }): Promise<CloudPlan> {
  const job = await loadJob(options.spec, {});
  const prices = await loadPlans({ region: options.region });
  if (prices.warning) options.reporter.warn(prices.warning);
  const { plan, prediction, reason } = await choosePlan(job, options.plan, prices, { deadlineSeconds: options.deadlineSeconds, maxCostUsd: options.maxCost });
  const expected = prediction.plans.find((p) => p.type === plan.type)!;
  const cloudPlan = await describeCloudPlan({
    plan, region: options.region, sshFrom: options.sshFrom ? [parseSshFrom(options.sshFrom)] : undefined,
    expectedSeconds: expected.renderSeconds, overheadSeconds: worstCaseOverheadSeconds(prediction.history.overheadSeconds),
  });
  if (!options.json) {
    const lines = [
      `A real run would create (${plan.alias} = ${plan.type}, ${plan.vcpus} vCPUs, $${plan.hourly}/h, ${options.region}):`,
      ...cloudPlan.resources.map((r) => `  ${r.type}  ${r.name}`),
      ...(reason ? [reason] : []),
      `Estimated: render ~${Math.round(expected.renderSeconds)} s on ${plan.vcpus} vCPUs + ~${Math.round(expected.totalSeconds - expected.renderSeconds)} s setup; worst case $${cloudPlan.estimate.worstCaseUsd.toFixed(2)} (${cloudPlan.estimate.billedHours} started hour${cloudPlan.estimate.billedHours === 1 ? "" : "s"}).`,
      prediction.advice,
    ];
    options.reporter.info(lines.join("\n"));
  }
  try {
    checkBudget(cloudPlan.estimate, options.maxCost, plan.type);
  } catch (error) {
    options.reporter.warn(`a real run would refuse to start: ${(error as Error).message}`);
  }
  return cloudPlan;
}
