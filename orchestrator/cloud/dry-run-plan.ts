import * as pulumi from "@pulumi/pulumi";
import { parseDocument } from "yaml";
import type { RenderHostOutputs } from "../../stacks/render-host.ts";
import { estimateWorstCase } from "./budget.ts";
import type { CostEstimate } from "./budget.ts";
import { generateKeyPair } from "./keys.ts";
import { DEFAULT_USER } from "../../stacks/cloud-init.ts";
import { createRunId } from "./run-id.ts";

/**
 * What `render-remote --dry-run --plan …` shows: the SAME stack program, run
 * in-process under pulumi.runtime.setMocks, with every resource and the
 * inputs it declares. Nothing is created and no network is used. Secrets are
 * redacted; the cloud-init user data is shown decoded, its host private key
 * replaced by "[redacted]". The keys are throwaway, generated in memory.
 */
export interface CloudPlanInput {
  plan: { alias: string; type: string; hourly: number; vcpus?: number; memoryGb?: number; priceSource?: string };
  region: string;
  /** Defaults to a placeholder: the real run looks the caller's address up. */
  sshFrom?: readonly string[];
  userName?: string;
  runId?: string;
  expectedSeconds: number;
  overheadSeconds?: number;
}

export interface CloudPlanResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface CloudPlan {
  plan: CloudPlanInput["plan"] & { region: string; image: string; runId: string };
  resources: CloudPlanResource[];
  estimate: CostEstimate;
  outputs: Record<keyof RenderHostOutputs, unknown>;
}

export const REDACTED = "[redacted]";
export const SECRET = "[secret]";
export const KNOWN_AFTER_UP = "(known after up)";
const CALLER_PLACEHOLDER = "<your public IPv4>/32";

export async function describeCloudPlan(input: CloudPlanInput): Promise<CloudPlan> {
  const runId = input.runId ?? createRunId();
  const hostKey = generateKeyPair(`render-remote-host-${runId}`);
  const declared: CloudPlanResource[] = [];
  const mockIds = new Map<number, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // An id no real resource has, so references to it can be shown as "known after up".
        const id = 990_000_001 + mockIds.size;
        mockIds.set(id, args.name);
        declared.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: String(id), state: { ...args.inputs, ipAddress: "192.0.2.1" } };
      },
      call: (args) => args.inputs,
    },
    "render-remote",
    runId,
  );
  // Imported after setMocks, as Pulumi's testing guide requires.
  const { declareRenderHost, PROVIDER_COMPUTED_OUTPUTS, RENDER_HOST_IMAGE } = await import("../../stacks/render-host.ts");
  const { outputs } = declareRenderHost({
    runId,
    type: input.plan.type,
    region: input.region,
    image: RENDER_HOST_IMAGE,
    userName: input.userName ?? DEFAULT_USER,
    userPublicKey: generateKeyPair(`render-remote-${runId}`).publicKey,
    hostKey,
    sshFrom: input.sshFrom ?? [CALLER_PLACEHOLDER],
  });
  const values = await new Promise<Record<string, unknown>>((resolve) =>
    pulumi.output(outputs).apply((resolved) => resolve({ ...resolved })),
  );
  for (const key of PROVIDER_COMPUTED_OUTPUTS) values[key] = KNOWN_AFTER_UP;
  values.hostKeyFingerprint = `(generated per run; this dry run's throwaway key is ${String(values.hostKeyFingerprint)})`;

  const describeId = (id: number) => (mockIds.has(id) ? `<id of ${mockIds.get(id)}, ${KNOWN_AFTER_UP}>` : undefined);
  const plan: CloudPlan = {
    plan: { ...input.plan, region: input.region, image: RENDER_HOST_IMAGE, runId },
    resources: declared.map((resource) => ({
      ...resource,
      inputs: present(resource.inputs, "", false, describeId) as Record<string, unknown>,
    })),
    estimate: estimateWorstCase({
      hourly: input.plan.hourly,
      expectedSeconds: input.expectedSeconds,
      overheadSeconds: input.overheadSeconds,
    }),
    outputs: values as CloudPlan["outputs"],
  };
  assertNoPrivateKey(plan, hostKey.privateKey);
  return plan;
}

/**
 * Turns declared inputs into what may be printed. Under a secret (Pulumi
 * marks the whole top-level input, e.g. metadatas) every value becomes
 * "[secret]", except user data, which is decoded with its private keys redacted.
 */
function present(value: unknown, key: string, secret: boolean, describeId: (id: number) => string | undefined): unknown {
  const record = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  if (record?.[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return present(record.value, key, true, describeId);
  if (Array.isArray(value)) return value.map((item) => present(item, key, secret, describeId));
  if (record) return Object.fromEntries(Object.entries(record).map(([name, item]) => [name, present(item, name, secret, describeId)]));
  if (secret && key === "userData" && typeof value === "string") return redactCloudConfig(Buffer.from(value, "base64").toString("utf8"));
  if (secret) return SECRET;
  return (typeof value === "number" && describeId(value)) || value;
}

/** The cloud-config text with every ssh_keys.*_private replaced by "[redacted]". */
export function redactCloudConfig(text: string): string {
  const document = parseDocument(text);
  const keys = document.get("ssh_keys") as { items?: { key: { value?: unknown } }[] } | undefined;
  for (const item of keys?.items ?? []) {
    const name = String(item.key?.value ?? "");
    if (name.endsWith("_private")) document.setIn(["ssh_keys", name], REDACTED);
  }
  return document.toString({ lineWidth: 0 });
}

/** The last line of defence: the printed plan must not contain key material. */
function assertNoPrivateKey(plan: CloudPlan, privateKey: string): void {
  const text = JSON.stringify(plan);
  const body = privateKey.split("\n")[1] ?? privateKey;
  if (text.includes("PRIVATE KEY") || text.includes(body)) {
    throw new Error("Refusing to print the cloud plan: it still contains private key material. This is a bug in dry-run-plan.ts.");
  }
}
