import { BadInputError, InterruptedError, ProvisionError } from "../errors.ts";
import { linodeClientFromEnv } from "../cloud/linode-api.ts";
import { loadPlans } from "../cloud/prices.ts";
import { withProvisionedHost, type ProvisionedHost } from "../cloud/provision.ts";
import { createPulumiEngine, type ProvisionEngine } from "../cloud/pulumi-engine.ts";
import { createRunId } from "../cloud/run-id.ts";
import { formatDeadlineTime, KEPT_MARGIN_SECONDS, keptDeadline, type KeptDeadline } from "../cloud/server-deadline.ts";
import { resolveSshFrom, withSshFromHint } from "../cloud/ssh-from.ts";
import { armWatchdog, watchdogOrderFor } from "../cloud/watchdog.ts";
import { checkPlanName, resolvePlan } from "../estimate/choose-plan.ts";
import type { Host } from "../hosts/host.ts";
import { connectSsh } from "../hosts/ssh-host.ts";
import type { Interrupts } from "../interrupts.ts";
import type { Toolchain } from "../pipeline/context.ts";
import { prepare, type PrepareContext } from "../pipeline/prepare.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { untilAborted } from "../pipeline/until-aborted.ts";
import { updateJournal } from "../state/journal.ts";

/**
 * `render-remote up`: rent a server as a run does (budget, preflight, keys, journal, Pulumi up), connect with
 * the pinned host key, arm the server-side deadline, run prepare once, record the kept entry, and leave it up.
 * Anything failing before the entry is complete (Ctrl-C included) destroys it as a run's teardown does.
 */
export interface UpOptions {
  plan: string;
  region: string;
  /** --keep in seconds. */
  keepSeconds?: number;
  maxCost?: number;
  sshFrom?: string;
  connectTimeout: number;
  reporter: StageReporter;
  interrupts: Interrupts;
}

export interface KeptServerReport {
  runId: string;
  plan: string;
  type: string;
  region: string;
  ip: string;
  port: number;
  user: string;
  createdAt: string;
  deadline: string;
  hourly: number;
  /** Started hours it is billed for if it lives to its deadline, and what they cost. */
  paidHours: number;
  costAtDeadlineUsd: number;
  toolchain: Toolchain;
}

export interface UpDeps {
  engine?: ProvisionEngine;
  watchdog?: { helperPath?: string; retrySeconds?: number };
  env?: NodeJS.ProcessEnv;
}

