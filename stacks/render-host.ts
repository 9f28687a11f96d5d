import { isIPv6 } from "node:net";
import * as linode from "@pulumi/linode";
import * as pulumi from "@pulumi/pulumi";
import { buildCloudConfig, encodeUserData } from "./cloud-init.ts";
import { fingerprint } from "./ssh-fingerprint.ts";
import { RENDER_REMOTE_TAG, runTag } from "./tags.ts";

/**
 * The Pulumi program for one render: a firewall that lets only the caller in
 * on TCP 22, and a dedicated-CPU instance behind it that boots with our
 * cloud-config. Pure: everything comes from the input; no config, no I/O.
 */

/** The one place the image is pinned. Its nodejs package is Node 18. */
export const RENDER_HOST_IMAGE = "linode/ubuntu24.04";

/** sshd's port on the server: the only inbound port the firewall opens. */
export const SSH_PORT = 22;

export interface RenderHostInput {
  runId: string;
  /** Linode type id, e.g. "g6-dedicated-48". */
  type: string;
  region: string;
  /** Pass RENDER_HOST_IMAGE; an input so the program stays a function of its arguments. */
  image: string;
  userName: string;
  /** The run's login key: one OpenSSH public key line. */
  userPublicKey: string;
  /** The run's ed25519 host key pair, OpenSSH format. */
  hostKey: { privateKey: string; publicKey: string };
  /** Who may connect: IPv4 CIDRs (the caller's /32) and IPv6 CIDRs (/128), validated by the caller. */
  sshFrom: readonly string[];
}

/** The stack's outputs once `up` has finished (plain values). */
export interface RenderHostOutputs {
  ip: string;
  /** The port sshd listens on; the firewall opens only this one. */
  sshPort: number;
  user: string;
  hostKeyFingerprint: string;
  instanceId: number;
  firewallId: number;
}

/** Outputs whose values only Linode knows (the dry run shows them as unknown). */
export const PROVIDER_COMPUTED_OUTPUTS = ["ip", "instanceId", "firewallId"] as const;

export interface RenderHostResources {
  firewall: linode.Firewall;
  instance: linode.Instance;
  outputs: { [K in keyof RenderHostOutputs]: pulumi.Output<RenderHostOutputs[K]> };
}

/** Declares the resources; exported so tests can read the resources' own outputs. */
export function declareRenderHost(input: RenderHostInput): RenderHostResources {
  // every resource carries both tags (stacks/tags.ts): `render-remote audit` and the teardown find what bills by them
  const tags = [RENDER_REMOTE_TAG, runTag(input.runId)];
  const ipv6s = input.sshFrom.filter((cidr) => isIPv6(cidr.split("/")[0]));
  const ipv4s = input.sshFrom.filter((cidr) => !ipv6s.includes(cidr));

  const firewall = new linode.Firewall("render-host-firewall", {
    label: `${input.runId}-fw`,
    inboundPolicy: "DROP",
    outboundPolicy: "ACCEPT",
    inbounds: [
      {
        label: "ssh-from-caller",
        action: "ACCEPT",
        protocol: "TCP",
        ports: String(SSH_PORT),
        ipv4s,
        ...(ipv6s.length > 0 ? { ipv6s } : {}),
      },
    ],
    tags,
  });

  const cloudConfig = buildCloudConfig({ userName: input.userName, userPublicKey: input.userPublicKey, hostKey: input.hostKey });
  const instance = new linode.Instance("render-host", {
    label: input.runId,
    type: input.type,
    region: input.region,
    image: input.image,
    tags,
    // Changing firewallId replaces the instance, so it is set once, at creation.
    firewallId: firewall.id.apply(Number),
    // No rootPass and no authorizedKeys/authorizedUsers: root gets a random
    // password nobody knows, password SSH is off, and the only login is our user.
    // The user data holds the host private key: secret, so state stores it encrypted.
    metadatas: [{ userData: pulumi.secret(encodeUserData(cloudConfig)) }],
  });

  return {
    firewall,
    instance,
    outputs: {
      ip: instance.ipAddress,
      sshPort: pulumi.output(SSH_PORT),
      user: pulumi.output(input.userName),
      hostKeyFingerprint: pulumi.output(fingerprint(input.hostKey.publicKey)),
      instanceId: instance.id.apply(Number),
      firewallId: firewall.id.apply(Number),
    },
  };
}

/** The inline program for LocalWorkspace: `createRenderHostProgram(input)` is a PulumiFn. */
export function createRenderHostProgram(input: RenderHostInput): () => Promise<RenderHostResources["outputs"]> {
  return async () => declareRenderHost(input).outputs;
}
