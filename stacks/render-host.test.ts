import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PLANS } from "../orchestrator/cloud/plans.ts";
import { fingerprint, generateKeyPair } from "../orchestrator/cloud/keys.ts";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
let registered: Registered[] = [];
const MOCK_IDS: Record<string, string> = { "linode:index/firewall:Firewall": "4242", "linode:index/instance:Instance": "777" };

// Mocks first, then the program module (dynamic import), as Pulumi's unit-testing guide requires.
await pulumi.runtime.setMocks(
  {
    newResource(args) {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      const extra = args.type === "linode:index/instance:Instance" ? { ipAddress: "203.0.113.10" } : {};
      return { id: MOCK_IDS[args.type], state: { ...args.inputs, ...extra } };
    },
    call(args) {
      return args.inputs;
    },
  },
  "render-remote",
  "test",
);
const program = await import("./render-host.ts");

type Input = Parameters<typeof program.declareRenderHost>[0];
const userKey = generateKeyPair("rr-user");
const hostKey = generateKeyPair("rr-host");
const baseInput: Input = {
  runId: "rr-20261124-abc123",
  type: "g6-dedicated-48",
  region: "us-east",
  image: program.RENDER_HOST_IMAGE,
  userName: "render",
  userPublicKey: userKey.publicKey,
  hostKey,
  sshFrom: ["198.51.100.7/32"],
};

/** Resolves an Output to its value (mocks run as a real update, so values are known). */
function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Unwraps a secret as the mock monitor delivers it: { <sig>: <secret sig>, value }. */
function unwrapSecret(value: unknown): { secret: boolean; value: unknown } {
  const record = value as Record<string, unknown> | null;
  if (record && record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return { secret: true, value: record.value };
  return { secret: false, value };
}

beforeEach(() => {
  registered = [];
});

describe("the render host program", () => {
  let resources: ReturnType<typeof program.declareRenderHost>;
  beforeAll(() => {
    resources = program.declareRenderHost(baseInput);
  });

  it("firewall: DROP in, ACCEPT out, exactly one rule: TCP 22 from the caller's /32", async () => {
    const [inboundPolicy, outboundPolicy, inbounds, outbounds, label, tags] = await outputValue(
      pulumi.all([
        resources.firewall.inboundPolicy,
        resources.firewall.outboundPolicy,
        resources.firewall.inbounds,
        resources.firewall.outbounds,
        resources.firewall.label,
        resources.firewall.tags,
      ]),
    );
    expect(inboundPolicy).toBe("DROP");
    expect(outboundPolicy).toBe("ACCEPT");
    expect(inbounds).toEqual([{ label: "ssh-from-caller", action: "ACCEPT", protocol: "TCP", ports: "22", ipv4s: ["198.51.100.7/32"] }]);
    expect(outbounds ?? []).toEqual([]);
    expect(label).toBe("rr-20261124-abc123-fw");
    expect(tags).toEqual(["render-remote", "render-remote-run:rr-20261124-abc123"]);
  });

  it("firewall: adds the caller's IPv6 /128 to the same single rule when known", async () => {
    const withIpv6 = program.declareRenderHost({ ...baseInput, sshFrom: ["198.51.100.7/32", "2001:db8::7/128"] });
    const inbounds = await outputValue(withIpv6.firewall.inbounds);
    expect(inbounds).toHaveLength(1);
    expect(inbounds?.[0]).toMatchObject({ protocol: "TCP", ports: "22", ipv4s: ["198.51.100.7/32"], ipv6s: ["2001:db8::7/128"] });
  });

  it("instance: type, region, pinned image, label, tags, firewall attached", async () => {
    const [type, region, image, label, tags, firewallId, firewallResourceId] = await outputValue(
      pulumi.all([
        resources.instance.type,
        resources.instance.region,
        resources.instance.image,
        resources.instance.label,
        resources.instance.tags,
        resources.instance.firewallId,
        resources.firewall.id,
      ]),
    );
    expect({ type, region, image, label }).toEqual({
      type: "g6-dedicated-48",
      region: "us-east",
      image: "linode/ubuntu24.04",
      label: "rr-20261124-abc123",
    });
    expect(tags).toEqual(["render-remote", "render-remote-run:rr-20261124-abc123"]);
    expect(firewallId).toBe(4242);
    expect(firewallId).toBe(Number(firewallResourceId));
  });

  it("instance: no root password, no root keys, no password logins", async () => {
    const instanceInputs = await declaredInputs("linode:index/instance:Instance");
    for (const key of ["rootPass", "authorizedKeys", "authorizedUsers", "stackscriptId", "stackscriptData"]) {
      expect(instanceInputs, key).not.toHaveProperty(key);
    }
    const config = parse(await userDataText(instanceInputs));
    expect(config.ssh_pwauth).toBe(false);
    expect(config.disable_root).toBe(true);
  });

  it("instance: userData is a secret, base64 cloud-config with the user, its key, the host key and the packages", async () => {
    const instanceInputs = await declaredInputs("linode:index/instance:Instance");
    expect(unwrapSecret(instanceInputs.metadatas).secret).toBe(true);
    const text = await userDataText(instanceInputs);
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const config = parse(text);
    expect(config.users).toHaveLength(1);
    expect(config.users[0]).toMatchObject({ name: "render", sudo: "ALL=(ALL) NOPASSWD:ALL", ssh_authorized_keys: [userKey.publicKey] });
    expect(config.ssh_keys).toEqual({ ed25519_private: hostKey.privateKey, ed25519_public: hostKey.publicKey });
    expect(config.packages).toEqual(["nodejs", "ffmpeg"]);
  });

  it("outputs: ip, user, host key fingerprint, instance and firewall ids", async () => {
    const outputs = await program.createRenderHostProgram(baseInput)();
    const values = await outputValue(
      pulumi.all([outputs.ip, outputs.user, outputs.hostKeyFingerprint, outputs.instanceId, outputs.firewallId]),
    );
    expect(values).toEqual(["203.0.113.10", "render", fingerprint(hostKey.publicKey), 777, 4242]);
    expect(values[2]).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("declares exactly one firewall and one instance", async () => {
    await outputValue(program.declareRenderHost(baseInput).outputs.instanceId);
    expect(registered.map((r) => r.type).sort()).toEqual(["linode:index/firewall:Firewall", "linode:index/instance:Instance"]);
  });

  it.each(PLANS.map((plan) => [plan.alias, plan.type]))("plan %s creates a %s instance", async (_alias, type) => {
    const declared = program.declareRenderHost({ ...baseInput, type });
    expect(await outputValue(declared.instance.type)).toBe(type);
  });
});

/** Runs the program once and returns the inputs it declared for `type`, as the engine would receive them. */
async function declaredInputs(type: string): Promise<Record<string, unknown>> {
  registered = [];
  await outputValue(program.declareRenderHost(baseInput).outputs.instanceId);
  const found = registered.find((r) => r.type === type);
  if (!found) throw new Error(`no ${type} registered`);
  return found.inputs;
}

async function userDataText(instanceInputs: Record<string, unknown>): Promise<string> {
  const metadatas = unwrapSecret(instanceInputs.metadatas).value as { userData: unknown }[];
  expect(metadatas).toHaveLength(1);
  const userData = unwrapSecret(metadatas[0].userData).value as string;
  return Buffer.from(userData, "base64").toString("utf8");
}
