import { readFile } from "node:fs/promises";
import path from "node:path";
import { fingerprint } from "../keys.ts";
import type { ProvisionEngine, StackOutputs } from "../pulumi-engine.ts";
import { readJournal } from "../../state/journal.ts";
import type { RunStatus } from "../../state/journal.ts";
import { runKeysDir } from "../../state/paths.ts";

/**
 * A ProvisionEngine for tests: the real one needs the Pulumi CLI and the
 * linode plugin, which cannot be downloaded here. It records every call in
 * order, with the journal status at the moment of the call, and can be told
 * to fail or to hang until its signal aborts (Ctrl-C).
 */
export interface EngineCall {
  method: "up" | "destroy" | "removeStack" | "listStacks" | "destroyStack";
  name: string;
  /** The run's journal status when the call was made; undefined when there was no entry yet. */
  journalStatus: RunStatus | undefined;
  /** Whether an AbortSignal was passed. */
  hadSignal: boolean;
}

export interface FakeEngineBehaviour {
  /** "ok" returns outputs; "throw" fails like a rejected update; "hang" waits for the abort signal, then fails. */
  up?: "ok" | "throw" | "hang";
  /** How many destroy calls fail before one succeeds (Infinity: never succeeds). */
  destroyFailures?: number;
  removeStackFails?: boolean;
  /** Replaces some outputs, e.g. a wrong fingerprint. */
  outputs?: Partial<StackOutputs>;
  /** Called when `up` starts, e.g. to abort the run's controller. */
  onUp?: () => void;
}

export class FakeProvisionEngine implements ProvisionEngine {
  readonly calls: EngineCall[] = [];
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

  async up(runId: string, program: () => Promise<Record<string, unknown>>, options?: { signal?: AbortSignal }): Promise<StackOutputs> {
    await this.record("up", runId, options?.signal);
    if (typeof program !== "function") throw new Error("up needs a program");
    this.behaviour.onUp?.();
    if (this.behaviour.up === "throw") throw new Error("error: 1 error occurred: [400] type: g6-dedicated-48 is not available in this region");
    if (this.behaviour.up === "hang") {
      const cancelled = await new Promise<boolean>((resolve) => {
        if (options?.signal?.aborted) return resolve(true);
        options?.signal?.addEventListener("abort", () => resolve(true), { once: true });
        setTimeout(() => resolve(false), 2000).unref();
      });
      throw new Error(cancelled ? "update canceled by SIGINT" : "fake up: hung for 2 s and was never cancelled");
    }
    // Like the real program: the fingerprint of the host key the run generated.
    const hostPublicKey = await readFile(path.join(runKeysDir(runId, this.env), "ssh_host_ed25519_key.pub"), "utf8");
    return { ip: "203.0.113.10", user: "render", hostKeyFingerprint: fingerprint(hostPublicKey), instanceId: 777, firewallId: 4242, ...this.behaviour.outputs };
  }

  async destroy(runId: string, options?: { onOutput?: (text: string) => void; signal?: AbortSignal }): Promise<void> {
    await this.record("destroy", runId, options?.signal);
    if (this.destroyFailuresLeft > 0) {
      this.destroyFailuresLeft -= 1;
      throw new Error("error: deleting urn:pulumi:rr::render-remote::linode:index/instance:Instance::render-host: [429] Too Many Requests");
    }
  }

  async removeStack(runId: string): Promise<void> {
    await this.record("removeStack", runId);
    if (this.behaviour.removeStackFails) throw new Error("stack is locked");
  }

  async listStacks(): Promise<{ name: string; resourceCount?: number }[]> {
    await this.record("listStacks", "");
    return [];
  }

  async destroyStack(name: string): Promise<void> {
    await this.record("destroyStack", name);
  }

  private async record(method: EngineCall["method"], name: string, signal?: AbortSignal): Promise<void> {
    const journalStatus = name ? (await readJournal(name, this.env))?.status : undefined;
    this.calls.push({ method, name, journalStatus, hadSignal: signal !== undefined });
  }
}
