import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { PLANS } from "./plans.ts";
import { KNOWN_AFTER_UP, REDACTED, describeCloudPlan, redactCloudConfig } from "./dry-run-plan.ts";

const plan48 = PLANS.find((plan) => plan.alias === "48core")!;
const input = {
  plan: { alias: plan48.alias, type: plan48.type, hourly: plan48.hourly, vcpus: plan48.vcpus, memoryGb: plan48.memoryGb },
  region: "us-east",
  runId: "rr-20261124-abc123",
  sshFrom: ["198.51.100.7/32"],
  expectedSeconds: 600,
};

describe("describeCloudPlan", () => {
  it("has the shape --dry-run --json prints: plan, resources, estimate, outputs", async () => {
    const result = await describeCloudPlan(input);
    expect(Object.keys(result).sort()).toEqual(["estimate", "outputs", "plan", "resources"]);
    expect(result.plan).toEqual({ ...input.plan, region: "us-east", image: "linode/ubuntu24.04", runId: "rr-20261124-abc123" });
    expect(result.estimate).toEqual({ hourly: 1.296, expectedSeconds: 600, overheadSeconds: 900, billedHours: 1, worstCaseUsd: 1.296 });
    expect(result.resources.map((r) => [r.type, r.name])).toEqual([
      ["linode:index/firewall:Firewall", "render-host-firewall"],
      ["linode:index/instance:Instance", "render-host"],
    ]);
    expect(result.outputs).toEqual({
      ip: KNOWN_AFTER_UP,
      sshPort: 22,
      user: "render",
      hostKeyFingerprint: expect.stringMatching(/^\(generated per run; this dry run's throwaway key is SHA256:[A-Za-z0-9+/]{43}\)$/),
      instanceId: KNOWN_AFTER_UP,
      firewallId: KNOWN_AFTER_UP,
    });
    // It is what JSON.stringify will print: plain data only.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("lists the inputs each resource declares, with ids only Linode knows shown as such", async () => {
    const { resources } = await describeCloudPlan(input);
    const firewall = resources[0].inputs;
    expect(firewall).toMatchObject({
      label: "rr-20261124-abc123-fw",
      inboundPolicy: "DROP",
      outboundPolicy: "ACCEPT",
      inbounds: [{ label: "ssh-from-caller", action: "ACCEPT", protocol: "TCP", ports: "22", ipv4s: ["198.51.100.7/32"] }],
      tags: ["render-remote", "render-remote-run:rr-20261124-abc123"],
    });
    const instance = resources[1].inputs;
    expect(instance).toMatchObject({
      label: "rr-20261124-abc123",
      type: "g6-dedicated-48",
      region: "us-east",
      image: "linode/ubuntu24.04",
      tags: ["render-remote", "render-remote-run:rr-20261124-abc123"],
      firewallId: "<id of render-host-firewall, (known after up)>",
    });
    expect(instance).not.toHaveProperty("rootPass");
  });

  it("shows the user data decoded, with the host private key redacted", async () => {
    const { resources } = await describeCloudPlan(input);
    const metadatas = resources[1].inputs.metadatas as { userData: string }[];
    expect(metadatas).toHaveLength(1);
    const text = metadatas[0].userData;
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const config = parse(text);
    expect(config.ssh_keys.ed25519_private).toBe(REDACTED);
    expect(config.ssh_keys.ed25519_public).toMatch(/^ssh-ed25519 AAAA/);
    expect(config.users[0]).toMatchObject({ name: "render", ssh_authorized_keys: [expect.stringMatching(/^ssh-ed25519 /)] });
    expect(config.packages).toEqual(["nodejs", "ffmpeg"]);
  });

  it("contains no private key material and no token anywhere", async () => {
    const text = JSON.stringify(await describeCloudPlan({ ...input, runId: undefined }));
    expect(text).not.toMatch(/PRIVATE KEY|b3BlbnNzaC1rZXktdjE/); // the armour, and the base64 of "openssh-key-v1"
    expect(text).not.toMatch(/LINODE_TOKEN|linode:token/);
  });

  it("uses a placeholder when the caller's address is not given (no network in a dry run)", async () => {
    const { resources } = await describeCloudPlan({ ...input, sshFrom: undefined });
    expect((resources[0].inputs.inbounds as { ipv4s: string[] }[])[0].ipv4s).toEqual(["<your public IPv4>/32"]);
  });

  it("describes every plan's type", async () => {
    for (const plan of PLANS) {
      const { resources } = await describeCloudPlan({ ...input, plan });
      expect(resources[1].inputs.type).toBe(plan.type);
    }
  });
});

describe("redactCloudConfig", () => {
  it("replaces every *_private host key and keeps the rest", () => {
    const text =
      "#cloud-config\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    abc\n  ed25519_public: ssh-ed25519 AAAA x\n  rsa_private: secret\npackages: [ffmpeg]\n";
    const redacted = redactCloudConfig(text);
    expect(redacted.startsWith("#cloud-config\n")).toBe(true);
    expect(parse(redacted)).toEqual({
      ssh_keys: { ed25519_private: REDACTED, ed25519_public: "ssh-ed25519 AAAA x", rsa_private: REDACTED },
      packages: ["ffmpeg"],
    });
  });
});
