import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { fingerprint, hostsFieldMatches, knownHostsName, parseKnownHosts, parsePublicKey } from "./known-hosts-file.ts";
import { HostKeyError, prepareHostKeyCheck, type HostKeyPolicy } from "./known-hosts.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "rr-known-hosts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let keyCount = 0;
/** A real key pair from ssh-keygen; returns the public line "type base64" and its blob. */
function newKey(type = "ed25519"): { line: string; blob: Buffer; file: string } {
  const file = path.join(dir, `key${++keyCount}`);
  execFileSync("ssh-keygen", ["-q", "-t", type, "-N", "", "-C", "", "-f", file]);
  const line = readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  return { line, blob: Buffer.from(line.split(" ")[1], "base64"), file };
}

function knownHosts(text: string): string {
  const file = path.join(dir, `known_hosts${++keyCount}`);
  writeFileSync(file, text);
  return file;
}

async function refusal(policy: HostKeyPolicy, host: string, port: number, key: Buffer): Promise<HostKeyError> {
  const check = await prepareHostKeyCheck(policy, host, port);
  const error = await check.verify(key).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HostKeyError);
  return error as HostKeyError;
}

const a = newKey();
const b = newKey();
const rsa = newKey("rsa");

describe("known_hosts format", () => {
  it("prints fingerprints exactly like ssh-keygen -l", () => {
    const printed = execFileSync("ssh-keygen", ["-lf", `${a.file}.pub`], { encoding: "utf8" }).split(" ")[1];
    expect(fingerprint(a.blob)).toBe(printed);
  });

  it("names non-22 ports in brackets", () => {
    expect(knownHostsName("example.com", 22)).toBe("example.com");
    expect(knownHostsName("127.0.0.1", 2222)).toBe("[127.0.0.1]:2222");
    expect(knownHostsName("::1", 2222)).toBe("[::1]:2222");
  });

  it("parses markers, comments and line numbers, and skips malformed lines", () => {
    const entries = parseKnownHosts(
      `# comment\n\nh1 ${a.line}\n@revoked * ${b.line}\n@cert-authority *.example ${a.line}\ngarbage\nh2 ssh-ed25519 !!!\n  h3,h4 ${rsa.line} comment\n`,
    );
    expect(entries.map(({ line, marker, hosts, keyType }) => ({ line, marker, hosts, keyType }))).toEqual([
      { line: 3, marker: undefined, hosts: "h1", keyType: "ssh-ed25519" },
      { line: 4, marker: "revoked", hosts: "*", keyType: "ssh-ed25519" },
      { line: 5, marker: "cert-authority", hosts: "*.example", keyType: "ssh-ed25519" },
      { line: 8, marker: undefined, hosts: "h3,h4", keyType: "ssh-rsa" },
    ]);
    expect(entries[0].key.equals(a.blob)).toBe(true);
  });

  it("rejects a public key whose label disagrees with its blob", () => {
    expect(parsePublicKey(a.line.replace("ssh-ed25519", "ssh-rsa"))).toBeUndefined();
    expect(parsePublicKey(`${a.line} a comment`)?.key.equals(a.blob)).toBe(true);
  });

  it("matches host fields the way ssh-keygen -F does, hashed entries included", () => {
    const fields = [
      "example.com",
      "Example.COM",
      "a.example.com,b.example.com",
      "[127.0.0.1]:2222",
      "127.0.0.1",
      "*.example.com",
      "*.example.com,!bad.example.com",
      "[10.0.0.?]:22",
      "[127.0.0.1]:*",
    ];
    const names = [
      "example.com",
      "a.example.com",
      "b.example.com",
      "bad.example.com",
      "[127.0.0.1]:2222",
      "127.0.0.1",
      "[127.0.0.1]:2223",
      "[10.0.0.7]:22",
      "other",
    ];
    const plain = knownHosts(fields.map((field) => `${field} ${a.line}\n`).join(""));
    // Wildcard patterns cannot be hashed, so the hashed file holds only the literal names.
    const hashed = knownHosts(
      fields
        .filter((field) => !/[*?!]/.test(field))
        .map((field) => `${field} ${a.line}\n`)
        .join(""),
    );
    execFileSync("ssh-keygen", ["-q", "-H", "-f", hashed], { stdio: "ignore" });
    for (const file of [plain, hashed]) {
      const entries = parseKnownHosts(readFileSync(file, "utf8"));
      for (const name of names) {
        // The reference: OpenSSH's own lookup, which prints "# Host NAME found: line N" per match.
        const openssh = spawnSync("ssh-keygen", ["-F", name, "-f", file], { encoding: "utf8" }).stdout;
        const expected = [...openssh.matchAll(/found: line (\d+)/g)].map((match) => Number(match[1]));
        const ours = entries.filter((entry) => hostsFieldMatches(entry.hosts, name)).map((entry) => entry.line);
        expect(ours, `${name} in ${file === plain ? "plain" : "hashed"} file`).toEqual(expected);
      }
    }
  });
});

