import ssh2 from "ssh2";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runKeysDir } from "../state/paths.ts";
import { createRunKeys, deleteRunKeys, fingerprint, generateKeyPair, writeKnownHosts } from "./keys.ts";

const sshKeygen = await execa("ssh-keygen", ["-?"], { reject: false }).then(
  (result) => result.exitCode !== null && !/not found|ENOENT/.test(String(result.stderr)),
  () => false,
);

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "rr-keys-"));
  env = { RENDER_REMOTE_HOME: home };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("generateKeyPair", () => {
  it("only returns keys ssh2 itself can read (it generates some it cannot: 7 of 3000 here)", () => {
    for (let i = 0; i < 3000; i++)
      expect(ssh2.utils.parseKey(generateKeyPair("render-remote-rr-20261205-96bq9n").privateKey)).not.toBeInstanceOf(Error);
  });

  it("makes an OpenSSH ed25519 pair with the comment", () => {
    const pair = generateKeyPair("rr-test");
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n$/);
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ rr-test$/);
    expect(generateKeyPair("x").publicKey).not.toBe(generateKeyPair("x").publicKey);
  });
});

describe.skipIf(!sshKeygen)("with OpenSSH's ssh-keygen", () => {
  it("fingerprint() matches ssh-keygen -lf", async () => {
    const keys = await createRunKeys("rr-20261124-abc123", env);
    for (const file of [keys.files.userPublicKeyPath, keys.files.hostPublicKeyPath]) {
      const { stdout } = await execa("ssh-keygen", ["-l", "-E", "sha256", "-f", file]);
      const expected = stdout.split(/\s+/)[1];
      expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(fingerprint(await readFile(file, "utf8"))).toBe(expected);
    }
  });

  it("writes private keys OpenSSH can read back to the same public key", async () => {
    const keys = await createRunKeys("rr-20261124-abc123", env);
    const { stdout } = await execa("ssh-keygen", ["-y", "-f", keys.files.userPrivateKeyPath]);
    expect(stdout.split(/\s+/).slice(0, 2)).toEqual(keys.user.publicKey.split(/\s+/).slice(0, 2));
    const host = await execa("ssh-keygen", ["-y", "-f", keys.files.hostPrivateKeyPath]);
    expect(host.stdout.split(/\s+/)[1]).toBe(keys.host.publicKey.split(/\s+/)[1]);
  });
});

describe("createRunKeys", () => {
  it("writes every file 0600 in a 0700 directory under keys/<runId>", async () => {
    const keys = await createRunKeys("rr-20261124-abc123", env);
    expect(keys.files.dir).toBe(runKeysDir("rr-20261124-abc123", env));
    expect((await stat(keys.files.dir)).mode & 0o777).toBe(0o700);
    const { dir: _dir, ...files } = keys.files;
    expect(Object.keys(files)).toHaveLength(4);
    for (const file of Object.values(files)) {
      expect((await stat(file)).mode & 0o777, file).toBe(0o600);
    }
    const knownHosts = await writeKnownHosts(keys, "203.0.113.5");
    expect((await stat(knownHosts)).mode & 0o777).toBe(0o600);
    expect(await readFile(knownHosts, "utf8")).toBe(`203.0.113.5 ${keys.host.publicKey.split(" ").slice(0, 2).join(" ")}\n`);
  });

  it("never shows private key material in what it returns for printing", async () => {
    const keys = await createRunKeys("rr-20261124-abc123", env);
    const printed = [JSON.stringify(keys), inspect(keys), JSON.stringify(keys.summary()), String(keys)];
    for (const text of printed) {
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).not.toContain(keys.user.privateKey.split("\n")[1]);
      expect(text).not.toContain(keys.host.privateKey.split("\n")[1]);
    }
    expect(keys.summary()).toEqual({
      runId: "rr-20261124-abc123",
      dir: keys.files.dir,
      userPrivateKeyPath: keys.files.userPrivateKeyPath,
      userKeyFingerprint: fingerprint(keys.user.publicKey),
      hostKeyFingerprint: fingerprint(keys.host.publicKey),
    });
  });

  it("refuses to overwrite an existing run's keys", async () => {
    await createRunKeys("rr-20261124-abc123", env);
    await expect(createRunKeys("rr-20261124-abc123", env)).rejects.toThrow(/EEXIST/);
  });

  it("deleteRunKeys removes the directory and tolerates a second call", async () => {
    const keys = await createRunKeys("rr-20261124-abc123", env);
    await deleteRunKeys("rr-20261124-abc123", env);
    await expect(stat(keys.files.dir)).rejects.toThrow(/ENOENT/);
    await expect(deleteRunKeys("rr-20261124-abc123", env)).resolves.toBeUndefined();
  });
});

describe("fingerprint", () => {
  it("rejects something that is not a public key line", () => {
    expect(() => fingerprint("nonsense")).toThrow(/Not an OpenSSH public key/);
  });
});
