import { runRow, formatRuns } from "../detach/runs-list.ts";
import { printable } from "../hosts/remote-text.ts";
import { listAllJournals } from "../state/journal.ts";

/** `render-remote runs [--json]`: every journaled run, newest first. Reads only local files. */
export async function runsCommand(options: { json?: boolean }): Promise<number> {
  const rows = (await listAllJournals()).reverse().map((journal) => runRow(journal));
  process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : `${printable(formatRuns(rows))}\n`);
  return 0;
}