export async function keepServer(options: UpOptions, deps: UpDeps = {}): Promise<KeptServerReport> {
  const { reporter, interrupts } = options;
  if (options.plan === "auto")
    throw new BadInputError("`up` keeps one plan for several renders: name it, e.g. --plan 48core (see: render-remote plans).");
  checkPlanName(options.plan);
  const prices = await loadPlans({ region: options.region });
  if (prices.warning) reporter.warn(prices.warning);
  const plan = resolvePlan(options.plan, prices);
  const limits = { hourly: plan.hourly, keepSeconds: options.keepSeconds, maxCostUsd: options.maxCost };
  const planned = keptDeadline({ createdAt: new Date(), ...limits }); // bad --keep/--max-cost: exit 2 before anything
  const engine = deps.engine ?? createPulumiEngine();
  const sshFrom = await resolveSshFrom(options.sshFrom, process.env);

  let deadline: KeptDeadline = planned;
  let createdAt = new Date();
  let toolchain: Toolchain | undefined;
  const runId = createRunId();
  const host = await withProvisionedHost(
    {
      runId,
      plan,
      region: options.region,
      client: linodeClientFromEnv(deps.env ?? process.env),
      sshFrom,
      // the budget guard prices exactly the started hours the deadline allows
      expectedSeconds: planned.paidHours * 3600 - KEPT_MARGIN_SECONDS,
      overheadSeconds: 0,
      maxCostUsd: options.maxCost,
      env: deps.env,
      signal: interrupts.signal,
      log: (line) => reporter.info(line),
      setLeftoverAdvice: interrupts.setLeftoverAdvice,
      // billing starts when the instance is created, a little after this: the deadline errs early, never late
      deadlineFor: (startedAt) => {
        createdAt = startedAt;
        deadline = keptDeadline({ createdAt: startedAt, ...limits });
        return deadline;
      },
      requireRunToken: true,
      keepOnSuccess: true,
    },
    engine,
    async (provisioned) => {
      const provisionSeconds = Math.round((Date.now() - createdAt.getTime()) / 1000);
      await updateJournal(runId, { mode: "cloud", access: accessOf(provisioned), stageSeconds: { provision: provisionSeconds } }, deps.env);
      const stage = async <T>(name: string, run: () => Promise<T>): Promise<{ value: T; seconds: number }> => {
        if (interrupts.signal.aborted) throw new InterruptedError(`Interrupted before ${name}.`);
        await updateJournal(runId, { stage: name }, deps.env);
        // as in the pipeline: whatever a cut-off command says, Ctrl-C is the cause
        return reporter.stage(name, () => untilAborted(run(), interrupts.signal, name));
      };
      const connected = await stage("connect", () => connectKept(provisioned, options, sshFrom));
      try {
        await armOrRefuse(connected.value, provisioned, deps, interrupts.signal);
        await updateJournal(runId, { watchdog: "armed" }, deps.env);
        reporter.info(
          `  watchdog armed: the server deletes itself at ${formatDeadlineTime(provisioned.deadline)} even if this laptop is gone.`,
        );
        const prepared = await stage("prepare", () => prepare(prepareContext(reporter, interrupts.signal), connected.value));
        toolchain = prepared.value;
        await updateJournal(
          runId,
          {
            stage: "kept",
            kept: { toolchain: prepared.value, hostPublicKey: provisioned.hostPublicKey, createdAt: createdAt.toISOString() },
            stageSeconds: { provision: provisionSeconds, connect: connected.seconds, prepare: prepared.seconds },
          },
          deps.env,
        );
      } finally {
        await connected.value.close().catch(() => undefined);
      }
      return provisioned;
    },
  );
  return {
    runId,
    plan: plan.alias,
    type: plan.type,
    region: options.region,
    ip: host.ip,
    port: host.sshPort,
    user: host.user,
    createdAt: createdAt.toISOString(),
    deadline: deadline.at.toISOString(),
    hourly: plan.hourly,
    paidHours: deadline.paidHours,
    costAtDeadlineUsd: deadline.costUsd,
    toolchain: toolchain!,
  };
}

function accessOf(host: ProvisionedHost) {
  return { host: host.ip, port: host.sshPort, user: host.user, keyPath: host.privateKeyPath, knownHostsPath: host.knownHostsPath };
}

/** How long after `up` a wrong host key or a refused login means "cloud-init is not done yet" (it installs both). */
const BOOT_RACE_MS = 5 * 60_000;

function connectKept(host: ProvisionedHost, options: UpOptions, sshFrom: readonly string[]): Promise<Host> {
  return connectSsh(
    { user: host.user, host: host.ip, port: host.sshPort },
    {
      identityFile: host.privateKeyPath,
      hostKeys: { kind: "pinned", publicKey: host.hostPublicKey },
      timeoutMs: options.connectTimeout * 1000,
      bootRaceUntil: Date.now() + BOOT_RACE_MS,
      signal: options.interrupts.signal,
      onRetry: ({ attempt }) => attempt === 1 && options.reporter.info(`  waiting for sshd on ${host.ip} (the server is booting)…`),
    },
  ).catch((error: unknown) => {
    throw withSshFromHint(error, sshFrom);
  });
}

/** A kept server without a server-side deadline could bill until someone notices: failing to arm it fails `up`, which destroys it. */
async function armOrRefuse(connected: Host, host: ProvisionedHost, deps: UpDeps, signal: AbortSignal): Promise<void> {
  if (!host.runToken) throw new ProvisionError(`Run ${host.runId} has no token for its watchdog; the server was destroyed.`);
  const state = await armWatchdog(connected, watchdogOrderFor({ ...host, runToken: host.runToken }, { signal, ...deps.watchdog }));
  if (!state.armed)
    throw new ProvisionError(
      `The server-side deadline could not be armed (${state.reason}), and a kept server without one could bill until someone notices, so run ${host.runId}'s server is being destroyed. Run \`render-remote up\` again, or render once with --plan.`,
    );
}

/** What prepare reads: no job yet, only the fresh server to set up. */
function prepareContext(reporter: StageReporter, signal: AbortSignal): PrepareContext {
  return { waitForCloudInit: true, signal, reporter };
}
