import { armedDeadline, type RunJournal } from "../state/journal.ts";

/**
 * What the client says when it could not get back to the host in time: the
 * render may well still be running, how to pick it up, and (cloud runs with a
 * server-side deadline) when the server deletes itself.
 */
export function lostLinkAdvice(runId: string, where: string, journal?: Pick<RunJournal, "deadline" | "watchdog" | "mode">): string {
  const deadline = journal && armedDeadline(journal);
  const lines = [
    `The render may still be running on ${where}; its results stay there until you attach.`,
    `When the host is reachable again, run: render-remote attach ${runId}   (render-remote runs lists your runs)`,
  ];
  if (deadline)
    lines.push(`The server deletes itself at its deadline, ${formatUtc(deadline)}; attach before then or the results are lost.`);
  else if (journal?.mode === "cloud")
    lines.push(
      "This run has no server-side deadline: the server bills until it is destroyed (render-remote attach, or render-remote audit --destroy).",
    );
  return lines.join("\n");
}

/** "2026-12-05T14:05:00.000Z" → "14:05 UTC (2026-12-05)"; an unreadable value is shown as it is. */
export function formatUtc(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso.slice(0, 40);
  const text = time.toISOString();
  return `${text.slice(11, 16)} UTC (${text.slice(0, 10)})`;
}
