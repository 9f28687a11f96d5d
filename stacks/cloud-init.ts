import { stringify } from "yaml";
import { WATCHDOG_HELPER, WATCHDOG_SCRIPT } from "./watchdog-script.ts";

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
      // the server-side deadline (orchestrator/cloud/watchdog.ts arms it); no secret in it: the token comes later, on stdin
      { path: WATCHDOG_HELPER, permissions: "0755", owner: "root:root", content: WATCHDOG_SCRIPT },
    ],
    package_update: true,
    packages: [...HOST_PACKAGES],
    // runcmd runs after the packages (scripts-user follows package-update-upgrade-install), and before prepare stops waiting
    runcmd: [dropSudoCommand(input.userName)],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0 })}`;
}

/** Where cloud-init writes the users' sudo rules (cc_users_groups). */
export const CLOUD_INIT_SUDOERS = "/etc/sudoers.d/90-cloud-init-users";

/**
 * The login user needs root only to install the packages, which cloud-init
 * does itself as root, and to arm the watchdog. Once the packages are there,
 * its NOPASSWD:ALL rule is narrowed to arming the watchdog; if they are not,
 * also to the two commands prepare's fallback runs.
 */
export function scopedSudoRule(userName: string, helper = WATCHDOG_HELPER): string {
  // in sudoers command arguments '=' must be escaped
  return `${userName} ALL=(root) NOPASSWD: /usr/bin/env DEBIAN_FRONTEND\\=noninteractive apt-get install -y -q ${HOST_PACKAGES.join(" ")}, /usr/bin/apt-get update -q, ${helper} arm *`;
}

/** `arm` checks every argument itself; real sudo clears the environment, so no variable reaches it. */
export function watchdogSudoRule(userName: string, helper = WATCHDOG_HELPER): string {
  return `${userName} ALL=(root) NOPASSWD: ${helper} arm *`;
}

const DROP_SUDO_SCRIPT = [
  "set -e",
  "rule=$2",
  "if { command -v node || command -v nodejs; } >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1; then rule=$3; fi",
  // a name with a dot is skipped by sudo's includedir, so the rule appears whole or not at all
  'printf \'%s\\n\' "$rule" > "$1.new" && chmod 0440 "$1.new" && mv "$1.new" "$1"',
].join("\n");

/** runcmd's argv (no shell parses the user name): narrow the sudo rule. */
export function dropSudoCommand(userName: string, sudoersFile = CLOUD_INIT_SUDOERS): string[] {
  return ["sh", "-c", DROP_SUDO_SCRIPT, "drop-sudo", sudoersFile, scopedSudoRule(userName), watchdogSudoRule(userName)];
}

/** Base64 of the cloud-config, as Linode's Metadata service wants user data. */
export function encodeUserData(cloudConfig: string): string {
  return Buffer.from(cloudConfig, "utf8").toString("base64");
}
