import os from "node:os";
import { execFileSync } from "node:child_process";

/** The account the test sshd logs in as. */
export interface TestUser {
  name: string;
  uid: number;
  homeDir: string;
}

export const TEST_USER_NAME = "rrtest";

/**
 * As root we log in as a dedicated unprivileged user, like a real render
 * server (sshd refuses root here anyway: PermitRootLogin no). Otherwise sshd
 * can only log in as the user running it, so we use the current user.
 */
export function ensureTestUser(): TestUser {
  if (process.getuid?.() !== 0) {
    const me = os.userInfo();
    return { name: me.username, uid: me.uid, homeDir: me.homedir };
  }
  let entry = passwdEntry(TEST_USER_NAME);
  if (!entry) {
    try {
      // "*" = no password but not locked: with UsePAM no, sshd refuses locked ("!") accounts even for keys.
      execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", "--password", "*", TEST_USER_NAME], { stdio: "pipe" });
    } catch (error) {
      // Exit 9: another test file created it a moment ago.
      if ((error as { status?: number }).status !== 9) throw error;
    }
    entry = passwdEntry(TEST_USER_NAME);
  }
  if (!entry) throw new Error(`Could not create the test user ${TEST_USER_NAME}; run \`useradd -m -s /bin/bash -p '*' ${TEST_USER_NAME}\` by hand.`);
  const shadow = execFileSync("getent", ["shadow", TEST_USER_NAME], { encoding: "utf8" }).split(":")[1] ?? "";
  if (shadow.startsWith("!")) execFileSync("usermod", ["--password", "*", TEST_USER_NAME]);
  const [, , uid, , , homeDir] = entry;
  return { name: TEST_USER_NAME, uid: Number(uid), homeDir };
}

function passwdEntry(name: string): string[] | undefined {
  try {
    return execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim().split(":");
  } catch {
    return undefined; // getent exits 2 for an unknown user
  }
}
