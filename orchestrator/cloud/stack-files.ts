import { readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PROJECT_NAME } from "./pulumi-settings.ts";

/**
 * The file backend's own files that outlive a stack: its lock files (left by
 * a CLI killed with SIGKILL, or a laptop that died) and its backups (which
 * hold the encrypted user data with the host private key). Layout as in
 * pulumi/pulumi pkg/backend/diy (lock.go, state.go, store.go).
 */
const bookkeeping = (backendDir: string) => path.join(backendDir, ".pulumi");
export const stackLockDir = (backendDir: string, stack: string) =>
  path.join(bookkeeping(backendDir), "locks", "organization", PROJECT_NAME, stack);

/** A lock as diy/lock.go writes it. */
export interface StackLock {
  file: string;
  pid: number;
  hostname: string;
}

export async function readStackLocks(backendDir: string, stack: string): Promise<StackLock[]> {
  const dir = stackLockDir(backendDir, stack);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    // Stryker disable next-line ArrayDeclaration: a placeholder name here is not a .json lock and is filtered out below
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const locks: StackLock[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    const file = path.join(dir, name);
    try {
      const content = JSON.parse(await readFile(file, "utf8")) as { pid?: unknown; hostname?: unknown };
      locks.push({
        file,
        pid: typeof content.pid === "number" ? content.pid : -1,
        hostname: typeof content.hostname === "string" ? content.hostname : "",
      });
    } catch {
      locks.push({ file, pid: -1, hostname: "" }); // unreadable: nobody can be holding it meaningfully
    }
  }
  return locks;
}

// Stryker disable BlockStatement,ConditionalExpression,StringLiteral: the catch differs only on EPERM (another user's live process), which cannot happen to the root user the tests run as
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};
// Stryker restore BlockStatement,ConditionalExpression,StringLiteral

/**
 * True when the stack is locked and no process on this machine holds the
 * lock any more: the CLI that took it was killed. A lock held by a live
 * process, or taken on another machine, is left alone.
 */
export async function hasStaleLock(backendDir: string, stack: string): Promise<boolean> {
  const locks = await readStackLocks(backendDir, stack);
  return locks.length > 0 && locks.every((lock) => lock.hostname === os.hostname() && (lock.pid <= 0 || !isAlive(lock.pid)));
}

/** The checkpoint backups `stack rm` leaves: <stack>.json.bak (and .gz) and backups/<project>/<stack>/. */
export async function removeStackBackups(backendDir: string, stack: string): Promise<void> {
  const stacksDir = path.join(bookkeeping(backendDir), "stacks", PROJECT_NAME);
  await Promise.all([
    ...[".json.bak", ".json.gz.bak"].map((suffix) => rm(path.join(stacksDir, `${stack}${suffix}`), { force: true })),
    rm(path.join(bookkeeping(backendDir), "backups", PROJECT_NAME, stack), { recursive: true, force: true }),
  ]);
}
