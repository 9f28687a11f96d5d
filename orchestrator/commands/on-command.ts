import { prepareOutDir } from "../../renderer/output/out-dir.ts";
import { showUnder, wroteLines } from "../../renderer/output/wrote-lines.ts";
import { BadInputError } from "../errors.ts";
import { formatUtc } from "../detach/lost-advice.ts";
import { formatDuration } from "../estimate/predict.ts";
import { trapInterrupts } from "../interrupts.ts";
import { TARGET_CONNECT_TIMEOUT_SECONDS } from "../pipeline/connect-progress.ts";
import { runDirAdvice } from "../pipeline/leftover-advice.ts";
import { createReporter } from "../pipeline/reporter.ts";
import type { OnResult, RenderOnOptions } from "../kept/render-on.ts";
import { parseReconnectFor } from "./reconnect-for.ts";
import type { RunCommandOptions } from "./run-command.ts";

/** Flags of a one-shot run that mean nothing on a server `up` keeps: refused, not ignored. */
const ONE_SHOT_ONLY = [
  ["plan", "--plan"],
  ["target", "--target"],
  ["dryRun", "--dry-run"],
  ["identity", "--identity"],
  ["knownHosts", "--known-hosts"],
  ["acceptNewHostKey", "--accept-new-host-key"],
  ["sshFrom", "--ssh-from"],
  ["maxCost", "--max-cost"],
  ["maxHours", "--max-hours"],
  ["deadline", "--deadline"],
] as const;

/** `render-remote --on <run-id> --spec FILE`: one render on a kept server, which stays up. */
export async function onCommand(
  options: RunCommandOptions & { on: string },
  deps: { env?: NodeJS.ProcessEnv; lock?: RenderOnOptions["lock"] } = {},
): Promise<number> {
  const clash = ONE_SHOT_ONLY.filter(([key]) => options[key] !== undefined && options[key] !== false).map(([, flag]) => flag);
  if (clash.length > 0)
    throw new BadInputError(
      `--on renders on a server \`render-remote up\` keeps, with its own address, key and deadline: drop ${clash.join(", ")}. ` +
        "(--plan rents a server for one render, --target renders on yours, --dry-run here.)",
    );
  if (!options.spec) throw new BadInputError(`--spec is required, e.g. render-remote --on ${options.on} --spec specs/seed-default.json`);
  const reconnectForSeconds = parseReconnectFor(options.reconnectFor);
  const outDir = await prepareOutDir(options.out);
  const reporter = createReporter(options.json ? "json" : "auto");
  const interrupts = trapInterrupts();
  const where = `server ${options.on}`;
  interrupts.setLeftoverAdvice(runDirAdvice(undefined, where, []));
  try {
    const { renderOn } = await import("../kept/render-on.ts");
    const result = await renderOn({
      runId: options.on,
      spec: options.spec,
      out: options.out,
      keepFrames: options.keepFrames === true,
      processes: options.processes,
      preset: options.preset,
      connectTimeoutSeconds: options.connectTimeout ?? TARGET_CONNECT_TIMEOUT_SECONDS,
      reconnectForSeconds,
      reporter,
      signal: interrupts.signal,
      env: deps.env,
      lock: deps.lock,
      onRunDir: (runDir, hostHint) => interrupts.setLeftoverAdvice(runDirAdvice(runDir, where, hostHint)),
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ ...result, job: undefined }, null, 2)}\n`);
    else process.stdout.write(`${onReport(result, options.out, options.spec).join("\n")}\n`);
    return result.leftovers.length > 0 ? 1 : 0;
  } finally {
    interrupts.dispose();
    await outDir.removeIfUnused();
  }
}

/** The outputs, what the render took, the time left on the server, and the commands for the next render and for `down`. */
export function onReport(result: OnResult, out: string, spec: string): string[] {
  const render = result.stageSeconds.render ?? 0;
  const others = Object.entries(result.stageSeconds).filter(([stage, seconds]) => stage !== "render" && seconds !== undefined);
  const lines = [
    "",
    ...wroteLines(result.outputs, showUnder(out)),
    `Took ${(render + others.reduce((sum, [, s]) => sum + (s ?? 0), 0)).toFixed(1)} s: rendering ${render.toFixed(1)} s, ` +
      `the other stages ${others.map(([stage, seconds]) => `${stage} ${(seconds ?? 0).toFixed(1)}`).join(", ")} (no provisioning, no prepare).`,
    result.leftovers.length === 0
      ? "The run directory was removed; the server stays up."
      : `Left on the server:\n  ${result.leftovers.join("\n  ")}`,
  ];
  if (result.deadline !== undefined && result.leftSeconds !== undefined)
    lines.push(
      `Server ${result.runId}: ${formatDuration(Math.max(0, result.leftSeconds))} left before it deletes itself at ${formatUtc(result.deadline)}.`,
    );
  else lines.push(`Server ${result.runId} has no server-side deadline: it bills until you remove it.`);
  lines.push(`Render again: render-remote --on ${result.runId} --spec ${spec}`, `Remove it now: render-remote down ${result.runId}`);
  return lines;
}
