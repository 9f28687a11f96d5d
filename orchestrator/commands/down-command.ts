import { BadInputError } from "../errors.ts";
import { trapInterrupts } from "../interrupts.ts";
import { createReporter } from "../pipeline/reporter.ts";
import { destroyKeptServers, type DownDeps } from "../kept/down.ts";
import { keptServerToDestroy, listKeptServers } from "../kept/kept-servers.ts";

/** `render-remote down <run-id>` / `down --all`: exit 0 once every named kept server is gone, 1 if one may still bill. */
export async function downCommand(
  runId: string | undefined,
  options: { all?: boolean; json?: boolean },
  deps: DownDeps = {},
): Promise<number> {
  if (runId !== undefined && options.all)
    throw new BadInputError(`Name one kept server or pass --all, not both (got ${runId} and --all). Nothing was touched.`);
  if (runId === undefined && !options.all)
    throw new BadInputError("`down` needs a kept server's run id, or --all. `render-remote runs` lists them. Nothing was touched.");
  // every check before anything is touched
  const servers = runId === undefined ? await listKeptServers(deps.env) : [await keptServerToDestroy(runId, deps.env)];
  if (servers.length === 0) {
    process.stdout.write(options.json ? "[]\n" : "No kept servers: nothing to destroy.\n");
    return 0;
  }
  const reporter = createReporter(options.json ? "json" : "auto");
  // Ctrl-C does not cut a destroy short (it is never cancelled); a second one says what a forced quit would leave
  const interrupts = trapInterrupts();
  interrupts.setLeftoverAdvice(`kept server(s) ${servers.map((s) => s.runId).join(", ")}; run: render-remote audit --destroy --yes`);
  try {
    const results = await destroyKeptServers(servers, (line) => reporter.info(line), deps);
    if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else
      process.stdout.write(
        `${results.map((r) => (r.destroyed ? `Destroyed kept server ${r.runId}. ${r.verdict}` : `Could not destroy kept server ${r.runId}: ${r.error}`)).join("\n")}\n`,
      );
    return results.every((r) => r.destroyed) ? 0 : 1;
  } finally {
    interrupts.dispose();
  }
}
