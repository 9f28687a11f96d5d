import { RENDER_REMOTE_TAG, runTag } from "../../stacks/tags.ts";
import type { LinodeClient } from "./linode-api.ts";

/**
 * Teardown's second layer: Pulumi's word is not proof. A pending CREATE (an
 * interrupted `up`) is in no stack's resources, `destroy --refresh` leaves it
 * and `stack rm` forgets it. So after every destroy, whatever it said, list
 * the account's instances and firewalls tagged with this run, delete them
 * (instances first: a firewall in use is detached by the instance's deletion),
 * and look again until none is listed.
 */
export interface SweepResult {
  /** What was still there after the destroy and was deleted here. */
  deleted: string[];
  /** What is still there (or could not be checked): billing until removed. */
  left: string[];
  /** Why something is left, or why nothing could be checked. */
  error?: string;
  /** The account could not be read: nothing is confirmed, either way. */
  unchecked?: boolean;
}

export interface SweepOptions {
  sleep: (ms: number) => Promise<void>;
  /** Listings after the deletions before giving up on a lingering one (Linode removes them within seconds). */
  confirmAttempts?: number;
  confirmDelayMs?: number;
}

/** The four calls the sweep makes. */
export type SweepClient = Pick<LinodeClient, "listInstances" | "listFirewalls" | "deleteInstance" | "deleteFirewall">;

export async function sweepRunResources(client: SweepClient, runId: string, options: SweepOptions): Promise<SweepResult> {
  const tag = runTag(runId);
  const deleted: string[] = [];
  const failures: string[] = [];
  try {
    const listed = await listTagged(client, tag);
    for (const instance of listed.instances) {
      await client.deleteInstance(instance.id).then(
        () => deleted.push(`instance ${instance.id} (${instance.label})`),
        (error: unknown) => failures.push(`instance ${instance.id}: ${(error as Error).message}`),
      );
    }
    for (const firewall of listed.firewalls) {
      await client.deleteFirewall(firewall.id).then(
        () => deleted.push(`firewall ${firewall.id} (${firewall.label})`),
        (error: unknown) => failures.push(`firewall ${firewall.id}: ${(error as Error).message}`),
      );
    }
    const attempts = options.confirmAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      const after = await listTagged(client, tag);
      const left = [
        ...after.instances.map((i) => `instance ${i.id} (${i.label}, ${i.type}, ${i.region})`),
        ...after.firewalls.map((f) => `firewall ${f.id} (${f.label})`),
      ];
      if (left.length === 0) return { deleted, left };
      if (attempt >= attempts) return { deleted, left, error: failures.length > 0 ? failures.join("; ") : undefined };
      await options.sleep(options.confirmDelayMs ?? 5_000);
    }
  } catch (error) {
    return {
      deleted,
      left: [`whatever is tagged ${tag}`],
      unchecked: true,
      error: `the Linode account could not be checked: ${(error as Error).message}`,
    };
  }
}

/** The run's instances and firewalls; the exact tags are checked here, on the objects themselves, whatever the server filtered. */
async function listTagged(client: SweepClient, tag: string) {
  const ours = (item: { tags: string[] }) => item.tags.includes(tag) && item.tags.includes(RENDER_REMOTE_TAG);
  const [instances, firewalls] = await Promise.all([client.listInstances({ tag }), client.listFirewalls({ tag })]);
  return { instances: instances.filter(ours), firewalls: firewalls.filter(ours) };
}
