import * as z from "zod";
import { BadInputError } from "../errors.ts";
import { formatUtc } from "../detach/lost-advice.ts";
import { armedDeadline, type RunJournal } from "../state/journal.ts";

/**
 * Which journal entries `--on` may render on: a server `render-remote up`
 * keeps (journal `kept`), still live and before its armed deadline. Checked
 * before anything else is done, so a refusal touches nothing. The entry is a
 * local file a user can edit: what --on uses of it is validated here, once.
 */
const keptSchema = z.object({
  toolchain: z.object({
    node: z.string().min(1).max(500),
    ffmpeg: z.string().min(1).max(500),
    cores: z.number().int().min(1).max(1024),
  }),
  hostPublicKey: z.string().regex(/^[a-z0-9@.-]+ [A-Za-z0-9+/=]+( .*)?$/),
  createdAt: z.string(),
});
const accessSchema = z.object({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  user: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/),
  keyPath: z.string().min(1),
  knownHostsPath: z.string().min(1).optional(),
});

export interface KeptServer {
  runId: string;
  plan: string;
  hourly: number;
  access: z.infer<typeof accessSchema>;
  kept: z.infer<typeof keptSchema>;
  /** The armed deadline (ISO), when the server's watchdog is armed; else the server bills until `down`. */
  deadline?: string;
  /** Seconds of a previous --on's non-render stages on this server, when one was measured. */
  measured?: RunJournal["measured"];
}

/** The kept server `journal` describes, or exit 2 saying why --on cannot use it. */
export function keptServerFor(journal: RunJournal, now: Date = new Date()): KeptServer {
  const id = journal.runId;
  if (!journal.kept)
    throw new BadInputError(
      `Run ${id} is a one-shot run (${journal.mode === "target" ? "--target" : "--plan"}), not a server kept by \`render-remote up\`; --on renders only on kept servers. ` +
        `To pick up a one-shot run whose client went away: render-remote attach ${id}. To keep a server for several renders: render-remote up --plan 48core.`,
    );
  if (journal.status === "destroyed" || journal.status === "destroying")
    throw new BadInputError(
      `Server ${id} is ${journal.status === "destroyed" ? "already destroyed" : "being destroyed"}; nothing was touched. Start another with: render-remote up --plan ${journal.plan}`,
    );
  if (journal.status === "destroy-failed")
    throw new BadInputError(
      `Destroying server ${id} failed earlier${journal.error ? ` (${journal.error})` : ""}; --on does not render on it. Finish removing it with: render-remote down ${id}`,
    );
  if (journal.status !== "live")
    throw new BadInputError(
      `Server ${id} is not ready (${journal.status}); wait for \`render-remote up\` to finish, or remove it: render-remote down ${id}`,
    );
  const deadline = armedDeadline(journal);
  if (deadline !== undefined && !(Date.parse(deadline) > now.getTime()))
    throw new BadInputError(
      `Server ${id} was due to delete itself at ${formatUtc(deadline)}, so it is gone or about to be; nothing was touched. ` +
        `Start another with: render-remote up --plan ${journal.plan}   (if \`render-remote audit\` still lists it: render-remote down ${id})`,
    );
  const kept = keptSchema.safeParse(journal.kept);
  const access = accessSchema.safeParse(journal.access);
  if (!kept.success || !access.success)
    throw new BadInputError(
      `Server ${id}'s journal entry lacks what --on needs (${!kept.success ? "kept: toolchain, host key" : "access: address, user, key"}); it was changed by hand or is damaged. ` +
        `Nothing was touched. Remove the server with: render-remote down ${id}`,
    );
  return {
    runId: id,
    plan: journal.plan,
    hourly: journal.hourly,
    access: access.data,
    kept: kept.data,
    deadline,
    measured: journal.measured,
  };
}
