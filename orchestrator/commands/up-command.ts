import { BadInputError } from "../errors.ts";
import { parseDuration } from "../estimate/predict.ts";
import { trapInterrupts } from "../interrupts.ts";
import { CLOUD_CONNECT_TIMEOUT_SECONDS } from "../pipeline/connect-progress.ts";
import { createReporter } from "../pipeline/reporter.ts";
import { formatKeptServer, keptCommands } from "../kept/kept-report.ts";
import { keepServer, type UpDeps } from "../kept/up.ts";

export interface UpCommandOptions {
  plan?: string;
  region: string;
  keep?: string;
  maxCost?: number;
  sshFrom?: string;
  connectTimeout?: number;
  json?: boolean;
}

/** `render-remote up --plan P`: rent and prepare a server, keep it until `down` or its deadline. */
export async function upCommand(options: UpCommandOptions, deps: UpDeps = {}): Promise<number> {
  if (!options.plan) throw new BadInputError("`up` needs --plan, e.g. `npx render-remote up --plan 48core` (see: render-remote plans).");
  const keepSeconds = parseKeep(options.keep);
  const reporter = createReporter(options.json ? "json" : "auto");
  const interrupts = trapInterrupts();
  try {
    const server = await keepServer(
      {
        plan: options.plan,
        region: options.region,
        keepSeconds,
        maxCost: options.maxCost,
        sshFrom: options.sshFrom,
        connectTimeout: options.connectTimeout ?? CLOUD_CONNECT_TIMEOUT_SECONDS,
        reporter,
        interrupts,
      },
      deps,
    );
    process.stdout.write(
      options.json ? `${JSON.stringify({ ...server, commands: keptCommands(server.runId) }, null, 2)}\n` : `${formatKeptServer(server)}\n`,
    );
    return 0;
  } finally {
    interrupts.dispose();
  }
}

/** --keep as seconds. A bare number is refused, as for --deadline: 55 could be minutes or seconds. */
export function parseKeep(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (bare) throw new BadInputError(`--keep ${bare[1]} has no unit: write ${bare[1]}m or ${bare[1]}h (for example --keep 55m).`);
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new BadInputError(`--keep takes a duration like 55m or 1h55m; got "${text}".`);
  return seconds;
}
