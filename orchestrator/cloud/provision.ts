import { isIPv4 } from "node:net";
import { DEFAULT_USER, USER_NAME_PATTERN } from "../../stacks/cloud-init.ts";
import { createRenderHostProgram, RENDER_HOST_IMAGE } from "../../stacks/render-host.ts";
import type { RenderHostOutputs } from "../../stacks/render-host.ts";
import { BadInputError, InterruptedError, ProvisionError } from "../errors.ts";
import { updateJournal, writeJournal } from "../state/journal.ts";
import { checkBudget, estimateWorstCase, formatEstimate } from "./budget.ts";
import { createRunKeys, writeKnownHosts } from "./keys.ts";
import type { ProvisionEngine } from "./pulumi-engine.ts";
import { pulumiBackendUrl } from "./pulumi-settings.ts";
import { createRunId } from "./run-id.ts";
import { toCallerCidr } from "./ssh-from.ts";
import { DESTROY_YES_COMMAND } from "../audit/audit-types.ts";
import type { LinodeClient } from "./linode-api.ts";
import { preflight } from "./preflight.ts";
import { pulumiErrorText } from "./pulumi-cli.ts";
import { tearDownRun } from "./destroy-run.ts";
import { createRunToken, noServerDeadlineLine, settleRunToken, type RunToken } from "./run-token.ts";
import { formatDeadline, serverDeadline, type ServerDeadline } from "./server-deadline.ts";

/**
 * One rented server for the length of `useHost`, and never longer: budget
 * guard → preflight (token, region, plan, CLI, plugin) → keys → journal →
 * `up` → useHost → (finally) destroy with retries → delete what is still
 * tagged with the run → removeStack → delete keys → journal destroyed. Cleanup runs in the reverse
 * order of creation, whatever happened: success, a render failure, Ctrl-C
 * (abort `signal`), or an exception inside `up`.
 */
export interface ProvisionOptions {
  plan: { alias: string; type: string; hourly: number };
  region: string;
  /** The Linode API: the preflight, and the teardown's check of what is left. */
  client: LinodeClient;
  /** CIDRs allowed to reach port 22: the caller's /32 (and /128), or --ssh-from. */
  sshFrom: readonly string[];
  /** Expected render time, for the budget guard. */
  expectedSeconds: number;
  overheadSeconds?: number;
  /** --max-cost in US$: refuse before creating anything when the worst case is over it. */
  maxCostUsd?: number;
  /** --max-hours: the server-side deadline, directly. */
  maxHours?: number;
  userName?: string;
  runId?: string;
  /** Ctrl-C: aborting cancels a running `up`; teardown still runs, without the signal. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Progress and warnings, one line each (stderr by default). */
  log?: (line: string) => void;
  /** Pulumi's own output, as it arrives. */
  onOutput?: (text: string) => void;
  sleep?: (ms: number) => Promise<void>;
  destroyAttempts?: number;
  /** First retry delay; later ones triple. */
  retryDelayMs?: number;
  /** One destroy attempt's deadline (default 15 min): a hung `pulumi destroy` must not hang the run. */
  destroyTimeoutMs?: number;
  /** What a forced quit would leave behind, for the Ctrl-C handler (interrupts.ts setLeftoverAdvice). */
  setLeftoverAdvice?: (advice: string) => void;
  /**
   * Asked when the run failed: true leaves the server up (no teardown), for a run whose client lost
   * the link while the render goes on and a server-side deadline bounds the bill; `attach` finishes it.
   */
  leaveRunning?: (error: unknown) => Promise<boolean>;
  /** A kept server (`render-remote up`): its deadline from the moment provisioning starts, instead of the run's. */
  deadlineFor?: (startedAt: Date) => ServerDeadline;
  /** A kept server: refuse before anything is created when no run token (so no server-side deadline) can be made. */
  requireRunToken?: boolean;
  /** A kept server: when `useHost` succeeds, leave the server up (with its token, for the watchdog); failures still tear down. */
  keepOnSuccess?: boolean;
}