describe("host key policies", () => {
  it("accepts a key listed for [host]:port, plain or hashed", async () => {
    const file = knownHosts(`other ${b.line}\n[127.0.0.1]:2222 ${a.line}\n`);
    await expect(
      (await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: false }, "127.0.0.1", 2222)).verify(a.blob),
    ).resolves.toEqual({});
    execFileSync("ssh-keygen", ["-q", "-H", "-f", file], { stdio: "ignore" });
    expect(readFileSync(file, "utf8")).not.toContain("127.0.0.1");
    await expect(
      (await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: false }, "127.0.0.1", 2222)).verify(a.blob),
    ).resolves.toEqual({});
  });

  it("refuses a changed key loudly, naming the file and line", async () => {
    const file = knownHosts(`# first\nexample.com ${b.line}\n`);
    const error = await refusal({ kind: "known_hosts", file, acceptNew: true }, "example.com", 22, a.blob);
    expect(error.reason).toBe("mismatch");
    expect(error.message).toContain("has changed");
    expect(error.message).toContain("man-in-the-middle");
    expect(error.message).toContain(`${file} line 2`);
    expect(error.message).toContain(fingerprint(a.blob));
    expect(error.message).toContain(`ssh-keygen -R example.com -f ${file}`);
    expect(readFileSync(file, "utf8")).toBe(`# first\nexample.com ${b.line}\n`); // acceptNew never overwrites
  });

  it("refuses an unknown key with instructions when acceptNew is off", async () => {
    const file = knownHosts(`[127.0.0.1]:2223 ${a.line}\n`);
    const error = await refusal({ kind: "known_hosts", file, acceptNew: false }, "127.0.0.1", 2222, a.blob);
    expect(error.reason).toBe("unknown");
    expect(error.message).toContain(`ssh-keyscan -p 2222 127.0.0.1 >> ${file}`);
    expect(error.message).toContain("--accept-new-host-key");
    expect(error.message).toContain(`ED25519 key ${fingerprint(a.blob)}`);
  });

  it("records an unknown key when acceptNew is on, then insists on it", async () => {
    const file = path.join(dir, "fresh", ".ssh", "known_hosts"); // neither the file nor its directory exists yet
    const check = await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: true }, "127.0.0.1", 2222);
    const { notice } = await check.verify(a.blob);
    expect(notice).toMatch(/^Added the ED25519 key SHA256:\S+ of \[127\.0\.0\.1\]:2222 to .*known_hosts/);
    expect(readFileSync(file, "utf8")).toBe(`[127.0.0.1]:2222 ${a.line}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    await expect(
      (await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: false }, "127.0.0.1", 2222)).verify(a.blob),
    ).resolves.toEqual({});
    expect((await refusal({ kind: "known_hosts", file, acceptNew: true }, "127.0.0.1", 2222, b.blob)).reason).toBe("mismatch");
  });

  it("appends port-22 hosts without brackets and repairs a missing final newline", async () => {
    const file = knownHosts(`other ${b.line}`);
    await (await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: true }, "example.com", 22)).verify(a.blob);
    expect(readFileSync(file, "utf8")).toBe(`other ${b.line}\nexample.com ${a.line}\n`);
  });

  it("treats @revoked as a refusal and ignores @cert-authority lines", async () => {
    const revoked = knownHosts(`example.com ${a.line}\n@revoked * ${a.line}\n`);
    const error = await refusal({ kind: "known_hosts", file: revoked, acceptNew: true }, "example.com", 22, a.blob);
    expect(error.reason).toBe("revoked");
    expect(error.message).toContain(`${revoked} line 2`);
    const ca = knownHosts(`@cert-authority example.com ${a.line}\n`);
    expect((await refusal({ kind: "known_hosts", file: ca, acceptNew: false }, "example.com", 22, a.blob)).reason).toBe("unknown");
  });

  it("asks for the known key type first", async () => {
    const file = knownHosts(`example.com ${rsa.line}\n`);
    const check = await prepareHostKeyCheck({ kind: "known_hosts", file, acceptNew: false }, "example.com", 22);
    expect(check.algorithms.slice(0, 4)).toEqual(["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-ed25519"]);
  });

  it("accepts only the pinned key", async () => {
    const policy: HostKeyPolicy = { kind: "pinned", publicKey: `${a.line} render-remote host key` };
    await expect((await prepareHostKeyCheck(policy, "203.0.113.5", 22)).verify(a.blob)).resolves.toEqual({});
    const error = await refusal(policy, "203.0.113.5", 22, b.blob);
    expect(error.reason).toBe("mismatch");
    expect(error.message).toContain(fingerprint(b.blob));
    expect(error.message).toContain(fingerprint(a.blob));
    await expect(prepareHostKeyCheck({ kind: "pinned", publicKey: "not a key" }, "h", 22)).rejects.toBeInstanceOf(BadInputError);
  });
});
