import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localStacksFromEnv, readStackCheckpoints } from "./local-stacks.ts";

// Checkpoints laid out as Pulumi's file backend writes them (testing/checkpoints/: a live stack with its
// provider, one whose instance is a pending CREATE, one destroyed), plain and gzipped, beside a corrupt one.
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "testing", "checkpoints");
let backend: string;
let stacksDir: string;
beforeEach(async () => {
  backend = await mkdtemp(path.join(os.tmpdir(), "rr-checkpoints-"));
  stacksDir = path.join(backend, ".pulumi", "stacks", "render-remote");
  await mkdir(stacksDir, { recursive: true });
});
afterEach(() => rm(backend, { recursive: true, force: true }));

const byName = (stacks: { name: string }[]) => [...stacks].sort((a, b) => a.name.localeCompare(b.name));

describe("readStackCheckpoints", () => {
  it("counts billable resources: not the stack, not its provider; a pending CREATE counts", async () => {
    await copyFile(path.join(FIXTURES, "live.json"), path.join(stacksDir, "rr-20261124-live01.json"));
    await copyFile(path.join(FIXTURES, "pending-create.json"), path.join(stacksDir, "rr-20261124-pend01.json"));
    await copyFile(path.join(FIXTURES, "destroyed.json"), path.join(stacksDir, "rr-20261124-gone01.json"));
    expect(byName(await readStackCheckpoints(backend))).toEqual([
      { name: "rr-20261124-gone01", resourceCount: 0 },
      { name: "rr-20261124-live01", resourceCount: 2 },
      { name: "rr-20261124-pend01", resourceCount: 2 },
    ]);
  });

  it("reads gzipped checkpoints (PULUMI_SELF_MANAGED_STATE_GZIP) like plain ones", async () => {
    await writeFile(path.join(stacksDir, "rr-20261124-live01.json.gz"), gzipSync(await readFile(path.join(FIXTURES, "live.json"))));
    expect(await readStackCheckpoints(backend)).toEqual([{ name: "rr-20261124-live01", resourceCount: 2 }]);
  });

  it("a corrupt checkpoint is listed with an unknown count (so the audit treats it as holding resources); backups are skipped", async () => {
    await writeFile(path.join(stacksDir, "rr-20261124-bad001.json"), '{"version": 3, "checkpoint": {"latest": {"resou');
    await writeFile(path.join(stacksDir, "rr-20261124-bad002.json.gz"), "not gzip at all");
    await copyFile(path.join(FIXTURES, "live.json"), path.join(stacksDir, "rr-20261124-live01.json.bak"));
    expect(byName(await readStackCheckpoints(backend))).toEqual([{ name: "rr-20261124-bad001" }, { name: "rr-20261124-bad002" }]);
  });

  it("no backend yet is no stacks", async () => {
    expect(await readStackCheckpoints(path.join(backend, "missing"))).toEqual([]);
  });

  it("a pending operation other than a CREATE (an interrupted update or delete) adds nothing: its resource is counted once", async () => {
    const checkpoint = JSON.parse(await readFile(path.join(FIXTURES, "pending-create.json"), "utf8")) as {
      checkpoint: { latest: { pending_operations: { type: string }[] } };
    };
    checkpoint.checkpoint.latest.pending_operations = checkpoint.checkpoint.latest.pending_operations.map((op) => ({
      ...op,
      type: "deleting",
    }));
    await writeFile(path.join(stacksDir, "rr-20261124-pend02.json"), JSON.stringify(checkpoint));
    expect(await readStackCheckpoints(backend)).toEqual([{ name: "rr-20261124-pend02", resourceCount: 1 }]);
  });

  it("a stacks directory that cannot be read is an error, never 'no stacks'", async () => {
    await rm(stacksDir, { recursive: true });
    await writeFile(stacksDir, "a file where the directory should be");
    await expect(readStackCheckpoints(backend)).rejects.toMatchObject({ code: "ENOTDIR" });
  });
});

describe("localStacksFromEnv", () => {
  it("lists the backend under RENDER_REMOTE_HOME; destroying needs LINODE_TOKEN and says so", async () => {
    const home = path.join(backend, "home");
    const dir = path.join(home, "pulumi", ".pulumi", "stacks", "render-remote");
    await mkdir(dir, { recursive: true });
    await copyFile(path.join(FIXTURES, "live.json"), path.join(dir, "rr-20261124-live01.json"));
    const stacks = localStacksFromEnv({ RENDER_REMOTE_HOME: home });
    expect(await stacks.listStacks()).toEqual([{ name: "rr-20261124-live01", resourceCount: 2 }]);
    await expect(stacks.destroyStack("rr-20261124-live01")).rejects.toThrow(/^LINODE_TOKEN is not set\./);
  });
});
