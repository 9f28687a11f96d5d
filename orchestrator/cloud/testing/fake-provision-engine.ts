import * as pulumi from "@pulumi/pulumi";
import type { ProvisionEngine, StackOutputs, StackProgram } from "../pulumi-engine.ts";
import { readJournal } from "../../state/journal.ts";
import type { RunStatus } from "../../state/journal.ts";
import { fakeFirewall, fakeInstance, type FakeLinodeApi } from "./fake-linode-api.ts";

/**
 * A ProvisionEngine for tests: the real one needs the Pulumi CLI and the
 * linode plugin, which cannot be downloaded here. `up` RUNS the program it is
 * given, under pulumi.runtime.setMocks, and keeps what it would have sent to
 * Linode (`sent`), so tests check the real firewall rules, type and region.
 * With a fake Linode API, `up` creates those resources there (with their
 * tags) and `destroy` deletes what its state holds, so a pending create
 * (created in the account, absent from the state) is left behind as for real.
 * It records every call in order, with the journal status at that moment.
 */
export interface EngineCall {
  method: "preflight" | "up" | "destroy" | "removeStack" | "destroyStack";
  name: string;
  /** The run's journal status when the call was made; undefined when there was no entry yet. */
  journalStatus: RunStatus | undefined;
  /** Whether an AbortSignal was passed. */
  hadSignal: boolean;
}

/** One resource the program registered: what `up` would send to the provider. */
export interface SentResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface FakeEngineBehaviour {
  /**
   * "ok" returns outputs; "throw" fails after creating the firewall; "hang" waits for the abort signal, then fails;
   * "pending" is cut off mid-create: the instance exists in the account but not in the state.
   */
  up?: "ok" | "throw" | "hang" | "pending";
  /** How many destroy calls fail before one succeeds (Infinity: never succeeds). */
  destroyFailures?: number;
  /** "hang": destroy never settles, whatever its signal says (a wedged CLI). */
  destroy?: "hang";
  /** Thrown by preflight (e.g. "the CLI is too old"). */
  preflightError?: Error;
  removeStackFails?: boolean;
  /** Replaces some outputs, e.g. a wrong fingerprint. */
  outputs?: Partial<StackOutputs>;
  /** Called when `up` starts, e.g. to abort the run's controller. */
  onUp?: () => void;
  /** The fake account `up` creates in and `destroy` deletes from. */
  api?: FakeLinodeApi;
}

const INSTANCE_ID = 777;
const FIREWALL_ID = 4242;