export interface ProvisionedHost extends RenderHostOutputs {
  runId: string;
  /** The run's host key line; the server presents exactly this key. */
  hostPublicKey: string;
  /** The run's login key, 0600; deleted after teardown. */
  privateKeyPath: string;
  /** "<ip> ssh-ed25519 …", for StrictHostKeyChecking=yes. */
  knownHostsPath: string;
  /** When the server deletes itself (if the watchdog is armed). */
  deadline: Date;
  /** The run's own token for the watchdog; undefined when LINODE_TOKEN could not make one (then no server-side deadline). */
  runToken?: RunToken;
  /** The Linode API the watchdog calls (LINODE_URL resolved). */
  apiUrl: string;
}

export async function withProvisionedHost<T>(
  options: ProvisionOptions,
  engine: ProvisionEngine,
  useHost: (host: ProvisionedHost) => Promise<T>,
): Promise<T> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const { env, signal, plan } = options;
  const userName = options.userName ?? DEFAULT_USER;
  if (!USER_NAME_PATTERN.test(userName) || userName === "root")
    throw new BadInputError(`The login user "${userName}" is not a valid login name other than root: use e.g. "${DEFAULT_USER}".`);
  if (options.sshFrom.length === 0) throw new BadInputError("No address may reach the server's SSH port. Pass --ssh-from <your-ip>/32.");
  const sshFrom = options.sshFrom.map(toCallerCidr);

  const estimate = estimateWorstCase({
    hourly: plan.hourly,
    expectedSeconds: options.expectedSeconds,
    overheadSeconds: options.overheadSeconds,
  });
  log(formatEstimate(estimate, plan.type));
  checkBudget(estimate, options.maxCostUsd, plan.type);
  const now = new Date();
  const deadline =
    options.deadlineFor?.(now) ?? serverDeadline({ startedAt: now, estimate, maxCostUsd: options.maxCostUsd, maxHours: options.maxHours });
  log(formatDeadline(deadline));
  if (signal?.aborted) throw new InterruptedError("Interrupted before anything was created.");
  await preflight(engine, options.client, options.region, plan.type);
  if (signal?.aborted) throw new InterruptedError("Interrupted before anything was created.");

  const runId = options.runId ?? createRunId();
  const keys = await createRunKeys(runId, env);
  const stageSeconds: Record<string, number> = {};
  let journalWritten = false;
  let upStarted = false;
  let runError: { error: unknown } | undefined;
  let runToken: RunToken | undefined;
  try {
    const startedAt = new Date().toISOString();
    await writeJournal(
      {
        runId,
        plan: plan.alias,
        type: plan.type,
        region: options.region,
        startedAt,
        updatedAt: startedAt,
        hourly: plan.hourly,
        stack: { name: runId, backendUrl: pulumiBackendUrl(env) },
        status: "provisioning",
        stage: "provision",
        deadline: deadline.at.toISOString(),
        clientPid: process.pid,
      },
      env,
    );
    journalWritten = true;
    const made = await createRunToken(options.client, runId, deadline.at, signal);
    if (made.token) {
      runToken = made.token;
      await updateJournal(runId, { runToken: { id: made.token.id, label: made.token.label, expiry: made.token.expiry } }, env);
    } else if (options.requireRunToken) {
      throw new ProvisionError(
        `No server-side deadline can be set (${made.reason}), and a kept server without one could bill until someone notices. Nothing was created.${made.missingScope ? " Give LINODE_TOKEN the account:read_write scope, then run again." : " Run again."}`,
      );
    } else {
      log(noServerDeadlineLine(made.reason, made.missingScope));
      await updateJournal(runId, { watchdog: "unavailable", watchdogReason: made.reason }, env);
    }
    options.setLeftoverAdvice?.(`run ${runId}'s ${plan.type} server, billing $${plan.hourly}/h; remove it with: ${DESTROY_YES_COMMAND}`);

    log(`Creating a ${plan.type} server in ${options.region} for run ${runId}, reachable on port 22 from ${sshFrom.join(", ")}.`);
    const program = createRenderHostProgram({
      runId,
      type: plan.type,
      region: options.region,
      image: RENDER_HOST_IMAGE,
      userName,
      userPublicKey: keys.user.publicKey,
      hostKey: keys.host,
      sshFrom,
    });
    const upStart = Date.now();
    upStarted = true;
    const outputs = await engine.up(runId, program, { signal, onOutput: options.onOutput }).then(
      (raw) => parseOutputs(raw, keys.summary().hostKeyFingerprint, runId),
      (error: unknown) => {
        if (signal?.aborted || error instanceof InterruptedError) {
          throw new InterruptedError(`Interrupted while the server for run ${runId} was being created; the update was cancelled.`, {
            cause: error,
          });
        }
        throw new ProvisionError(
          `Creating the server for run ${runId} failed: ${pulumiErrorText(error).replace(/\.$/, "")}. Check LINODE_TOKEN and --region, then run the same command again.`,
          { cause: error },
        );
      },
    );
    stageSeconds.provision = Math.round((Date.now() - upStart) / 1000);
    if (signal?.aborted) throw new InterruptedError(`Interrupted just after the server for run ${runId} was created.`);

    const knownHostsPath = await writeKnownHosts(keys, outputs.ip);
    await updateJournal(runId, { status: "live", ip: outputs.ip, instanceId: outputs.instanceId }, env);
    log(`Server ${outputs.ip} is up (instance ${outputs.instanceId}); its host key is ${outputs.hostKeyFingerprint}.`);
    return await useHost({
      ...outputs,
      runId,
      hostPublicKey: keys.host.publicKey,
      privateKeyPath: keys.files.userPrivateKeyPath,
      knownHostsPath,
      deadline: deadline.at,
      runToken,
      apiUrl: options.client.baseUrl,
    });
  } catch (error) {
    runError = { error };
    throw error;
  } finally {
    // a server left for `attach` keeps its token too: its watchdog is what bounds the bill
    // Stryker disable next-line ArrowFunction: a failed answer read as undefined is not `=== true` either, so both leave nothing running
    const leave = runError !== undefined && (await options.leaveRunning?.(runError.error).catch(() => false)) === true;
    const kept = runError === undefined && options.keepOnSuccess === true;
    if (kept) log(`Kept run ${runId}'s server; its keys stay in ${keys.files.dir} until \`render-remote down ${runId}\`.`);
    else if (leave)
      log(
        `Left run ${runId}'s server running for \`render-remote attach ${runId}\`; its keys stay in ${keys.files.dir} until it is torn down.`,
      );
    else {
      let destroyed = false;
      try {
        await tearDownRun({
          engine,
          client: options.client,
          runId,
          hourly: plan.hourly,
          env,
          upStarted,
          journalWritten,
          runError,
          stageSeconds,
          retry: {
            attempts: options.destroyAttempts ?? 4,
            attemptTimeoutMs: options.destroyTimeoutMs,
            delayMs: options.retryDelayMs ?? 10_000,
            sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
            log,
            onOutput: options.onOutput,
          },
        });
        destroyed = true;
      } finally {
        if (runToken) await settleRunToken(options.client, { runId, token: runToken, destroyed, log, env });
      }
    }
    options.setLeftoverAdvice?.("nothing that outlives this process");
  }
}

function parseOutputs(raw: Record<string, unknown>, expectedFingerprint: string, runId: string): RenderHostOutputs {
  const { ip, user, hostKeyFingerprint, instanceId, firewallId } = raw;
  // stacks created before the port was an output listen on 22
  const sshPort = raw.sshPort === undefined ? 22 : raw.sshPort;
  if (
    typeof ip !== "string" ||
    !isIPv4(ip) ||
    typeof user !== "string" ||
    typeof instanceId !== "number" ||
    typeof firewallId !== "number" ||
    typeof sshPort !== "number"
  ) {
    throw new ProvisionError(
      `Stack ${runId} returned unexpected outputs ${JSON.stringify(raw)}. It is being destroyed; report this as a bug.`,
    );
  }
  // The program computes it from the key we generated: anything else means the wrong stack.
  if (hostKeyFingerprint !== expectedFingerprint) {
    throw new ProvisionError(
      `Stack ${runId} reports host key ${String(hostKeyFingerprint)}, not the run's ${expectedFingerprint}. It is being destroyed; run the command again.`,
    );
  }
  return { ip, sshPort, user, hostKeyFingerprint, instanceId, firewallId };
}
