import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostKeyError, prepareHostKeyCheck } from "./known-hosts.ts";

// ssh lowercases the host name before it looks in known_hosts, so a hashed
// entry (HMAC of the lowercase name) matches LOCALHOST too. Ours must as well.
const dir = mkdtempSync(path.join(os.tmpdir(), "rr-known-hosts-case-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newKey(name: string): { line: string; blob: Buffer } {
  const file = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", file]);
  const line = readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  return { line, blob: Buffer.from(line.split(" ")[1], "base64") };
}

describe("known_hosts lookups ignore the host name's case, hashed entries included", () => {
  const pinned = newKey("pinned");
  const other = newKey("other");

  it.each([["hashed"], ["plain"]])("finds a %s `localhost` pin for LOCALHOST and records no second key beside it", async (kind) => {
    const file = path.join(dir, `known_hosts_${kind}`);
    writeFileSync(file, `localhost ${pinned.line}\n[localhost]:2222 ${pinned.line}\n`);
    if (kind === "hashed") execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "ignore" });
    const before = readFileSync(file, "utf8");
    for (const port of [22, 2222]) {
      const check = await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: true }, "LocalHost", port);
      await expect(check.verify(pinned.blob)).resolves.toEqual({});
      const error = await check.verify(other.blob).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(HostKeyError);
      expect((error as HostKeyError).reason).toBe("mismatch");
    }
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("records a new host in lowercase, as ssh does", async () => {
    const file = path.join(dir, "known_hosts_new");
    const check = await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: true }, "Render.Example.COM", 22);
    await check.verify(pinned.blob);
    expect(readFileSync(file, "utf8")).toBe(`render.example.com ${pinned.line}\n`);
  });
});
