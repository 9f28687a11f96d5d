import { describe, expect, it } from "vitest";
import type { LinodeFirewall, LinodeInstance } from "./linode-api.ts";
import { sweepRunResources, type SweepClient } from "./sweep-run.ts";

/**
 * The sweep against a scripted account: one that filters loosely (returns
 * everything, whatever the tag asked for), and one whose deleted instances
 * linger in listings for a while, as real deletions do.
 */
const RUN = "rr-20261124-abc123";
const tags = (run = RUN) => ["render-remote", `render-remote-run:${run}`];
const instance = (id: number, instanceTags: string[]) =>
  ({ id, label: `i${id}`, type: "g6-dedicated-2", region: "us-east", status: "running", tags: instanceTags }) as unknown as LinodeInstance;
const firewall = (id: number, firewallTags: string[]) =>
  ({ id, label: `f${id}`, status: "enabled", tags: firewallTags }) as unknown as LinodeFirewall;

class ScriptedAccount implements SweepClient {
  deletes: string[] = [];
  constructor(
    public instances: LinodeInstance[],
    public firewalls: LinodeFirewall[],
    /** Listings a deleted instance still appears in. */
    private lingerFor = 0,
  ) {}
  private gone = new Map<number, number>();
  async listInstances() {
    // loose: ignores the tag it was asked for
    return this.instances.filter((i) => {
      const left = this.gone.get(i.id);
      if (left === undefined) return true;
      this.gone.set(i.id, left - 1);
      return left > 0;
    });
  }
  async listFirewalls() {
    return this.firewalls;
  }
  async deleteInstance(id: number) {
    this.deletes.push(`instance ${id}`);
    this.gone.set(id, this.lingerFor);
    return "deleted" as const;
  }
  async deleteFirewall(id: number) {
    this.deletes.push(`firewall ${id}`);
    this.firewalls = this.firewalls.filter((f) => f.id !== id);
    return "deleted" as const;
  }
}

const options = (slept: number[]) => ({ sleep: async (ms: number) => void slept.push(ms) });

describe("sweepRunResources", () => {
  it("deletes only what carries this run's tag and the render-remote tag, whatever the listing returned; the instance first", async () => {
    const account = new ScriptedAccount(
      [instance(1, tags()), instance(2, tags("rr-other")), instance(3, [`render-remote-run:${RUN}`]), instance(4, ["web"])],
      [firewall(7, tags()), firewall(8, ["office"])],
    );
    const result = await sweepRunResources(account, RUN, options([]));
    expect(account.deletes).toEqual(["instance 1", "firewall 7"]);
    expect(result).toEqual({ deleted: ["instance 1 (i1)", "firewall 7 (f7)"], left: [] });
  });

  it("looks again while a deleted instance lingers in the listing, then confirms it gone", async () => {
    const slept: number[] = [];
    const account = new ScriptedAccount([instance(1, tags())], [], 2);
    const result = await sweepRunResources(account, RUN, options(slept));
    expect(result.left).toEqual([]);
    expect(slept).toEqual([5_000, 5_000]);
  });

  it("an instance that never leaves the listing is reported as left, after the confirmation attempts", async () => {
    const slept: number[] = [];
    const account = new ScriptedAccount([instance(1, tags())], [], 1000);
    const result = await sweepRunResources(account, RUN, options(slept));
    expect(result.left).toEqual(["instance 1 (i1, g6-dedicated-2, us-east)"]);
    expect(slept).toHaveLength(5);
  });

  it("an account that cannot be listed confirms nothing", async () => {
    const account = new ScriptedAccount([], []);
    account.listFirewalls = async () => {
      throw new Error("Linode API GET /networking/firewalls kept failing (500)");
    };
    const result = await sweepRunResources(account, RUN, options([]));
    expect(result).toMatchObject({ unchecked: true, left: [`whatever is tagged render-remote-run:${RUN}`] });
    expect(result.error).toMatch(/could not be checked: .*firewalls kept failing/);
  });
});

describe("sweepRunResources: what it reports, and what it asks for", () => {
  class FailingAccount extends ScriptedAccount {
    asked: unknown[] = [];
    override async listInstances(...args: unknown[]) {
      this.asked.push(["instances", ...args]);
      return super.listInstances();
    }
    override async listFirewalls(...args: unknown[]) {
      this.asked.push(["firewalls", ...args]);
      return super.listFirewalls();
    }
    override async deleteInstance(id: number): Promise<"deleted"> {
      throw new Error(`DELETE /linode/instances/${id} kept failing (500)`);
    }
    override async deleteFirewall(id: number): Promise<"deleted"> {
      throw new Error(`DELETE /networking/firewalls/${id} kept failing (500)`);
    }
  }

  it("deletions that fail: each thing left is named, and each failure is in the error, in order", async () => {
    const account = new FailingAccount([instance(1, tags())], [firewall(7, tags()), firewall(9, tags())]);
    const result = await sweepRunResources(account, RUN, { ...options([]), confirmAttempts: 1 });
    expect(result).toEqual({
      deleted: [],
      left: ["instance 1 (i1, g6-dedicated-2, us-east)", "firewall 7 (f7)", "firewall 9 (f9)"],
      error:
        "instance 1: DELETE /linode/instances/1 kept failing (500); firewall 7: DELETE /networking/firewalls/7 kept failing (500); " +
        "firewall 9: DELETE /networking/firewalls/9 kept failing (500)",
    });
  });

  it("deletions that all succeeded but linger past the attempts: left, with no error to blame", async () => {
    const account = new ScriptedAccount([instance(1, tags())], [], 1000);
    const result = await sweepRunResources(account, RUN, { ...options([]), confirmAttempts: 2 });
    expect(result).toStrictEqual({ deleted: ["instance 1 (i1)"], left: ["instance 1 (i1, g6-dedicated-2, us-east)"], error: undefined });
    expect(Object.hasOwn(result, "error") ? result.error : undefined).toBeUndefined();
  });

  it("asks the account for this run's tag on every listing (the tags are checked again on what comes back)", async () => {
    const account = new FailingAccount([], []);
    await sweepRunResources(account, RUN, options([]));
    const filter = { tag: `render-remote-run:${RUN}` };
    expect(account.asked).toEqual([
      ["instances", filter],
      ["firewalls", filter],
      ["instances", filter],
      ["firewalls", filter],
    ]);
  });
});
