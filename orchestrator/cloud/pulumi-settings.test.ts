import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { passphraseFile } from "../state/paths.ts";
import {
  LINODE_PLUGIN_VERSION,
  ensurePassphrase,
  preparePulumiDirs,
  pulumiBackendUrl,
  pulumiEnvVars,
  pulumiProjectSettings,
  requireLinodeToken,
} from "./pulumi-settings.ts";

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "rr-pulumi-"));
  env = { RENDER_REMOTE_HOME: home };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("ensurePassphrase", () => {
  it("creates a random passphrase once, 0600, and returns the same one afterwards", async () => {
    const first = await ensurePassphrase(env);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await stat(passphraseFile(env))).mode & 0o777).toBe(0o600);
    expect(await ensurePassphrase(env)).toBe(first);
    const other = { RENDER_REMOTE_HOME: path.join(home, "other") };
    expect(await ensurePassphrase(other)).not.toBe(first);
  });

  it("two concurrent first runs agree on one passphrase", async () => {
    const [a, b] = await Promise.all([ensurePassphrase(env), ensurePassphrase(env)]);
    expect(a).toBe(b);
  });

  it("refuses an empty passphrase file rather than silently replacing it", async () => {
    await writeFile(passphraseFile(env), "\n", { mode: 0o600 });
    await expect(ensurePassphrase(env)).rejects.toThrow(/is empty/);
  });
});

describe("workspace settings", () => {
  it("uses a file backend under the state directory and hands the token to the provider through the environment only", () => {
    expect(pulumiBackendUrl(env)).toBe(`file://${home}/pulumi`);
    const vars = pulumiEnvVars("secret-passphrase", { ...env, LINODE_TOKEN: "tok-123" });
    expect(vars).toEqual({
      LINODE_TOKEN: "tok-123",
      PULUMI_BACKEND_URL: `file://${home}/pulumi`,
      PULUMI_CONFIG_PASSPHRASE: "secret-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      PULUMI_DIY_BACKEND_DISABLE_CHECKPOINT_BACKUPS: "true", // no .bak copies of the state beside the passphrase
    });
    expect(pulumiProjectSettings(env)).toMatchObject({
      name: "render-remote",
      runtime: "nodejs",
      backend: { url: `file://${home}/pulumi` },
    });
  });

  it("creates the work, home and backend directories 0700", async () => {
    const dirs = await preparePulumiDirs(env);
    for (const dir of Object.values(dirs)) {
      expect(dir.startsWith(home)).toBe(true);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
    }
  });

  it("pins the linode plugin to the installed @pulumi/linode SDK version", async () => {
    const require = createRequire(import.meta.url);
    const sdkPackage = JSON.parse(await readFile(require.resolve("@pulumi/linode/package.json"), "utf8"));
    expect(LINODE_PLUGIN_VERSION).toBe(sdkPackage.version);
  });
});

describe("requireLinodeToken", () => {
  it("returns the token", () => {
    expect(requireLinodeToken({ LINODE_TOKEN: " tok-123 \n" })).toBe("tok-123");
  });

  it("is a bad-input error that says how to get one, when missing", () => {
    expect(() => requireLinodeToken({})).toThrow(BadInputError);
    expect(() => requireLinodeToken({ LINODE_TOKEN: "  " })).toThrow(/export LINODE_TOKEN=/);
  });
});
