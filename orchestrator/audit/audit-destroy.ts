import { LinodeApiError, type LinodeClient } from "../cloud/linode-api.ts";
import { RENDER_REMOTE_TAG, type AuditReport, type DestroyStep, type LocalStacks } from "./audit-types.ts";
import { toAuditError } from "./audit-collect.ts";

/**
 * Deletes what an audit listed: first through the run's Pulumi stack when one
 * holds resources (so Pulumi's state stays true), then directly through the
 * API, each instance, then the firewalls, whatever the stack's destroy said:
 * a "successful" destroy does not delete a pending create (an already-deleted
 * one answers 404, "already-gone"). Nothing without the
 * render-remote tag is ever deleted: the tag is checked here again, on the
 * very object about to be deleted, whatever the listing said.
 */
export interface DestroyDeps {
  client: LinodeClient;
  stacks?: LocalStacks;
}

export interface DestroyOutcome {
  steps: DestroyStep[];
  /** Runs something was done for: their journals may be marked destroyed. */
  runIds: Set<string>;
  /** Instance ids deleted through the API, to wait for them to leave the listing. */
  deletedInstanceIds: number[];
}

export async function destroyListed(report: AuditReport, deps: DestroyDeps): Promise<DestroyOutcome> {
  const outcome: DestroyOutcome = { steps: [], runIds: new Set(), deletedInstanceIds: [] };

  for (const stack of report.stacks) {
    if (!deps.stacks) break;
    try {
      await deps.stacks.destroyStack(stack.name);
      outcome.steps.push({ target: `stack ${stack.name}`, outcome: "deleted" });
    } catch (error) {
      // The API route below still removes what bills; the stack stays listed for a later audit.
      outcome.steps.push({
        target: `stack ${stack.name}`,
        outcome: "failed",
        detail: `${(error as Error).message}; deleting its run's resources through the API instead`,
      });
    }
    if (stack.runId) outcome.runIds.add(stack.runId);
  }

  for (const instance of report.instances) {
    const target = `instance ${instance.id} (${instance.label})`;
    if (!instance.tags.includes(RENDER_REMOTE_TAG)) {
      outcome.steps.push({
        target,
        outcome: "skipped",
        detail: `not tagged ${RENDER_REMOTE_TAG}, so render-remote never deletes it; delete it in Cloud Manager if it is yours`,
      });
      continue;
    }
    const step = await deleteOne(target, () => deps.client.deleteInstance(instance.id));
    outcome.steps.push(step);
    if (step.outcome === "deleted") outcome.deletedInstanceIds.push(instance.id);
    if (instance.runId) outcome.runIds.add(instance.runId);
  }

  for (const firewall of report.firewalls) {
    const target = `firewall ${firewall.id} (${firewall.label})`;
    if (!firewall.tags.includes(RENDER_REMOTE_TAG)) {
      outcome.steps.push({ target, outcome: "skipped", detail: `not tagged ${RENDER_REMOTE_TAG}, so render-remote never deletes it` });
      continue;
    }
    outcome.steps.push(await deleteOne(target, () => deps.client.deleteFirewall(firewall.id)));
    if (firewall.runId) outcome.runIds.add(firewall.runId);
  }
  return outcome;
}

async function deleteOne(target: string, remove: () => Promise<"deleted" | "already-gone">): Promise<DestroyStep> {
  try {
    return { target, outcome: await remove() };
  } catch (error) {
    // A rejected token will fail every other call too: stop, the audit has failed.
    if (error instanceof LinodeApiError && (error.kind === "auth" || error.kind === "no-token")) throw toAuditError(error);
    return { target, outcome: "failed", detail: (error as Error).message };
  }
}
