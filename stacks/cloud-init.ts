import { stringify } from "yaml";

/**
 * The cloud-config a render host boots with. Pure: a function of the run's
 * keys and user name, so the stack program and the dry run print the same text.
 */
export interface CloudInitInput {
  /** The non-root login user, e.g. "render". */
  userName: string;
  /** The run's ephemeral login key: one OpenSSH public key line. */
  userPublicKey: string;
  /** The run's pre-generated ed25519 host key, OpenSSH format. */
  hostKey: { privateKey: string; publicKey: string };
}

/** Ubuntu 24.04's nodejs is Node 18, which the uploaded renderer bundle supports. */
export const HOST_PACKAGES = ["nodejs", "ffmpeg"] as const;

/** The login user render hosts get unless told otherwise. */
export const DEFAULT_USER = "render";

/** A valid Linux login name that is not root. */
export const USER_NAME_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;

export function buildCloudConfig(input: CloudInitInput): string {
  if (!USER_NAME_PATTERN.test(input.userName) || input.userName === "root") {
    throw new Error(`Cannot create login user "${input.userName}": use lower-case letters, digits, - and _, not root.`);
  }
  const config = {
    // Only this user: no "default" entry, so the image's ubuntu user is not created.
    users: [
      {
        name: input.userName,
        gecos: "render-remote",
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        ssh_authorized_keys: [input.userPublicKey.trim()],
      },
    ],
    disable_root: true,
    ssh_pwauth: false,
    // Keys from the Linode account or metadata never reach this host.
    allow_public_ssh_keys: false,
    // Delete the image's host keys and install ours. cloud-init generates no
    // keys when ssh_keys is given (ssh_genkeytypes is only read otherwise); the
    // schema wants at least one type, so name the one we install.
    ssh_deletekeys: true,
    ssh_genkeytypes: ["ed25519"],
    ssh_keys: {
      ed25519_private: input.hostKey.privateKey,
      ed25519_public: input.hostKey.publicKey.trim(),
    },
    // Belt and braces for sshd itself, whatever the image's defaults are.
    write_files: [
      {
        path: "/etc/ssh/sshd_config.d/10-render-remote.conf",
        permissions: "0644",
        content: "PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n",
      },
    ],
    package_update: true,
    packages: [...HOST_PACKAGES],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

/** Base64 of the cloud-config, as Linode's Metadata service wants user data. */
export function encodeUserData(cloudConfig: string): string {
  return Buffer.from(cloudConfig, "utf8").toString("base64");
}
