import os from "node:os";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { listProcesses } from "./process-tree.ts";

/** The account the test sshd logs in as. */
export interface TestUser {
  name: string;
  uid: number;
  homeDir: string;
}

/** Set by test/global-setup.ts: the system user this test suite (and no other) logs in as. */
export const TEST_USER_ENV = "RENDER_REMOTE_TEST_USER";
/** Per-suite users are named rrtest-<pid of the suite>-<random>, so a stale one can be told from a live one. */
const SUITE_USER = /^rrtest-(\d+)-[0-9a-f]+$/;

/**
 * As root we log in as a dedicated unprivileged user, like a real render server (sshd refuses
 * root here anyway: PermitRootLogin no), one per test suite so that two suites at once (two
 * clones, CI and a developer) never see each other's run directories. Otherwise sshd can only
 * log in as the user running it, so we use the current user.
 */
export function ensureTestUser(): TestUser {
  if (process.getuid?.() !== 0) {
    const me = os.userInfo();
    return { name: me.username, uid: me.uid, homeDir: me.homedir };
  }
  const name = process.env[TEST_USER_ENV];
  if (!name)
    throw new Error(`${TEST_USER_ENV} is not set: run the SSH tests through vitest (test/global-setup.ts creates the suite's user).`);
  const entry = passwdEntry(name);
  if (!entry) throw new Error(`The suite's test user ${name} does not exist (test/global-setup.ts creates it).`);
  const [, , uid, , , homeDir] = entry;
  return { name, uid: Number(uid), homeDir };
}

/** Creates this suite's user, with a fresh home; removes users left by suites that died. */
export function createSuiteUser(): TestUser {
  removeStaleSuiteUsers();
  const name = `rrtest-${process.pid}-${randomBytes(3).toString("hex")}`;
  // "*" = no password but not locked: with UsePAM no, sshd refuses locked ("!") accounts even for keys.
  execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", "--password", "*", name], { stdio: "pipe" });
  const [, , uid, , , homeDir] = passwdEntry(name)!;
  return { name, uid: Number(uid), homeDir };
}

/** Ends the user's processes (by pid: all were started by this suite's tests) and deletes it with its home. */
export function removeSuiteUser(name: string): void {
  const entry = passwdEntry(name);
  if (!entry) return;
  const uid = Number(entry[2]);
  for (let round = 0; round < 5; round++) {
    const pids = listProcesses()
      .filter((info) => info.uid === uid)
      .map((info) => info.pid);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    execFileSync("sleep", ["0.2"]);
  }
  execFileSync("userdel", ["--remove", name], { stdio: "pipe" });
}

function removeStaleSuiteUsers(): void {
  const names = execFileSync("getent", ["passwd"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(":")[0]);
  for (const name of names) {
    const match = SUITE_USER.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    try {
      removeSuiteUser(name);
    } catch {
      // another suite is removing it at this moment
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function passwdEntry(name: string): string[] | undefined {
  try {
    return execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim().split(":");
  } catch {
    return undefined; // getent exits 2 for an unknown user
  }
}
