import { LinodeApiError, type LinodeClient } from "../cloud/linode-api.ts";
import { RENDER_REMOTE_TAG, type AuditReport, type DestroyStep, type LocalStacks } from "./audit-types.ts";
import { toAuditError } from "./audit-collect.ts";

/**
 * Deletes what an audit listed: through the run's Pulumi stack when one holds
 * resources (so Pulumi's state stays true), directly through the API
 * otherwise: each instance, then the firewalls. Nothing without the
 * render-remote tag is ever deleted: the tag is checked here again, on the
 * very object about to be deleted, whatever the listing said. A stack whose
 * destroy "succeeded" proves nothing: its run's instances are looked up again
 * and deleted through the API if they are still there.
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
  const viaStack = new Set<string>();

  for (const stack of report.stacks) {
    if (!deps.stacks) break;
    try {
      await deps.stacks.destroyStack(stack.name);
      outcome.steps.push({ target: `stack ${stack.name}`, outcome: "deleted" });
      if (stack.runId) viaStack.add(stack.runId);
    } catch (error) {
      // The API route below still removes what bills; the stack stays listed for a later audit.
      outcome.steps.push({ target: `stack ${stack.name}`, outcome: "failed", detail: `${(error as Error).message}; deleting its run's resources through the API instead` });
    }
    if (stack.runId) outcome.runIds.add(stack.runId);
  }

  for (const instance of report.instances) {
    const target = `instance ${instance.id} (${instance.label})`;
    if (!instance.tags.includes(RENDER_REMOTE_TAG)) {
      outcome.steps.push({ target, outcome: "skipped", detail: `not tagged ${RENDER_REMOTE_TAG}, so render-remote never deletes it; delete it in Cloud Manager if it is yours` });
      continue;
    }
    if (instance.runId && viaStack.has(instance.runId) && !(await stillThere(deps.client, instance.id))) continue;
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
    if (firewall.runId && viaStack.has(firewall.runId)) continue;
    outcome.steps.push(await deleteOne(target, () => deps.client.deleteFirewall(firewall.id)));
    if (firewall.runId) outcome.runIds.add(firewall.runId);
  }
  return outcome;
}

/** After a stack destroy: is the instance still in the account? A failed look-up counts as "yes", so it gets a DELETE. */
async function stillThere(client: LinodeClient, id: number): Promise<boolean> {
  try {
    return (await client.getInstance(id)) !== undefined;
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: equivalent for no-token, the DELETE that follows fails on it and deleteOne throws the same AuditError
    if (error instanceof LinodeApiError && (error.kind === "auth" || error.kind === "no-token")) throw toAuditError(error);
    return true;
  }
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
