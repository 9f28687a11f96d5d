import path from "node:path";
import { parseSpec } from "../../renderer/spec.ts";
import { BadInputError, RemoteError } from "../errors.ts";
import type { Made, PipelineContext, RunDirectory } from "../pipeline/context.ts";
import { follow } from "../pipeline/render.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import { teardown } from "../pipeline/teardown.ts";
import { RUN_ID_PATTERN } from "../cloud/run-id.ts";
import { armedDeadline, readJournal, updateJournal, type RunJournal } from "../state/journal.ts";
import { runsDir } from "../state/paths.ts";
import type { Host } from "../hosts/host.ts";
import { printable } from "../hosts/remote-text.ts";
import { attachOpener } from "./attach-host.ts";
import { downloadOverLink } from "./download-link.ts";
import { formatUtc } from "./lost-advice.ts";
import { parsePid, RUN_FILES } from "./run-files.ts";

export interface AttachOptions {
  reporter: StageReporter;
  signal: AbortSignal;
  reconnectForSeconds: number;
  connectTimeoutSeconds: number;
  agent?: string;
  env?: NodeJS.ProcessEnv;
  /** Cloud runs: destroys the stack and sweeps the run's tag, as a run's own teardown does (cloud/teardown.ts). */
  destroyCloud?: (journal: RunJournal) => Promise<void>;
  /** The server's watchdog log (stacks/watchdog-script.ts watchdogLogFile), shown once connected, for runs whose watchdog was armed. */
  watchdogLog?: string;
}

export interface AttachResult {
  runId: string;
  outputs: string[];
  leftovers: string[];
}

/** The journal of `runId`, or exit 2 saying why there is none. */
export async function journalFor(runId: string, env?: NodeJS.ProcessEnv): Promise<RunJournal> {
  if (!RUN_ID_PATTERN.test(runId))
    throw new BadInputError(
      `${JSON.stringify(runId.slice(0, 80))} is not a run id (they look like rr-20261205-k3x9q2). \`render-remote runs\` lists yours.`,
    );
  const journal = await readJournal(runId, env);
  if (!journal)
    throw new BadInputError(`There is no run ${runId} in ${runsDir(env)}. \`render-remote runs\` lists the runs this machine knows.`);
  return journal;
}

/**
 * `render-remote attach <id>`: reconnect to a run whose client is gone, follow
 * its render to the end, download and verify the outputs as a run does, and
 * tear down (the run directory; a cloud run's stack too). The render stage's
 * follower and the download and teardown stages are the pipeline's own.
 */
