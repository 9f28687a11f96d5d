import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { generateKeyPair } from "../orchestrator/cloud/keys.ts";
import { ensureTestUser } from "../orchestrator/hosts/testing/test-user.ts";
import { buildCloudConfig, CLOUD_INIT_SUDOERS, dropSudoCommand, scopedSudoRule, watchdogSudoRule } from "./cloud-init.ts";
import { tempDir } from "../test/temp-dir.ts";

// The login user's NOPASSWD:ALL goes once cloud-init has installed the packages.
// The runcmd entry is run here for real, against a scratch sudoers file.
const haveVisudo = (await execa("visudo", ["--version"], { reject: false })).exitCode === 0;

async function runDropSudo(withPackages: boolean): Promise<string> {
  const dir = tempDir("rr-sudo-");
  const bin = path.join(dir, "bin");
  const sudoers = path.join(dir, "90-cloud-init-users");
  writeFileSync(sudoers, "render ALL=(ALL) NOPASSWD:ALL\n", { mode: 0o440 });
  await execa("mkdir", [bin]);
  for (const tool of ["sh", "rm", "printf", "chmod", "mv"])
    await execa("ln", ["-s", (await execa("sh", ["-c", `command -v ${tool}`])).stdout, path.join(bin, tool)]).catch(() => undefined);
  if (withPackages) for (const tool of ["node", "ffmpeg"]) writeFileSync(path.join(bin, tool), "#!/bin/sh\n", { mode: 0o755 });
  chmodSync(bin, 0o755);
  const [file, ...args] = dropSudoCommand("render", sudoers);
  await execa(file, args, { env: { PATH: bin }, extendEnv: false });
  return sudoers;
}

describe("sudo on rented servers", () => {
  it("runs the drop after the packages, as runcmd, on the cloud-init sudoers file", () => {
    const config = parse(
      buildCloudConfig({ userName: "render", userPublicKey: generateKeyPair("u").publicKey, hostKey: generateKeyPair("h") }),
    );
    expect(config.runcmd).toEqual([dropSudoCommand("render")]);
    expect(config.runcmd[0][4]).toBe(CLOUD_INIT_SUDOERS);
    // the watchdog comes with the server, root's, before anyone logs in; the token never does (it comes on stdin)
    expect(config.write_files[1]).toMatchObject({
      path: "/usr/local/sbin/render-remote-watchdog",
      permissions: "0755",
      owner: "root:root",
    });
    expect(config.write_files[1].content).toMatch(/^#!\/bin\/sh\n# render-remote watchdog/);
  });

  it("narrows the NOPASSWD:ALL rule to arming the watchdog when node and ffmpeg are installed", async () => {
    const sudoers = await runDropSudo(true);
    expect(readFileSync(sudoers, "utf8")).toBe("render ALL=(root) NOPASSWD: /usr/local/sbin/render-remote-watchdog arm *\n");
    expect(readFileSync(sudoers, "utf8")).toBe(`${watchdogSudoRule("render")}\n`);
    expect(statSync(sudoers).mode & 0o777).toBe(0o440);
    if (haveVisudo) expect((await execa("visudo", ["-c", "-f", sudoers], { reject: false })).exitCode).toBe(0);
  });

  it("narrows it to prepare's two fallback commands when they are not, as a valid sudoers file", async () => {
    const sudoers = await runDropSudo(false);
    expect(readFileSync(sudoers, "utf8")).toBe(`${scopedSudoRule("render")}\n`);
    expect(readFileSync(sudoers, "utf8")).not.toContain("NOPASSWD:ALL");
    expect(statSync(sudoers).mode & 0o777).toBe(0o440);
    if (haveVisudo) expect((await execa("visudo", ["-c", "-f", sudoers], { reject: false })).exitCode).toBe(0);
  });

  // Real sudo, briefly: the rule for the test user in /etc/sudoers.d, asked with `sudo -l` what it allows.
  it.skipIf(!haveVisudo || process.getuid?.() !== 0)("the narrowed rule allows exactly prepare's two commands, nothing more", async () => {
    const user = ensureTestUser().name;
    const file = `/etc/sudoers.d/zz-render-remote-test-${process.pid}`;
    // sudo -l wants the command to exist: the same rule, for a helper in a temp dir (root's, as on a server)
    const helperDir = tempDir("rr-sudo-helper-");
    chmodSync(helperDir, 0o755);
    const helper = path.join(helperDir, "render-remote-watchdog");
    writeFileSync(helper, "#!/bin/sh\n", { mode: 0o755 });
    expect(scopedSudoRule(user, helper)).toBe(scopedSudoRule(user).replace("/usr/local/sbin/render-remote-watchdog", helper));
    writeFileSync(file, `${scopedSudoRule(user, helper)}\n`, { mode: 0o440 });
    try {
      const allowed = async (...argv: string[]) =>
        (await execa("su", ["-s", "/bin/sh", "-c", 'sudo -n -l "$@" >/dev/null 2>&1', user, "--", "sh", ...argv], { reject: false }))
          .exitCode === 0;
      expect(await allowed("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "nodejs", "ffmpeg")).toBe(true);
      expect(await allowed("apt-get", "update", "-q")).toBe(true);
      expect(await allowed("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "nodejs", "ffmpeg", "evil")).toBe(
        false,
      );
      expect(await allowed("apt-get", "update", "-q", "-o", "APT::Update::Pre-Invoke::=sh")).toBe(false);
      expect(await allowed("sh")).toBe(false);
      // the watchdog: `arm` with any arguments (it checks them), never `run` or anything else of it
      expect(await allowed(helper, "arm", "run1", "5", "6", "1", "2", "https://api.linode.com/v4", "30")).toBe(true);
      expect(await allowed(helper)).toBe(false);
      expect(await allowed(helper, "run", "run1", "5", "6", "1", "2", "https://api.linode.com/v4", "30")).toBe(false);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
