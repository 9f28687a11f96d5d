import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { LinodeClient } from "../../cloud/linode-api.ts";
import {
  fakeInstance,
  startFakeLinodeApi,
  type FakeInstance,
  type FakeLinodeApi,
  type FakeLinodeOptions,
} from "../../cloud/testing/fake-linode-api.ts";
import { writeJournal, type RunJournal } from "../../state/journal.ts";
import type { LocalStack, LocalStacks } from "../audit-types.ts";

/**
 * What an audit test needs: a fake Linode API on 127.0.0.1, a private state
 * directory for the journal, a stack store standing in for Pulumi (the engine
 * cannot run here), a fixed clock, and captured output.
 */
export const NOW = new Date("2026-11-24T12:00:00Z");

export class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Pulumi's part, faked: destroying a stack deletes its run's resources from
 * the fake account, as `pulumi destroy` would. It can fail as Pulumi does:
 * `destroy: "fail"` throws and leaves everything; `"forget"` reports success
 * and empties the stack but leaves the instance billing (a pending create: it was never in the state).
 */
export interface FakeStacksOptions {
  destroy?: "ok" | "fail" | "forget";
}

export class FakeStacks implements LocalStacks {
  destroyed: string[] = [];
  constructor(
    public stacks: LocalStack[],
    private readonly api: FakeLinodeApi,
    private readonly options: FakeStacksOptions = {},
  ) {}
  async listStacks(): Promise<LocalStack[]> {
    return this.stacks.map((s) => ({ ...s }));
  }
  async destroyStack(name: string): Promise<void> {
    this.destroyed.push(name);
    if (this.options.destroy === "fail") throw new Error(`error: the stack is currently locked by 1 lock(s) (stack ${name})`);
    this.stacks = this.stacks.map((s) => (s.name === name ? { ...s, resourceCount: 0 } : s));
    const ofRun = (tags: string[]) => tags.includes(`render-remote-run:${name}`);
    // "forget": the instance was a pending create, never in the state, so the destroy leaves it billing
    if (this.options.destroy !== "forget") this.api.instances = this.api.instances.filter((i) => !ofRun(i.tags));
    this.api.firewalls = this.api.firewalls.filter((f) => !ofRun(f.tags));
  }
}

export interface AuditFixture {
  fake: FakeLinodeApi;
  client: LinodeClient;
  env: NodeJS.ProcessEnv;
  delays: number[];
  stdout: Capture;
  stderr: Capture;
  deps: {
    client: LinodeClient;
    env: NodeJS.ProcessEnv;
    now: () => Date;
    sleep: (ms: number) => Promise<void>;
    stdout: Capture;
    stderr: Capture;
  };
  journal(entry: Partial<RunJournal> & { runId: string }): Promise<void>;
  cleanup(): Promise<void>;
}

export async function auditFixture(
  options: FakeLinodeOptions = {},
  client: { pageSize?: number; token?: string } = {},
): Promise<AuditFixture> {
  const fake = await startFakeLinodeApi(options);
  const home = await mkdtemp(path.join(os.tmpdir(), "render-remote-audit-"));
  const env = { RENDER_REMOTE_HOME: home };
  const delays: number[] = [];
  const sleep = async (ms: number) => void delays.push(ms);
  const api = new LinodeClient({ baseUrl: fake.url, token: client.token ?? fake.token, pageSize: client.pageSize, sleep });
  const stdout = new Capture();
  const stderr = new Capture();
  return {
    fake,
    client: api,
    env,
    delays,
    stdout,
    stderr,
    deps: { client: api, env, now: () => NOW, sleep, stdout, stderr },
    journal: (entry) => writeJournal(journalEntry(entry), env),
    cleanup: async () => {
      await fake.close();
      await rm(home, { recursive: true, force: true });
      // Every request the audit made, and every answer the fake gave, conforms to Linode's OpenAPI description.
      if (fake.violations.length > 0) throw new Error(`Linode API description violated:\n${fake.violations.join("\n")}`);
    },
  };
}

export function journalEntry(entry: Partial<RunJournal> & { runId: string }): RunJournal {
  return {
    plan: "2core",
    type: "g6-dedicated-2",
    region: "us-east",
    startedAt: "2026-11-24T10:00:00.000Z",
    updatedAt: "2026-11-24T10:05:00.000Z",
    hourly: 0.054,
    stack: { name: entry.runId, backendUrl: "file:///tmp/pulumi" },
    status: "live",
    stage: "render",
    ...entry,
  };
}

/** An instance of run `runId`, tagged as the Pulumi program tags it. */
export const runInstance = (id: number, runId: string, fields: Partial<FakeInstance> = {}) =>
  fakeInstance({
    id,
    label: `render-remote-${runId}`,
    tags: ["render-remote", `render-remote-run:${runId}`],
    created: "2026-11-24T10:30:00",
    ...fields,
  });
