import { auditRun } from "../audit/audit.ts";
import { DESTROY_YES_COMMAND } from "../audit/audit-types.ts";
import { errorMessage, tearDownLeftRun } from "../cloud/destroy-run.ts";
import { linodeClientFromEnv } from "../cloud/linode-api.ts";
import { createPulumiEngine, type ProvisionEngine } from "../cloud/pulumi-engine.ts";
import type { RunJournal } from "../state/journal.ts";
import { isExpired } from "./kept-servers.ts";

/**
 * `render-remote down`: a kept server's teardown, exactly a run's (destroy-run.ts): Pulumi destroy with
 * retries, the tag sweep, the stack and the per-run keys removed, the run token revoked, the journal marked.
 */
export interface DownResult {
  runId: string;
  destroyed: boolean;
  /** The audit's last word on the run (nothing left billing, or what is and the command that removes it). */
  verdict: string;
  error?: string;
}

export interface DownDeps {
  engine?: ProvisionEngine;
  env?: NodeJS.ProcessEnv;
  /** Retry pacing (tests); default 4 attempts from 10 s, tripling. */
  sleep?: (ms: number) => Promise<void>;
}

export async function destroyKeptServers(servers: RunJournal[], log: (line: string) => void, deps: DownDeps = {}): Promise<DownResult[]> {
  const env = deps.env ?? process.env;
  const client = linodeClientFromEnv(env);
  const engine = deps.engine ?? createPulumiEngine(env);
  const results: DownResult[] = [];
  for (const server of servers) {
    if (isExpired(server, new Date()))
      log(
        `Kept server ${server.runId} is past its deadline (${server.deadline}) and was not deleted by its watchdog: destroying the leftover.`,
      );
    if (server.stage === "render") log(`An \`--on\` render was under way on ${server.runId}; it stops with the server.`);
    let error: string | undefined;
    try {
      await tearDownLeftRun(server, {
        engine,
        client,
        env: deps.env,
        retry: { attempts: 4, delayMs: 10_000, sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))), log },
      });
    } catch (caught) {
      error = errorMessage(caught);
    }
    results.push({ runId: server.runId, destroyed: error === undefined, verdict: await verdict(server.runId, deps.env), error });
  }
  return results;
}

async function verdict(runId: string, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await auditRun(runId, { env })).message;
  } catch (error) {
    return `Could not check the account afterwards (${errorMessage(error)}). Run: render-remote audit, or ${DESTROY_YES_COMMAND}`;
  }
}
