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
import type { Host } from "../hosts/host.ts";
import type { ProvisionedHost } from "../cloud/provision.ts";
import { armWatchdog, watchdogOrderFor } from "../cloud/watchdog.ts";
import { noServerDeadlineLine } from "../cloud/run-token.ts";
import { formatDeadlineTime, serverDeadline } from "../cloud/server-deadline.ts";
import type { CostEstimate } from "../cloud/budget.ts";
import type { Interrupts } from "../interrupts.ts";
import type { PipelineContext } from "../pipeline/context.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { runPipeline } from "../pipeline/run-pipeline.ts";
import { jobToSpec } from "../../renderer/spec.ts";
import { LinkLostError } from "../detach/host-link.ts";
import { lostLinkAdvice } from "../detach/lost-advice.ts";
import { journalHooks } from "../detach/run-journal.ts";
import { armedDeadline, readJournal, updateJournal } from "../state/journal.ts";
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
  /** --max-hours: the server-side deadline, directly. */
  maxHours?: number;
  deadlineSeconds?: number;
  keepFrames?: boolean;
  processes?: number;
  preset: string;
  connectTimeout: number;
  /** Seconds a dropped link is reconnected (default 600). */
  reconnectForSeconds?: number;
  reporter: StageReporter;
  interrupts: Interrupts;
}

/**
 * `render-remote --plan P --spec FILE`: estimate, provision (Pulumi), run the
 * pipeline on the new server, destroy it in finally, then audit the run's tag.
 */
