import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeyPair } from "../orchestrator/cloud/keys.ts";
import { buildCloudConfig, encodeUserData } from "./cloud-init.ts";

const user = generateKeyPair("rr-test-user");
const host = generateKeyPair("rr-test-host");
const text = buildCloudConfig({ userName: "render", userPublicKey: user.publicKey, hostKey: host });

// Debian's cloud-init validates the real schema; .ci/run installs it and sets REQUIRE_CLOUD_INIT=1.
const cloudInit = await execa("cloud-init", ["--version"], { reject: false });
const haveCloudInit = cloudInit.exitCode === 0;
const requireCloudInit = process.env.REQUIRE_CLOUD_INIT === "1";

describe("buildCloudConfig", () => {
  const config = parse(text);

  it("starts with #cloud-config", () => {
    expect(text.startsWith("#cloud-config\n")).toBe(true);
  });

  it("creates only a sudo user whose only key is the run's key", () => {
    expect(config.users).toEqual([
      {
        name: "render",
        gecos: "render-remote",
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        ssh_authorized_keys: [user.publicKey],
      },
    ]);
    expect(config.ssh_authorized_keys).toBeUndefined();
    expect(config.allow_public_ssh_keys).toBe(false);
  });

  it("turns off root and password logins", () => {
    expect(config.disable_root).toBe(true);
    expect(config.ssh_pwauth).toBe(false);
    expect(config.chpasswd).toBeUndefined();
    expect(config.password).toBeUndefined();
    expect(config.write_files[0].content).toContain("PermitRootLogin no\nPasswordAuthentication no\n");
  });

  it("installs our host key, byte for byte, and deletes the image's", () => {
    expect(config.ssh_keys).toEqual({ ed25519_private: host.privateKey, ed25519_public: host.publicKey });
    expect(config.ssh_deletekeys).toBe(true);
    expect(config.ssh_genkeytypes).toEqual(["ed25519"]);
  });

  it("updates apt and installs nodejs and ffmpeg", () => {
    expect(config.package_update).toBe(true);
    expect(config.packages).toEqual(["nodejs", "ffmpeg"]);
  });

  it("refuses root and names that are not login names", () => {
    for (const userName of ["root", "Render", "a b", "x;rm", ""]) {
      expect(() => buildCloudConfig({ userName, userPublicKey: user.publicKey, hostKey: host })).toThrow(/Cannot create login user/);
    }
  });

  it("encodeUserData is base64 of the text", () => {
    expect(Buffer.from(encodeUserData(text), "base64").toString("utf8")).toBe(text);
  });
});

describe("cloud-init schema", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it.skipIf(!haveCloudInit && !requireCloudInit)(
    `accepts the generated config${haveCloudInit ? "" : " (skipped: cloud-init is not installed; apt-get install cloud-init, or set REQUIRE_CLOUD_INIT=1 to fail instead)"}`,
    async () => {
      expect(haveCloudInit, "REQUIRE_CLOUD_INIT=1 but the cloud-init binary is missing").toBe(true);
      const dir = await mkdtemp(path.join(os.tmpdir(), "rr-cloud-init-"));
      dirs.push(dir);
      const file = path.join(dir, "user-data.yaml");
      await writeFile(file, text);
      const result = await execa("cloud-init", ["schema", "--config-file", file], { reject: false });
      expect(result.stderr).not.toMatch(/error|deprecat/i);
      expect(result.stdout).toContain(`Valid cloud-config: ${file}`);
      expect(result.exitCode).toBe(0);
    },
  );

  it.skipIf(!haveCloudInit)("the validator can fail: it rejects a broken config", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "rr-cloud-init-"));
    dirs.push(dir);
    const file = path.join(dir, "bad.yaml");
    await writeFile(file, "#cloud-config\nssh_pwauth: [nope]\npackages: 7\n");
    const result = await execa("cloud-init", ["schema", "--config-file", file], { reject: false });
    expect(result.exitCode).not.toBe(0);
  });
});
