import { writeFileSync } from "node:fs";
import path from "node:path";
import { createRunId } from "../../cloud/run-id.ts";
import type { TestSshd } from "../../hosts/testing/sshd.ts";
import type { StageReporter } from "../../pipeline/reporter.ts";
import { writeJournal, type RunJournal } from "../../state/journal.ts";
import { tempDir } from "../../../test/temp-dir.ts";

/**
 * A kept server's journal entry as `render-remote up` leaves it (COORD.md's
 * contract), pointing at a loopback test sshd: its host key pinned, its user
 * key as the per-run key, and this machine's node and ffmpeg as the toolchain
 * `up` found (the test user's PATH has both).
 */
export function keptEntry(
  sshd: Pick<TestSshd, "port" | "user" | "identityFile" | "hostPublicKey" | "knownHostsFile">,
  overrides: Partial<RunJournal> = {},
): RunJournal {
  const now = new Date();
  return {
    runId: createRunId(now),
    mode: "cloud",
    plan: "2core",
    type: "g6-dedicated-2",
    region: "us-east",
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    hourly: 0.054,
    stack: { name: "render-remote-test", backendUrl: "file:///nonexistent" },
    status: "live",
    stage: "kept",
    instanceId: 12345,
    ip: "127.0.0.1",
    access: { host: "127.0.0.1", port: sshd.port, user: sshd.user, keyPath: sshd.identityFile, knownHostsPath: sshd.knownHostsFile },
    deadline: new Date(now.getTime() + 55 * 60_000).toISOString(),
    watchdog: "armed",
    kept: { toolchain: { node: "node", ffmpeg: "ffmpeg", cores: 2 }, hostPublicKey: sshd.hostPublicKey, createdAt: now.toISOString() },
    ...overrides,
  };
}

/** A workspace of its own: a state directory (RENDER_REMOTE_HOME) holding `entries`, a spec file per spec, an out dir. */
export async function keptWorkspace(entries: RunJournal[], specs: Record<string, Record<string, unknown>>) {
  const dir = tempDir("kept-");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RENDER_REMOTE_HOME: path.join(dir, "state"),
    LINODE_URL: "http://127.0.0.1:9/v4",
    CI: "1",
  };
  for (const entry of entries) await writeJournal(entry, env);
  const files: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) {
    files[name] = path.join(dir, `${name}.json`);
    writeFileSync(files[name], JSON.stringify(spec));
  }
  return { dir, env, specs: files, out: path.join(dir, "out") };
}

/** Records the stages the pipeline runs, and lets a test look in at a stage's start. */
export function recordingReporter(atStage: (name: string) => Promise<void> | void = () => undefined) {
  const stages: string[] = [];
  const lines: string[] = [];
  const reporter: StageReporter = {
    async stage(name, run) {
      stages.push(name);
      await atStage(name);
      const started = performance.now();
      return { value: await run(), seconds: (performance.now() - started) / 1000 };
    },
    progress: () => undefined,
    info: (line) => void lines.push(line),
    warn: (line) => void lines.push(`warning: ${line}`),
  };
  return { reporter, stages, lines };
}
