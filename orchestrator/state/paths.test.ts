import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePassphrase, preparePulumiDirs } from "../cloud/pulumi-settings.ts";
import { BadInputError } from "../errors.ts";
import { listJournals, writeJournal, type RunJournal } from "./journal.ts";
import { ensurePrivateDir, runKeysDir, runsDir } from "./paths.ts";
import { tempDir } from "../../test/temp-dir.ts";

// Another local user must not be able to plant the passphrase, the Pulumi CLI
// or plugins, or journals. Real directories, real modes, real owners.
const fresh = () => {
  const root = tempDir("rr-state-");
  const home = path.join(root, "state");
  return { root, home, env: { RENDER_REMOTE_HOME: home } as NodeJS.ProcessEnv };
};
const refusal = (what: RegExp) => expect.objectContaining({ kind: "bad-input", message: expect.stringMatching(what) });

describe("the state directory is ours alone", () => {
  it("creates it 0700 and accepts it as it made it", async () => {
    const { home, env } = fresh();
    await ensurePrivateDir(runsDir(env), env);
    expect(readdirSync(home)).toEqual(["runs"]);
  });

  it("refuses a group- or world-writable state directory, and says chmod 700", async () => {
    const { home, env } = fresh();
    mkdirSync(home, { mode: 0o700 });
    chmodSync(home, 0o777);
    await expect(ensurePrivateDir(runsDir(env), env)).rejects.toEqual(
      refusal(/state directory .*\/state is writable by every user \(mode 777\).*chmod 700 .*\/state/),
    );
    chmodSync(home, 0o770);
    await expect(ensurePassphrase(env)).rejects.toEqual(refusal(/writable by its group/));
  });

  it("refuses a writable subdirectory (runs/ planted open by someone else)", async () => {
    const { home, env } = fresh();
    mkdirSync(path.join(home, "runs"), { recursive: true, mode: 0o700 });
    chmodSync(path.join(home, "runs"), 0o733);
    await expect(writeJournal({ runId: "rr-20261124-abc123" } as RunJournal, env)).rejects.toBeInstanceOf(BadInputError);
  });

  it("refuses a state directory that is a symlink, or a subdirectory that is one", async () => {
    const { root, home, env } = fresh();
    const elsewhere = path.join(root, "elsewhere");
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, home);
    await expect(ensurePrivateDir(runsDir(env), env)).rejects.toEqual(refusal(/is a symbolic link.*rm /));
    const second = fresh();
    mkdirSync(second.home, { mode: 0o700 });
    symlinkSync(elsewhere, path.join(second.home, "pulumi-home"));
    await expect(ensurePrivateDir(path.join(second.home, "pulumi-home"), second.env)).rejects.toEqual(
      refusal(/pulumi-home is a symbolic link/),
    );
  });

  it.skipIf(process.getuid?.() !== 0)("refuses a state directory owned by another user", async () => {
    const { home, env } = fresh();
    mkdirSync(home, { mode: 0o700 });
    const nobody = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim());
    chownSync(home, nobody, nobody);
    await expect(ensurePrivateDir(runsDir(env), env)).rejects.toEqual(refusal(new RegExp(`owned by uid ${nobody}, not you`)));
  });

  it("refuses a Pulumi CLI directory others can write to (the CLI runs with LINODE_TOKEN)", async () => {
    const { home, env } = fresh();
    mkdirSync(path.join(home, "pulumi-cli", "bin"), { recursive: true, mode: 0o700 });
    chmodSync(path.join(home, "pulumi-cli", "bin"), 0o777);
    await expect(preparePulumiDirs(env)).rejects.toEqual(refusal(/pulumi-cli\/bin is writable by every user/));
    chmodSync(path.join(home, "pulumi-cli", "bin"), 0o700);
    await expect(preparePulumiDirs(env)).resolves.toMatchObject({ pulumiHome: path.join(home, "pulumi-home") });
  });

  it("refuses a passphrase file others can read or that is a symlink", async () => {
    const { root, home, env } = fresh();
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(path.join(root, "planted"), "theirs\n", { mode: 0o644 });
    symlinkSync(path.join(root, "planted"), path.join(home, "pulumi-passphrase"));
    await expect(ensurePassphrase(env)).rejects.toEqual(
      refusal(/pulumi-passphrase must be a plain file of yours with mode 600 \(it is a symbolic link\)/),
    );
  });

  it("uses a runId from a journal in a path only when it is a run id naming its own file", async () => {
    const { env } = fresh();
    await writeJournal({ runId: "rr-20261124-abc123", startedAt: "2026-11-24T10:00:00Z" } as RunJournal, env);
    writeFileSync(
      path.join(runsDir(env), "rr-20261124-zzz999.json"),
      JSON.stringify({ runId: "../../keys/x", startedAt: "2026-11-24T11:00:00Z" }),
      { mode: 0o600 },
    );
    writeFileSync(
      path.join(runsDir(env), "other.json"),
      JSON.stringify({ runId: "rr-20261124-abc123", startedAt: "2026-11-24T12:00:00Z" }),
      { mode: 0o600 },
    );
    expect((await listJournals(env)).map((entry) => entry.runId)).toEqual(["rr-20261124-abc123"]);
    await expect(writeJournal({ runId: "../escape" } as RunJournal, env)).rejects.toThrow(/not a run id; refusing/);
    expect(() => runKeysDir("../../.ssh", env)).toThrow(/not a run id/);
    expect(existsSync(path.join(runsDir(env), "..", "escape.json"))).toBe(false);
  });
});
