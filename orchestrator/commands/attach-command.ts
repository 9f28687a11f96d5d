import { showUnder, wroteLines } from "../../renderer/output/wrote-lines.ts";
import { watchdogLogFile } from "../../stacks/watchdog-script.ts";
import { attachRun } from "../detach/attach.ts";
import { trapInterrupts } from "../interrupts.ts";
import { TARGET_CONNECT_TIMEOUT_SECONDS } from "../pipeline/connect-progress.ts";
import { createReporter } from "../pipeline/reporter.ts";
import type { ProvisionEngine } from "../cloud/pulumi-engine.ts";
import type { RunJournal } from "../state/journal.ts";
import { parseReconnectFor } from "./reconnect-for.ts";

/** `render-remote attach <run-id>`: exit 0 once the results are home and verified. */
export async function attachCommand(
  runId: string,
  options: { reconnectFor?: string; connectTimeout?: number; json?: boolean },
  deps: { engine?: ProvisionEngine; env?: NodeJS.ProcessEnv; watchdogRoot?: string } = {},
): Promise<number> {
  const reconnectForSeconds = parseReconnectFor(options.reconnectFor);
  const reporter = createReporter(options.json ? "json" : "auto");
  const interrupts = trapInterrupts();
  try {
    const result = await attachRun(runId, {
      reporter,
      signal: interrupts.signal,
      reconnectForSeconds,
      connectTimeoutSeconds: options.connectTimeout ?? TARGET_CONNECT_TIMEOUT_SECONDS,
      agent: process.env.SSH_AUTH_SOCK,
      env: deps.env,
      destroyCloud: (journal) => destroyCloudRun(journal, reporter.info, deps),
      watchdogLog: watchdogLogFile(runId, deps.watchdogRoot),
    });
    if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else
      process.stdout.write(
        `${["", ...wroteLines(result.outputs, showUnder(".")), result.leftovers.length === 0 ? "Nothing was left on the host." : `Left on the host:\n  ${result.leftovers.join("\n  ")}`].join("\n")}\n`,
      );
    return result.leftovers.length > 0 ? 1 : 0;
  } finally {
    interrupts.dispose();
  }
}

/** The cloud run's own teardown (cloud/destroy-run.ts): destroy with retries, sweep the tag, remove the stack, delete the keys, revoke the token. */
async function destroyCloudRun(
  journal: RunJournal,
  log: (line: string) => void,
  deps: { engine?: ProvisionEngine; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const [{ tearDownLeftRun }, { createPulumiEngine }, { linodeClientFromEnv }] = await Promise.all([
    import("../cloud/destroy-run.ts"),
    import("../cloud/pulumi-engine.ts"),
    import("../cloud/linode-api.ts"),
  ]);
  await tearDownLeftRun(journal, {
    engine: deps.engine ?? createPulumiEngine(),
    client: linodeClientFromEnv(deps.env ?? process.env),
    env: deps.env,
    retry: { attempts: 4, delayMs: 10_000, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), log },
  });
}