export async function runInCloud(
  options: CloudRunOptions,
  deps: { engine?: ProvisionEngine; watchdog?: { helperPath?: string; retrySeconds?: number } } = {},
): Promise<RunResult & { runId: string; verdict: string }> {
  const { reporter } = options;
  const job = await loadJob(options.spec, {});
  checkMp4FrameSize(job); // before a server is rented or reached
  checkPlanName(options.plan); // a typo before "no LINODE_TOKEN", which sends the user off to the Linode console
  const engine = deps.engine ?? createPulumiEngine(); // no LINODE_TOKEN: say so before anything else is done
  const prices = await loadPlans({ region: options.region });
  if (prices.warning) reporter.warn(prices.warning);
  const { plan, prediction, reason } = await choosePlan(job, options.plan, prices, {
    deadlineSeconds: options.deadlineSeconds,
    maxCostUsd: options.maxCost,
  });
  if (reason) reporter.info(reason);
  const expected = prediction.plans.find((p) => p.type === plan.type)!;
  reporter.info(prediction.advice);
  const sshFrom = await resolveSshFrom(options.sshFrom, process.env);

  let result: RunResult | undefined;
  const runId = createRunId();
  try {
    await withProvisionedHost(
      {
        runId,
        plan,
        region: options.region,
        client: linodeClientFromEnv(process.env),
        sshFrom,
        expectedSeconds: expected.renderSeconds,
        overheadSeconds: worstCaseOverheadSeconds(prediction.history.overheadSeconds),
        maxCostUsd: options.maxCost,
        maxHours: options.maxHours,
        signal: options.interrupts.signal,
        log: (line) => reporter.info(line),
        setLeftoverAdvice: options.interrupts.setLeftoverAdvice,
        leaveRunning: (error) => leaveForAttach(error, runId),
      },
      engine,
      async (host) => {
        const bootRaceUntil = Date.now() + BOOT_RACE_MS;
        const armOnce = onceArmed(host, reporter, deps.watchdog, options.interrupts.signal);
        // what `attach` needs, should this client go away: the per-run key lives until teardown
        await updateJournal(host.runId, {
          mode: "cloud",
          access: { host: host.ip, port: host.sshPort, user: host.user, keyPath: host.privateKeyPath, knownHostsPath: host.knownHostsPath },
          outDir: path.resolve(options.out),
          spec: jobToSpec(job) as unknown as Record<string, unknown>,
          keepFrames: options.keepFrames === true,
        }).catch((error: Error) =>
          reporter.warn(
            `could not record run ${host.runId}'s address in its journal (${error.message}); \`render-remote attach\` will not reach it`,
          ),
        );
        const hooks = journalHooks(host.runId, (line) => reporter.warn(line));
        const ctx: PipelineContext = {
          job,
          bundlePath: locateRendererBundle(),
          outDir: path.resolve(options.out),
          keepFrames: options.keepFrames === true,
          processes: options.processes,
          preset: options.preset,
          waitForCloudInit: true,
          openHost: (signal) =>
            connectSsh(
              { user: host.user, host: host.ip, port: host.sshPort },
              {
                identityFile: host.privateKeyPath,
                hostKeys: { kind: "pinned", publicKey: host.hostPublicKey },
                timeoutMs: options.connectTimeout * 1000,
                bootRaceUntil,
                signal,
                onRetry: ({ attempt }) => attempt === 1 && reporter.info(`  waiting for sshd on ${host.ip} (the server is booting)…`),
              },
            ).then(armOnce, (error: unknown) => {
              throw withSshFromHint(error, sshFrom);
            }),
          hostHint: ["ssh", "-i", host.privateKeyPath, "-p", String(host.sshPort), `${host.user}@${host.ip}`],
          signal: options.interrupts.signal,
          reporter: journaling(reporter, host.runId),
          onRunDir: hooks.onRunDir,
          onLaunched: hooks.onLaunched,
          reconnectForSeconds: options.reconnectForSeconds,
        };
        const run = await runPipeline(ctx);
        await updateJournal(host.runId, {
          stageSeconds: run.stageSeconds as Record<string, number>,
          measured: {
            iterations: run.iterations,
            renderSeconds: run.renderSeconds,
            vcpus: run.workers,
            overheadSeconds: run.overheadSeconds,
          },
        });
        result = {
          mode: "cloud",
          job,
          outputs: run.outputs,
          stageSeconds: run.stageSeconds,
          renderSeconds: run.renderSeconds,
          overheadSeconds: run.overheadSeconds,
          leftovers: run.leftovers,
        };
      },
    );
  } catch (error) {
    if (error instanceof LinkLostError) {
      const journal = await readJournal(runId).catch(() => undefined);
      await updateJournal(runId, { renderState: "unreachable" }).catch(() => undefined);
      error.message =
        journal?.status === "live"
          ? `${error.message}\n${lostLinkAdvice(runId, `the server of run ${runId}`, { ...journal, mode: "cloud" })}`
          : `${error.message}\nThe server was destroyed, as every run's is without a server-side deadline to bound its bill; the render on it is lost. Run again.`;
    }
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

/**
 * Arms the watchdog on the first connection (later ones, after a dropped link, find it armed):
 * the server then deletes itself at the deadline even if this process never comes back.
 */
function onceArmed(
  host: ProvisionedHost,
  reporter: StageReporter,
  options: { helperPath?: string; retrySeconds?: number } = {},
  signal?: AbortSignal,
) {
  let done = false;
  return async (connected: Host): Promise<Host> => {
    if (done || !host.runToken) return connected;
    done = true;
    const state = await armWatchdog(connected, watchdogOrderFor({ ...host, runToken: host.runToken }, { signal, ...options }));
    if (state.armed) {
      reporter.info(`  watchdog armed: the server deletes itself at ${formatDeadlineTime(host.deadline)} even if this laptop is gone.`);
      await updateJournal(host.runId, { watchdog: "armed" }).catch(() => undefined);
    } else {
      reporter.warn(noServerDeadlineLine(`the watchdog could not be armed: ${state.reason}`));
      await updateJournal(host.runId, { watchdog: "unavailable", watchdogReason: state.reason }).catch(() => undefined);
    }
    return connected;
  };
}

/** The dry run's word on the deadline: how long after its start a real run's server would delete itself. */
function serverDeadlinePreview(estimate: CostEstimate, options: { maxCost?: number; maxHours?: number }): string {
  try {
    const deadline = serverDeadline({ startedAt: new Date(0), estimate, maxCostUsd: options.maxCost, maxHours: options.maxHours });
    const minutes = Math.round(deadline.at.getTime() / 60_000);
    return `Server-side deadline: a real run's server would delete itself ${Math.floor(minutes / 60)} h ${minutes % 60} min after the start (${deadline.reason}), if LINODE_TOKEN has account:read_write.`;
  } catch (error) {
    return `A real run would refuse to start: ${(error as Error).message}`;
  }
}

/** A lost link leaves the server up for `attach` only when a server-side deadline bounds its bill (the journal's `deadline`). */
async function leaveForAttach(error: unknown, runId: string): Promise<boolean> {
  if (!(error instanceof LinkLostError)) return false;
  const journal = await readJournal(runId).catch(() => undefined);
  const deadline = journal && armedDeadline(journal);
  return deadline !== undefined && Date.parse(deadline) > Date.now();
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
export async function showCloudPlan(options: {
  spec: string;
  plan: string;
  region: string;
  sshFrom?: string;
  maxCost?: number;
  maxHours?: number;
  deadlineSeconds?: number;
  reporter: StageReporter;
  json?: boolean;
}): Promise<CloudPlan> {
  const job = await loadJob(options.spec, {});
  const prices = await loadPlans({ region: options.region });
  if (prices.warning) options.reporter.warn(prices.warning);
  const { plan, prediction, reason } = await choosePlan(job, options.plan, prices, {
    deadlineSeconds: options.deadlineSeconds,
    maxCostUsd: options.maxCost,
  });
  const expected = prediction.plans.find((p) => p.type === plan.type)!;
  const cloudPlan = await describeCloudPlan({
    plan,
    region: options.region,
    sshFrom: options.sshFrom ? [parseSshFrom(options.sshFrom)] : undefined,
    expectedSeconds: expected.renderSeconds,
    overheadSeconds: worstCaseOverheadSeconds(prediction.history.overheadSeconds),
  });
  if (!options.json) {
    const lines = [
      `A real run would create (${plan.alias} = ${plan.type}, ${plan.vcpus} vCPUs, $${plan.hourly}/h, ${options.region}):`,
      ...cloudPlan.resources.map((r) => `  ${r.type}  ${r.name}`),
      ...(reason ? [reason] : []),
      `Estimated: render ~${Math.round(expected.renderSeconds)} s on ${plan.vcpus} vCPUs + ~${Math.round(expected.totalSeconds - expected.renderSeconds)} s setup; worst case $${cloudPlan.estimate.worstCaseUsd.toFixed(2)} (${cloudPlan.estimate.billedHours} started hour${cloudPlan.estimate.billedHours === 1 ? "" : "s"}).`,
      prediction.advice,
      serverDeadlinePreview(cloudPlan.estimate, options),
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
