import type { Host } from "../hosts/host.ts";
import type { PipelineContext } from "./context.ts";

/** connect: open the host; SSH hosts retry with backoff until sshd answers (hosts/ssh-host.ts). */
export async function connect(ctx: PipelineContext): Promise<Host> {
  const host = await ctx.openHost(ctx.signal);
  ctx.reporter.info(`  host: ${host.description}`);
  return host;
}
