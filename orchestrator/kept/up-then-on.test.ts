import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { probeVideo } from "../../test/run-bundle.ts";
import { tempDir } from "../../test/temp-dir.ts";
import { startFakeLinodeApi, type FakeLinodeApi } from "../cloud/testing/fake-linode-api.ts";
import { downCommand } from "../commands/down-command.ts";
import { upCommand } from "../commands/up-command.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { readJournal } from "../state/journal.ts";
import { renderOn } from "./render-on.ts";
import { createServerRoot, LocalServerEngine } from "../cloud/testing/local-server-engine.ts";
import { recordingReporter } from "./testing/kept-fixture.ts";

const serverRoot = createServerRoot();

/** What a command writes on stdout, swallowed. */
async function quietly<T>(run: () => Promise<T>): Promise<{ value: T; stdout: string }> {
  let stdout = "";
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)),
    vi.spyOn(process.stderr, "write").mockImplementation(() => true),
  ];
  try {
    return { value: await run(), stdout };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describeWithSshd("up (engine double), then two --on renders, then down", () => {
  let api: FakeLinodeApi;
  const saved = { ...process.env };
  const engine = () => (engines[0] ??= new LocalServerEngine(api, serverRoot));
  const engines: LocalServerEngine[] = [];
  beforeAll(async () => {
    api = await startFakeLinodeApi();
    Object.assign(process.env, { RENDER_REMOTE_HOME: path.join(tempDir("up-on-"), "state"), LINODE_URL: api.url, LINODE_TOKEN: api.token });
  });
  afterAll(async () => {
    for (const key of ["RENDER_REMOTE_HOME", "LINODE_URL", "LINODE_TOKEN"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await api.close();
  });

  it("the server is prepared once at up; each --on skips provision and prepare; both MP4s verified; down destroys it", async () => {
    const up = await quietly(() =>
      upCommand(
        { plan: "2core", region: "us-east", sshFrom: "198.51.100.7", connectTimeout: 20, json: true },
        { engine: engine(), watchdog: { helperPath: serverRoot.helperPath } },
      ),
    );
    expect(up.value).toBe(0);
    const runId: string = JSON.parse(up.stdout).runId;
    const dir = tempDir("up-on-specs-");
    for (const [name, frames] of [
      ["first", 6],
      ["second", 8],
    ] as const) {
      const spec = path.join(dir, `${name}.json`);
      writeFileSync(spec, JSON.stringify({ name, width: 64, height: 48, maxIterations: 40, frames, fps: frames }));
      const { reporter, stages } = recordingReporter();
      const result = await renderOn({
        runId,
        spec,
        out: path.join(dir, "out"),
        keepFrames: false,
        preset: "veryfast",
        connectTimeoutSeconds: 20,
        reporter,
        signal: new AbortController().signal,
      });
      expect(stages).toEqual(["connect", "upload", "render", "download", "teardown"]);
      expect(await probeVideo(result.outputs[0])).toMatchObject({ codec: "h264", frames });
    }
    expect(await readJournal(runId)).toMatchObject({ status: "live", stage: "kept" });
    expect(
      engine()
        .runDirs()
        .filter((name) => !engine().before.includes(name)),
    ).toEqual([]);
    expect((await quietly(() => downCommand(runId, { json: true }, { engine: engine() }))).value).toBe(0);
    expect(await readJournal(runId)).toMatchObject({ status: "destroyed" });
    expect(engine().calls).toEqual(["preflight", `up ${runId}`, `destroy ${runId}`, `removeStack ${runId}`]);
  });
});
