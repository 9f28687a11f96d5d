import type { Job } from "../../renderer/spec.ts";
import { locateRendererBundle } from "../bundle-path.ts";
import { formatUtc } from "../detach/lost-advice.ts";
import { calibrate } from "../estimate/calibrate.ts";
import { historyFrom, MIN_TELLING_RENDER_SECONDS, readHistory } from "../estimate/history.ts";
import { formatDuration, predict } from "../estimate/predict.ts";
import type { StageReporter } from "../pipeline/reporter.ts";
import type { RunJournal } from "../state/journal.ts";
import { checkFit, DEFAULT_ON_OVERHEAD_SECONDS, doesNotFit, type Fit } from "./fit.ts";
import type { KeptServer } from "./on-entry.ts";

/**
 * The fit check's measurements: calibrate the job here (as `estimate` and
 * --plan do), predict it on this server's cores with what a past --on on this
 * very server measured (else every past run's), and compare with the time
 * left before the armed deadline. Throws DoesNotFitError (exit 2) before
 * anything is uploaded. Without an armed deadline there is nothing to fit in.
 */
export async function estimateFit(
  server: KeptServer,
  job: Job,
  options: { processes?: number; preset: string; reporter: StageReporter; env?: NodeJS.ProcessEnv; now?: () => number },
): Promise<Fit | undefined> {
  const { reporter } = options;
  if (server.deadline === undefined) {
    reporter.warn(`server ${server.runId} has no armed server-side deadline: it bills until \`render-remote down ${server.runId}\`.`);
    return undefined;
  }
  reporter.info(`checking that the render fits before ${server.runId} deletes itself: calibrating the spec here…`);
  const calibration = await calibrate(job, { bundle: locateRendererBundle(), preset: options.preset });
  const cores = server.kept.toolchain.cores;
  const vcpus = Math.min(options.processes ?? cores, cores);
  const measuredHere = telling(server.measured);
  const history = measuredHere
    ? historyFrom([{ measured: server.measured } as RunJournal], calibration.kernelRate)
    : await readHistory(calibration.kernelRate, options.env);
  const plan = { alias: server.plan, type: server.plan, vcpus, memoryGb: 0, hourly: server.hourly, priceSource: "fallback" as const };
  const renderSeconds = predict(calibration, job, [plan], history).plans[0].renderSeconds;
  const now = options.now?.() ?? Date.now();
  const fit = checkFit({
    renderSeconds,
    fixedSeconds: calibration.startupSeconds,
    frames: job.frames,
    fps: job.fps,
    // a short render's overhead is as telling as a long one's
    typicalOverheadSeconds: server.measured?.overheadSeconds ?? DEFAULT_ON_OVERHEAD_SECONDS,
    leftSeconds: (Date.parse(server.deadline) - now) / 1000,
  });
  const deadline = formatUtc(server.deadline);
  if (!fit.fits) throw doesNotFit(fit, { runId: server.runId, deadline, plan: `${vcpus} cores`, frames: job.frames });
  reporter.info(
    `render ~${formatDuration(renderSeconds)} on ${vcpus} cores of ${server.runId} + up to ${formatDuration(fit.overheadSeconds)} for the rest; ` +
      `${formatDuration(fit.leftSeconds)} left before it deletes itself at ${deadline}`,
  );
  return fit;
}

/** This server's own measurement, when its render was long enough to tell the cores' speed (estimate/history.ts). */
function telling(measured: RunJournal["measured"]): measured is NonNullable<RunJournal["measured"]> {
  return measured !== undefined && measured.renderSeconds >= MIN_TELLING_RENDER_SECONDS && measured.vcpus > 0;
}
