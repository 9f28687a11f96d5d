import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, runsDir } from "./paths.ts";

/**
 * One JSON file per run that touches a host (cloud and --target), written
 * before anything is created and updated at each stage, so that
 * `render-remote audit` (cloud runs), `runs` and `attach` can find a run
 * whatever happened to the process that started it.
 */
export type RunStatus = "provisioning" | "live" | "destroying" | "destroyed" | "destroy-failed";

/** Where a run stands on its host, for `runs` (the cloud lifecycle is `status`). */
export type RenderState = "rendering" | "rendered" | "downloaded" | "unreachable" | "torn-down" | "failed";

/** What reattaching needs: how to log in and whom to trust. */
export interface RunAccess {
  host: string;
  port: number;
  user: string;
  /** The private key (a cloud run's per-run key lives until teardown); none when an ssh-agent logs in. */
  keyPath?: string;
  /** The known_hosts file that pins the host key (absent: the default one). */
  knownHostsPath?: string;
}

export interface RunJournal {
  runId: string;
  /** Absent in journals written before --target runs were journaled: those are cloud runs. */
  mode?: "cloud" | "target";
  plan: string;
  type: string;
  region: string;
  /** ISO time the run started (before `up`). */
  startedAt: string;
  updatedAt: string;
  hourly: number;
  /** Pulumi stack name and the file backend holding it. */
  stack: { name: string; backendUrl: string };
  status: RunStatus;
  /** The stage the run reached last: provision, connect, prepare, upload, render, download, teardown. */
  stage: string;
  instanceId?: number;
  ip?: string;
  /** Why destroy failed, and the command that finishes the job. */
  error?: string;
  /** Filled in when the run ended: wall seconds per stage, for estimates. */
  stageSeconds?: Record<string, number>;
  /** The client process that runs it: `audit` tells a run whose client is gone. */
  clientPid?: number;
  /** ISO-8601 UTC: the server-side deadline, when the server deletes itself (cloud/server-deadline.ts). */
  deadline?: string;
  /** The run's own Linode token for the watchdog (never its secret): revoked at teardown. */
  runToken?: { id: number; label: string; expiry: string; revoked?: boolean };
  /** Whether the server-side deadline is armed on the server; `watchdogReason` says why not. */
  watchdog?: "armed" | "unavailable";
  watchdogReason?: string;
  /** What the render measured, for `estimate` (estimate/history.ts). */
  measured?: { iterations: number; renderSeconds: number; vcpus: number; overheadSeconds: number };
  access?: RunAccess;
  /** The run directory on the host, once it exists. */
  remoteRunDir?: string;
  /** Where the outputs go (absolute). */
  outDir?: string;
  renderState?: RenderState;
  /** The job as a spec, so `attach` can check what the server sends back; and whether frames come home too. */
  spec?: Record<string, unknown>;
  keepFrames?: boolean;
  /** --target runs: the target as given (ssh://user@host:port). */
  target?: string;
  /** A server `render-remote up` keeps for `--on` renders until `down` or its deadline (`deadline`, armed watchdog). */
  kept?: {
    /** What prepare found on the server at `up`: `--on` renders skip prepare and use this. */
    toolchain: { node: string; ffmpeg: string; cores: number };
    /** The host key pinned at `up` (OpenSSH public key line), checked by every `--on`. */
    hostPublicKey: string;
    /** ISO time the instance was created (billing starts there). */
    createdAt: string;
  };
}

/** A run id fit to be a file name: no separator, no dot-dot, nothing a shell or a path could read twice. */
const SAFE_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function journalPath(runId: string, env?: NodeJS.ProcessEnv): string {
  if (!SAFE_RUN_ID.test(runId))
    throw new Error(`${JSON.stringify(runId)} is not a run id; refusing to use it in a path under ${runsDir(env)}.`);
  return path.join(runsDir(env), `${runId}.json`);
}

/** Writes the whole entry atomically (temporary file, then rename). */
export async function writeJournal(entry: RunJournal, env?: NodeJS.ProcessEnv): Promise<void> {
  await ensurePrivateDir(runsDir(env), env);
  const file = journalPath(entry.runId, env);
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  // wx: never through a file (or link) that is already there
  await writeFile(temporary, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await rename(temporary, file);
}

export async function readJournal(runId: string, env?: NodeJS.ProcessEnv): Promise<RunJournal | undefined> {
  try {
    return JSON.parse(await readFile(journalPath(runId, env), "utf8")) as RunJournal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Merges `changes` into the entry and stamps updatedAt. */
export async function updateJournal(runId: string, changes: Partial<RunJournal>, env?: NodeJS.ProcessEnv): Promise<RunJournal> {
  const current = await readJournal(runId, env);
  if (!current) throw new Error(`No journal entry for run ${runId} in ${runsDir(env)}.`);
  const next = { ...current, ...changes, updatedAt: new Date().toISOString() };
  await writeJournal(next, env);
  return next;
}

/** Every cloud run's journal entry, oldest first (what `audit` and the estimates read). */
export async function listJournals(env?: NodeJS.ProcessEnv): Promise<RunJournal[]> {
  return (await listAllJournals(env)).filter((entry) => entry.mode !== "target");
}

/** Every journal entry, cloud and --target, oldest first. Unreadable files are skipped, not fatal. */
export async function listAllJournals(env?: NodeJS.ProcessEnv): Promise<RunJournal[]> {
  let names: string[];
  try {
    names = await readdir(runsDir(env));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries: RunJournal[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    try {
      const entry = JSON.parse(await readFile(path.join(runsDir(env), name), "utf8")) as RunJournal;
      // its runId is used in paths later: only one that names its own file
      if (typeof entry.runId === "string" && SAFE_RUN_ID.test(entry.runId) && name === `${entry.runId}.json`) entries.push(entry);
    } catch {
      // a half-written or foreign file: audit still reports the account side
    }
  }
  return entries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** The deadline at which the server deletes itself: only a run whose watchdog was armed has one (else it is the plan's, not the server's). */
export function armedDeadline(journal: Pick<RunJournal, "deadline" | "watchdog">): string | undefined {
  return journal.watchdog === "armed" ? journal.deadline : undefined;
}
