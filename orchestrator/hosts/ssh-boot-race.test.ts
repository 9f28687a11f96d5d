import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { RemoteError } from "../errors.ts";
import { HostKeyError } from "./known-hosts.ts";
import { connectSsh } from "./ssh-host.ts";
import { describeWithSshd } from "./testing/describe-with-sshd.ts";
import { startTestSshd } from "./testing/sshd.ts";

/**
 * The first boot of a provisioned server: Ubuntu's socket-activated sshd may
 * answer before cloud-init has installed the host key we generated and our
 * user's key. A real sshd plays that: a wrong host key first, then the right
 * one with nobody allowed in, then ours.
 */
describeWithSshd("connecting to a provisioned host during its first boot", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rr-boot-race-"));
  const newKey = (name: string) => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path.join(dir, name)]);
    return {
      file: path.join(dir, name),
      privateKey: readFileSync(path.join(dir, name), "utf8"),
      publicKey: readFileSync(path.join(dir, `${name}.pub`), "utf8").trim(),
    };
  };
  const ours = { host: newKey("host"), user: newKey("user") };
  const image = { host: newKey("image-host"), user: newKey("someone-else") };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const describeError = (error: Error) =>
    error instanceof HostKeyError
      ? `host key ${error.reason}`
      : ((error as { level?: string }).level ?? (error as NodeJS.ErrnoException).code ?? "other");

  it("treats a wrong host key, then a refused login, as 'not ready yet' inside the boot window, and then logs in", async () => {
    const sshd = await startTestSshd({ hostPrivateKey: image.host.privateKey, authorizedKey: image.user.publicKey });
    try {
      const seen: string[] = [];
      const host = await connectSsh(sshd, {
        identityFile: ours.user.file,
        hostKeys: { kind: "pinned", publicKey: ours.host.publicKey },
        timeoutMs: 60_000,
        bootRaceUntil: Date.now() + 60_000,
        retry: { initialDelayMs: 100, maxDelayMs: 400 },
        onRetry: ({ error }) => {
          seen.push(describeError(error));
          // cloud-init's steps: our host key first (our user not yet), then our user's key
          if (seen.filter((s) => s === "host key mismatch").length === 1 && seen.at(-1) === "host key mismatch") {
            void sshd.restart({ hostPrivateKey: ours.host.privateKey, authorizedKey: image.user.publicKey });
          }
          if (seen.filter((s) => s === "client-authentication").length === 1 && seen.at(-1) === "client-authentication") {
            void sshd.restart({ hostPrivateKey: ours.host.privateKey, authorizedKey: ours.user.publicKey });
          }
        },
      });
      expect(seen[0]).toBe("host key mismatch");
      expect(seen).toContain("client-authentication");
      expect(seen.indexOf("client-authentication")).toBeGreaterThan(0);
      expect((await host.exec(["true"])).exitCode).toBe(0);
      await host.close();
    } finally {
      await sshd.stop();
    }
  });

  it("after the boot window a wrong host key is fatal at once, as for any host", async () => {
    const sshd = await startTestSshd({ hostPrivateKey: image.host.privateKey, authorizedKey: ours.user.publicKey });
    try {
      const retries: string[] = [];
      const error = await connectSsh(sshd, {
        identityFile: ours.user.file,
        hostKeys: { kind: "pinned", publicKey: ours.host.publicKey },
        timeoutMs: 60_000,
        bootRaceUntil: Date.now() - 1,
        onRetry: ({ error }) => void retries.push(describeError(error)),
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(HostKeyError);
      expect((error as HostKeyError).reason).toBe("mismatch");
      expect(retries).toEqual([]);
      expect(sshd.log()).not.toMatch(/Accepted publickey|Failed publickey/);
    } finally {
      await sshd.stop();
    }
  });

  it("without a boot window (--target hosts) a refused login is fatal at once", async () => {
    const sshd = await startTestSshd({ hostPrivateKey: ours.host.privateKey, authorizedKey: image.user.publicKey });
    try {
      const retries: string[] = [];
      const error = await connectSsh(sshd, {
        identityFile: ours.user.file,
        hostKeys: { kind: "pinned", publicKey: ours.host.publicKey },
        timeoutMs: 60_000,
        onRetry: ({ error }) => void retries.push(describeError(error)),
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RemoteError);
      expect((error as Error).message).toContain("refused the login");
      expect(retries).toEqual([]);
    } finally {
      await sshd.stop();
    }
  });
});