export async function attachRun(runId: string, options: AttachOptions): Promise<AttachResult> {
  const journal = await journalFor(runId, options.env);
  const { reporter } = options;
  if (journal.status === "destroyed") {
    throw new BadInputError(
      `Run ${runId} is already torn down (${journal.renderState ?? "finished"}); its outputs, if it made any, are in ${journal.outDir ?? "its --out directory"}.`,
    );
  }
  if (!journal.remoteRunDir || !journal.spec || !journal.outDir) {
    throw new BadInputError(
      `Run ${runId} never started its render (its journal has no run directory), so there is nothing to bring home. ${journal.mode === "target" ? "" : "`render-remote audit --destroy` removes its server."}`,
    );
  }
  // teardown runs rm -rf on it: only a directory of the shape upload makes (pipeline/upload.ts checkedRunDir)
  if (
    !/^(\/[^\u0000-\u001f\u007f/]+)*\/\.render-remote-run\.[A-Za-z0-9]{8}$/.test(journal.remoteRunDir) ||
    journal.remoteRunDir.split("/").includes("..") ||
    !path.isAbsolute(journal.outDir)
  ) {
    throw new BadInputError(
      `Run ${runId}'s journal names an unexpected run directory or output directory; it was changed by hand or is damaged. Nothing was touched.`,
    );
  }
  const job = parseSpec(journal.spec);
  const { open, where, hostHint } = attachOpener(journal, {
    connectTimeoutSeconds: options.connectTimeoutSeconds,
    agent: options.agent,
    say: (line) => reporter.info(line),
  });
  const note = (changes: Partial<RunJournal>) => updateJournal(runId, changes, options.env).catch(() => undefined);
  const ctx: PipelineContext = {
    job,
    bundlePath: "",
    outDir: journal.outDir,
    keepFrames: journal.keepFrames === true,
    preset: "",
    waitForCloudInit: false,
    openHost: open,
    hostHint,
    signal: options.signal,
    reporter,
    reconnectForSeconds: options.reconnectForSeconds,
  };
  const runDirPath = journal.remoteRunDir;
  const runDir: RunDirectory = { path: runDirPath, bundle: "", spec: "", pidFile: `${runDirPath}/${RUN_FILES.pid}` };
  const made: Made = {};
  reporter.info(`attaching to run ${runId} on ${where}`);
  let leftovers: string[] = [];
  let outputs: string[] = [];
  try {
    let host = (
      await reporter.stage("connect", () =>
        open(options.signal).catch((error: unknown) => {
          throw new RemoteError(hostGone(journal, where, error));
        }),
      )
    ).value;
    made.host = host;
    made.runDir = runDir;
    if (options.watchdogLog && armedDeadline(journal)) await showWatchdogLog(host, options.watchdogLog, reporter, options.signal);
    const pidRead = await host.exec(["cat", "--", runDir.pidFile], { signal: options.signal });
    const pid = pidRead.exitCode === 0 ? parsePid(pidRead.stdout) : undefined;
    if (pid === undefined)
      throw new RemoteError(
        `Run ${runId}'s directory on ${where} has no readable render pid (${RUN_FILES.pid}); the run directory is gone or was changed. Nothing to bring home.`,
      );
    const rendered = (await reporter.stage("render", () => follow(ctx, host, runDirPath, pid, (fresh) => (host = made.host = fresh))))
      .value;
    await note({ renderState: "rendered" });
    outputs = (
      await reporter.stage("download", () =>
        downloadOverLink(ctx, host, runDir, rendered, (fresh) => {
          host = fresh;
          made.host = fresh;
        }),
      )
    ).value;
    await note({ renderState: "downloaded" });
  } catch (error) {
    if (!made.host) await note({ renderState: "unreachable" });
    throw error;
  } finally {
    if (made.host) {
      leftovers = (await reporter.stage("teardown", () => teardown(ctx, made))).value;
      for (const leftover of leftovers) reporter.warn(`left over: ${leftover}`);
    }
    // a cloud run ends as its own client would have ended it: stack destroyed, tag swept, keys deleted
    // (unreached and before its deadline, it is left for another try)
    const pastDeadline = journal.deadline !== undefined && Date.parse(journal.deadline) <= Date.now();
    if ((journal.mode ?? "cloud") === "cloud" && options.destroyCloud && (made.host || pastDeadline)) await options.destroyCloud(journal);
  }
  if (journal.mode === "target")
    await note({ renderState: leftovers.length === 0 ? "torn-down" : "downloaded", status: leftovers.length === 0 ? "destroyed" : "live" });
  return { runId, outputs, leftovers };
}

/** Why the host could not be reached, in the run's terms: a cloud server past its deadline has deleted itself. */
function hostGone(journal: RunJournal, where: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  const lines = [`Could not reach run ${journal.runId}'s host ${where}: ${reason}`];
  const armed = armedDeadline(journal);
  const deadline = armed ? Date.parse(armed) : NaN;
  if (armed && Number.isFinite(deadline) && deadline <= Date.now()) {
    lines.push(
      `The server was due to delete itself at its deadline, ${formatUtc(armed)}, so it is most likely gone, and with it the results. \`render-remote audit\` checks the account.`,
    );
  } else if (journal.mode === "target") {
    lines.push(
      `If the server is down, the render stopped with it; when it is back up, run \`render-remote attach ${journal.runId}\` again to bring home what it finished.`,
    );
  } else {
    lines.push(
      `Try again in a moment: render-remote attach ${journal.runId}. \`render-remote audit\` shows whether the server still exists.`,
    );
  }
  return lines.join("\n");
}

/** The last lines of what the server's watchdog did (armed, retrying, deleting), as untrusted text; a missing log says nothing. */
async function showWatchdogLog(host: Host, logPath: string, reporter: StageReporter, signal: AbortSignal): Promise<void> {
  const read = await host.exec(["tail", "-n", String(WATCHDOG_LOG_LINES), "--", logPath], { signal }).catch(() => undefined);
  if (read?.exitCode !== 0) return;
  const lines = printable(read.stdout.slice(-WATCHDOG_LOG_LINES * 300))
    .split("\n")
    .filter((line) => line.trim() !== "");
  for (const line of lines.slice(-WATCHDOG_LOG_LINES)) reporter.info(`  watchdog: ${line.slice(0, 300)}`);
}

const WATCHDOG_LOG_LINES = 10;
