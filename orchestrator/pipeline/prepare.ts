import { findFfmpeg } from "../../renderer/output/ffmpeg.ts";
import { RemoteError } from "../errors.ts";
import type { ExecOptions, Host } from "../hosts/host.ts";
import type { PipelineContext, Toolchain } from "./context.ts";
import { idleTimeoutMs } from "./stage-limits.ts";

const MIN_NODE_MAJOR = 18;

/**
 * prepare: wait for cloud-init on fresh servers, then make sure Node >= 18 and
 * ffmpeg are there, installing them only when missing so a second run is a no-op.
 */
/** What prepare reads of a run: `up` prepares a kept server before there is any job. */
export type PrepareContext = Pick<PipelineContext, "signal" | "reporter" | "waitForCloudInit" | "limits">;

export async function prepare(ctx: PrepareContext, host: Host): Promise<Toolchain> {
  const { signal } = ctx;
  await waitForCloudInit(ctx, host);

  const local = host.local === true;
  // three questions at once: over SSH each is a round trip
  const [foundNode, hasFfmpeg, cores] = await Promise.all([
    findNode(host, signal),
    local ? false : works(host, ["ffmpeg", "-version"], signal),
    countCores(host, signal),
  ]);
  let node = foundNode;
  // here, the renderer's own choice (the static build in node_modules first) and no trial run, which costs ~0.2 s
  let ffmpeg = local ? findFfmpeg() : hasFfmpeg ? "ffmpeg" : undefined;
  if (!node && local) node = { command: process.execPath, major: Number(process.versions.node.split(".")[0]) };
  if (!node || node.major < MIN_NODE_MAJOR || !ffmpeg) {
    ctx.reporter.info(
      `  installing ${[!node || node.major < MIN_NODE_MAJOR ? "nodejs" : "", !ffmpeg ? "ffmpeg" : ""].filter(Boolean).join(" and ")} with apt-get`,
    );
    await aptInstall(host, { signal, idleTimeoutMs: idleTimeoutMs(ctx) });
    node = await findNode(host, signal);
    ffmpeg = (await works(host, ["ffmpeg", "-version"], signal)) ? "ffmpeg" : undefined;
  }
  if (!node || node.major < MIN_NODE_MAJOR || !ffmpeg) {
    const what = !ffmpeg ? "ffmpeg" : `Node >= ${MIN_NODE_MAJOR} (found ${node ? `v${node.major}` : "none"})`;
    throw new RemoteError(
      `${host.description} has no ${what}, and installing it failed. Install Node >= ${MIN_NODE_MAJOR} and ffmpeg there, then run again.`,
    );
  }
  ctx.reporter.info(`  node v${node.major}, ffmpeg, ${cores} cores`);
  return { node: node.command, ffmpeg, cores };
}

/**
 * If the host has cloud-init and it is still configuring the machine (a fresh
 * server: user, keys, apt installs), wait for it. `status --wait` would wait
 * forever on a machine where cloud-init never runs ("not run"), so look first.
 */
async function waitForCloudInit(ctx: PrepareContext, host: Host): Promise<void> {
  const { signal } = ctx;
  if (host.local) return; // this machine is not being set up; `cloud-init status` alone takes ~0.4 s
  const first = await host.exec(["cloud-init", "status"], { signal }).catch(() => undefined);
  if (!first || (first.exitCode !== 0 && first.exitCode !== 2 && first.exitCode !== 1)) return; // no cloud-init here
  const status = /status:\s*(.+)/.exec(first.stdout)?.[1]?.trim() ?? "";
  const stillGoing = status === "running" || (ctx.waitForCloudInit && status === "not started");
  if (!stillGoing && status !== "error") return;
  if (stillGoing) ctx.reporter.info("  waiting for cloud-init to finish setting up the server");
  // silent for the idle limit: a wait that will never end (the stage limit catches one that prints dots for ever)
  const waited = stillGoing ? await host.exec(["cloud-init", "status", "--wait"], { signal, idleTimeoutMs: idleTimeoutMs(ctx) }) : first;
  // exit 0: done; 2: done with recoverable errors; 1: the boot configuration failed
  if (waited.exitCode === 1 && ctx.waitForCloudInit) {
    throw new RemoteError(
      `cloud-init failed on ${host.description}: ${waited.stdout.trim()} ${waited.stderr.trim()}\nIts log is /var/log/cloud-init-output.log on the host.`,
    );
  }
}

async function works(host: Host, argv: string[], signal: AbortSignal): Promise<boolean> {
  try {
    return (await host.exec(argv, { signal })).exitCode === 0;
  } catch {
    return false;
  }
}

async function findNode(host: Host, signal: AbortSignal): Promise<{ command: string; major: number } | undefined> {
  for (const command of ["node", "nodejs"]) {
    try {
      const result = await host.exec([command, "--version"], { signal });
      const match = /^v(\d+)\./.exec(result.stdout.trim());
      if (result.exitCode === 0 && match) return { command, major: Number(match[1]) };
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

async function aptInstall(host: Host, options: ExecOptions): Promise<void> {
  // sudo -n: fail at once instead of waiting for a password nobody can type
  const install = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "nodejs", "ffmpeg"];
  if ((await host.exec(install, options)).exitCode === 0) return;
  await host.exec(["sudo", "-n", "apt-get", "update", "-q"], options);
  const retry = await host.exec(install, options);
  if (retry.exitCode !== 0) {
    throw new RemoteError(
      `Installing nodejs and ffmpeg on ${host.description} failed:\n${retry.stderr.trim().split("\n").slice(-5).join("\n")}\nInstall Node >= ${MIN_NODE_MAJOR} and ffmpeg there yourself (or give the user passwordless sudo), then run again.`,
    );
  }
}

async function countCores(host: Host, signal: AbortSignal): Promise<number> {
  for (const argv of [["nproc"], ["getconf", "_NPROCESSORS_ONLN"]]) {
    const result = await host.exec(argv, { signal }).catch(() => undefined);
    const cores = Number.parseInt(result?.stdout.trim() ?? "", 10);
    if (result?.exitCode === 0 && cores > 0) return cores;
  }
  return 1;
}
