import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { hasStaleLock, readStackLocks, removeStackBackups, stackLockDir } from "./stack-files.ts";

// The file backend's locks and backups, laid out as pulumi/pulumi pkg/backend/diy writes them.
const STACK = "rr-20261124-lock01";
let backend: string;
beforeEach(() => {
  backend = tempDir("rr-stack-files-");
});

async function writeLock(name: string, content: string, stack = STACK) {
  const dir = stackLockDir(backend, stack);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), content);
}
const lock = (pid: unknown, hostname: unknown = os.hostname()) =>
  JSON.stringify({ pid, hostname, username: "render", timestamp: "2026-11-24T10:00:00Z" });
/** The pid of a process that has exited. */
const deadPid = () => spawnSync("true").pid;

describe("readStackLocks", () => {
  it("reads pid and hostname of each lock; an unreadable or odd one gets pid -1; other files are not locks", async () => {
    await writeLock("a.json", lock(4321, "laptop"));
    await writeLock("b.json", "{not json");
    await writeLock("c.json", lock("4321", 7));
    await writeLock("d.json.tmp", lock(1));
    const locks = await readStackLocks(backend, STACK);
    const dir = stackLockDir(backend, STACK);
    expect([...locks].sort((x, y) => x.file.localeCompare(y.file))).toEqual([
      { file: path.join(dir, "a.json"), pid: 4321, hostname: "laptop" },
      { file: path.join(dir, "b.json"), pid: -1, hostname: "" },
      { file: path.join(dir, "c.json"), pid: -1, hostname: "" },
    ]);
  });

  it("no lock directory is no locks; a lock directory that cannot be read is an error", async () => {
    expect(await readStackLocks(backend, STACK)).toEqual([]);
    await mkdir(path.dirname(stackLockDir(backend, STACK)), { recursive: true });
    await writeFile(stackLockDir(backend, STACK), "a file where the directory should be");
    await expect(readStackLocks(backend, STACK)).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("hasStaleLock", () => {
  it("unlocked: not stale", async () => {
    expect(await hasStaleLock(backend, STACK)).toBe(false);
  });

  it("a lock of this machine whose process has exited, or that names no process, is stale", async () => {
    await writeLock("a.json", lock(deadPid()));
    expect(await hasStaleLock(backend, STACK)).toBe(true);
    await writeLock("b.json", lock(0));
    expect(await hasStaleLock(backend, STACK)).toBe(true);
  });

  it("an unreadable lock is left alone: it may be another machine's", async () => {
    await writeLock("a.json", "{not json");
    expect(await hasStaleLock(backend, STACK)).toBe(false);
  });

  it("a lock held by a live process, or taken on another machine, is not stale, even beside a stale one", async () => {
    await writeLock("live.json", lock(process.pid));
    expect(await hasStaleLock(backend, STACK)).toBe(false);
    await writeLock("dead.json", lock(deadPid()));
    expect(await hasStaleLock(backend, STACK)).toBe(false);

    await writeLock("dead.json", lock(deadPid()), "rr-20261124-lock02");
    await writeLock("elsewhere.json", lock(deadPid(), "another-host"), "rr-20261124-lock02");
    expect(await hasStaleLock(backend, "rr-20261124-lock02")).toBe(false);
  });
});

describe("removeStackBackups", () => {
  it("removes the stack's .bak checkpoints and backups folder, nothing of another stack, and not the checkpoint itself", async () => {
    const stacks = path.join(backend, ".pulumi", "stacks", "render-remote");
    const backups = path.join(backend, ".pulumi", "backups", "render-remote");
    await mkdir(stacks, { recursive: true });
    await mkdir(path.join(backups, STACK), { recursive: true });
    await mkdir(path.join(backups, "rr-20261124-other1"), { recursive: true });
    await writeFile(path.join(backups, STACK, `${STACK}.1732440000.json`), "{}");
    const mine = [`${STACK}.json.bak`, `${STACK}.json.gz.bak`].map((name) => path.join(stacks, name));
    const kept = [
      path.join(stacks, `${STACK}.json`),
      path.join(stacks, "rr-20261124-other1.json.bak"),
      path.join(backups, "rr-20261124-other1"),
    ];
    for (const file of [...mine, ...kept.slice(0, 2)]) await writeFile(file, "{}");

    await removeStackBackups(backend, STACK);
    expect([...mine, path.join(backups, STACK)].filter((file) => existsSync(file))).toEqual([]);
    expect(kept.filter((file) => existsSync(file))).toEqual(kept);
    await removeStackBackups(backend, STACK); // nothing left to remove is fine
  });
});
