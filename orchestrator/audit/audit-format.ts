import { DESTROY_YES_COMMAND, type AuditInstance, type AuditReport } from "./audit-types.ts";
import { formatServerSide } from "./audit-server-side.ts";

/**
 * The audit report for people: one line that answers "is anything billing?",
 * a table of what is, then the disagreements, then the command to run next.
 */
export function formatAuditReport(report: AuditReport): string {
  const lines: string[] = [];
  const scope = report.runId ? ` for run ${report.runId}` : "";
  if (report.destroy) lines.push(...formatDestroy(report.destroy), "");

  if (!report.billing) {
    lines.push(`Nothing is billing${scope}: no render-remote instance in the Linode account.`);
  } else {
    const unpriced = report.totals.unpriced > 0 ? ` (${report.totals.unpriced} not priced)` : "";
    lines.push(
      `Billing${scope}: ${report.totals.instances} instance${report.totals.instances === 1 ? "" : "s"}, ` +
        `$${report.totals.hourly.toFixed(3)}/h, $${report.totals.costSoFar.toFixed(2)} so far in started hours${unpriced}.`,
      "",
      ...table(report.instances),
    );
  }
  if (report.balanceUninvoiced !== undefined) lines.push(`Uninvoiced balance on the account: $${report.balanceUninvoiced.toFixed(2)}.`);

  if (report.firewalls.length > 0) {
    lines.push("", "Firewalls tagged render-remote (free, but clutter):");
    for (const f of report.firewalls) {
      const attached =
        f.linodeIds === undefined ? "" : f.linodeIds.length > 0 ? `  attached to ${f.linodeIds.join(", ")}` : "  attached to nothing";
      lines.push(`  ${f.id}  ${f.label}  run ${f.runId ?? "?"}${attached}`);
    }
  }
  if (report.stacks.length > 0) {
    lines.push("", "Local Pulumi stacks still holding resources:");
    for (const s of report.stacks)
      lines.push(`  ${s.name}  ${s.resourceCount === undefined ? "unknown number of" : s.resourceCount} resources`);
  }
  if (report.ghosts.length > 0) {
    lines.push("", "Journals that say a server is up, but the account has none:");
    for (const g of report.ghosts) {
      const done = g.action === "marked-destroyed" ? " Journal marked destroyed." : "";
      lines.push(`  run ${g.runId} (${g.status}, started ${g.startedAt}): ${g.note}${done}`);
    }
  }
  lines.push(...formatServerSide(report.serverSide, new Date(report.checkedAt)));
  const prices =
    report.prices.source === "api"
      ? "live from the Linode API"
      : report.prices.source === "mixed"
        ? `live from the Linode API where it priced the type, else from the fallback table dated ${report.prices.fallbackDate}`
        : `from the fallback table dated ${report.prices.fallbackDate}`;
  lines.push("", `Prices ${prices}.`);
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`);
  if (report.instances.some((i) => !i.tagged)) {
    lines.push(
      "An instance above lost its render-remote tag: render-remote will not delete it. Delete it in Cloud Manager (cloud.linode.com).",
    );
  }
  if (report.next) lines.push(`To delete what is listed: ${report.next}`);
  return `${lines.join("\n")}\n`;
}

/** The line a real run ends with: "nothing left billing", or what is left and how to remove it. */
export function formatRunVerdict(report: AuditReport): string {
  const parts = [
    ...report.instances.map((i) => `instance ${i.id} ${i.label} (${i.type}, ${i.region}, ${money(i.hourly, 3)}/h)`),
    ...report.firewalls.map((f) => `firewall ${f.id} ${f.label}`),
    ...report.stacks.map((s) => `Pulumi stack ${s.name}`),
  ];
  if (parts.length === 0) return "nothing left billing";
  const head = report.billing ? `still billing for run ${report.runId}` : `nothing left billing, but run ${report.runId} left`;
  return `${head}: ${parts.join("; ")}. Remove it with: ${DESTROY_YES_COMMAND}`;
}

function formatDestroy(destroy: NonNullable<AuditReport["destroy"]>): string[] {
  if (!destroy.confirmed) return ["Nothing deleted: not confirmed."];
  if (destroy.steps.length === 0) return ["Nothing to delete."];
  return ["Deleted:", ...destroy.steps.map((s) => `  ${s.target}: ${s.outcome}${s.detail ? ` (${s.detail})` : ""}`)];
}

function table(instances: AuditInstance[]): string[] {
  const header = ["RUN", "INSTANCE", "LABEL", "TYPE", "REGION", "AGE", "$/H", "SO FAR", "KNOWN BY", ""];
  const rows = instances.map((i) => [
    i.runId ?? "-",
    String(i.id),
    i.label,
    i.type,
    i.region,
    age(i.ageHours),
    money(i.hourly, 3),
    money(i.costSoFar, 2),
    i.knownBy.join(","),
    [i.orphan ? "ORPHAN: no journal" : "", i.tagged ? "" : "UNTAGGED"].filter(Boolean).join(", "),
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join("  ")
      .trimEnd(),
  );
}

function age(hours: number): string {
  const minutes = Math.round(hours * 60);
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
  return `${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h`;
}

const money = (value: number | undefined, digits: number) => (value === undefined ? "?" : `$${value.toFixed(digits)}`);