export class FakeProvisionEngine implements ProvisionEngine {
  readonly calls: EngineCall[] = [];
  /** The resources the last `up` registered, with their inputs as the provider would get them. */
  sent: SentResource[] = [];
  /** Ids the stack's state holds (what `destroy` knows to delete). */
  private readonly state = new Set<number>();
  private destroyFailuresLeft: number;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly behaviour: FakeEngineBehaviour = {},
  ) {
    this.destroyFailuresLeft = behaviour.destroyFailures ?? 0;
  }

  methods(): string[] {
    return this.calls.map((call) => call.method);
  }

  /** The inputs of the one resource of `type` the program declared. */
  sentInputs(type: "linode:index/firewall:Firewall" | "linode:index/instance:Instance"): Record<string, unknown> {
    const found = this.sent.filter((resource) => resource.type === type);
    if (found.length !== 1) throw new Error(`expected one ${type}, the program declared ${found.length}`);
    return found[0].inputs;
  }

  async preflight(): Promise<void> {
    await this.record("preflight", "");
    if (this.behaviour.preflightError) throw this.behaviour.preflightError;
  }

  async up(runId: string, program: StackProgram, options?: { signal?: AbortSignal }): Promise<StackOutputs> {
    await this.record("up", runId, options?.signal);
    const outputs = await this.runProgram(runId, program);
    this.behaviour.onUp?.();
    const firewall = this.sentInputs("linode:index/firewall:Firewall");
    const instance = this.sentInputs("linode:index/instance:Instance");
    this.create("firewall", firewall, true);
    if (this.behaviour.up === "throw")
      throw new Error(`error: 1 error occurred: [400] type: ${String(instance.type)} is not available in this region`);
    if (this.behaviour.up === "pending") {
      this.create("instance", instance, false);
      throw new Error("error: update canceled: linode:index/instance:Instance render-host: creating (pending)");
    }
    if (this.behaviour.up === "hang") {
      const cancelled = await new Promise<boolean>((resolve) => {
        if (options?.signal?.aborted) return resolve(true);
        options?.signal?.addEventListener("abort", () => resolve(true), { once: true });
        setTimeout(() => resolve(false), 2000).unref();
      });
      throw new Error(cancelled ? "update canceled by SIGINT" : "fake up: hung for 2 s and was never cancelled");
    }
    this.create("instance", instance, true);
    return { ...outputs, ...this.behaviour.outputs };
  }

  async destroy(runId: string, options?: { onOutput?: (text: string) => void; signal?: AbortSignal }): Promise<void> {
    await this.record("destroy", runId, options?.signal);
    if (this.behaviour.destroy === "hang") return new Promise<void>(() => undefined);
    if (this.destroyFailuresLeft > 0) {
      this.destroyFailuresLeft -= 1;
      throw new Error("error: deleting urn:pulumi:rr::render-remote::linode:index/instance:Instance::render-host: [429] Too Many Requests");
    }
    const api = this.behaviour.api;
    if (api) {
      api.instances = api.instances.filter((i) => !this.state.has(i.id));
      api.firewalls = api.firewalls.filter((f) => !this.state.has(f.id));
    }
    this.state.clear();
  }

  async removeStack(runId: string): Promise<void> {
    await this.record("removeStack", runId);
    if (this.behaviour.removeStackFails) throw new Error("stack is locked");
  }

  async destroyStack(name: string): Promise<void> {
    await this.record("destroyStack", name);
  }

  /** Runs the program as a mocked update; returns its outputs as plain values. */
  private async runProgram(runId: string, program: StackProgram): Promise<StackOutputs> {
    const sent: SentResource[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          sent.push({ type: args.type, name: args.name, inputs: args.inputs });
          const isInstance = args.type === "linode:index/instance:Instance";
          return {
            id: String(isInstance ? INSTANCE_ID : FIREWALL_ID),
            state: { ...args.inputs, ...(isInstance ? { ipAddress: "203.0.113.10" } : {}) },
          };
        },
        call: (args) => args.inputs,
      },
      "render-remote",
      runId,
    );
    const raw = await program();
    const entries = await Promise.all(
      Object.entries(raw).map(
        async ([key, value]) =>
          [key, await new Promise((resolve) => (pulumi.output(value) as pulumi.Output<unknown>).apply(resolve))] as const,
      ),
    );
    this.sent = sent;
    return Object.fromEntries(entries);
  }

  private create(kind: "instance" | "firewall", inputs: Record<string, unknown>, inState: boolean): void {
    const id = kind === "instance" ? INSTANCE_ID : FIREWALL_ID;
    if (inState) this.state.add(id);
    const api = this.behaviour.api;
    if (!api) return;
    const tags = inputs.tags as string[];
    const label = String(inputs.label);
    if (kind === "instance")
      api.instances.push(fakeInstance({ id, label, tags, type: String(inputs.type), region: String(inputs.region) }));
    else api.firewalls.push(fakeFirewall({ id, label, tags }));
  }

  private async record(method: EngineCall["method"], name: string, signal?: AbortSignal): Promise<void> {
    // an unreadable journal (a test may break it on purpose) is recorded as no status
    const journalStatus = name ? (await readJournal(name, this.env).catch(() => undefined))?.status : undefined;
    this.calls.push({ method, name, journalStatus, hadSignal: signal !== undefined });
  }
}
