import { chmodSync, existsSync, mkdirSync, rmSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { runOnHost, type RunOptions } from "../run/run-on-host.ts";
import { exitCodeFor, RemoteError } from "../errors.ts";
import { describeWithSshd } from "../hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../hosts/testing/sshd.ts";
import type { StageReporter } from "./reporter.ts";
import { tempDir } from "../../test/temp-dir.ts";

// The server is the attacker here: real OpenSSH on 127.0.0.1, whose PATH puts
// a fake `node` (and a lying `sha256sum`, a bad `mktemp`) first. The fake
// renderer reads what to do from a file, writes its outputs, and reports paths.
const FAKE_NODE = `#!/bin/sh
if [ "$1" = "--version" ]; then echo v20.20.2; exit 0; fi
while [ $# -gt 0 ]; do [ "$1" = "--out" ] && out="$2"; shift; done
read -r mode < "$BIN/mode" || { echo "fake node: cannot read $BIN/mode" >&2; exit 98; } # a builtin: no fork to fail under load
run=\${out%/*}
mkdir -p "$out"
case $mode in
  climb) # a symlinked directory makes ../ land inside the run dir on the server, but outside --out here
    mkdir -p "$run/x/y/z"; ln -s "$run/x/y/z" "$out/w"; echo 'echo pwned' > "$run/.bashrc"
    report="$out/w/../../../.bashrc";;
  dotdot) echo 'echo pwned' > "$run/.bashrc"; report="$out/../.bashrc";;
  absolute) echo 'echo pwned' > "$run/evil"; report="$run/evil";;
  symlink-big) head -c 3000000 /dev/zero > "$run/big"; ln -s "$run/big" "$out/tiny.mp4"; report="$out/tiny.mp4";;
  noisy) # escape sequences in every channel, and events that are not what they claim
    printf '{"event":"frame","done":"\\u001b]0;owned\\u0007","total":6,"fps":1,"etaSeconds":1}\\nnull\\n7\\n'
    printf '\\033[31mred\\033]0;title\\007 words\\n' >&2
    printf '{"event":"error","message":"bad \\u001b[2J\\u001b]8;;http://x\\u0007thing"}\\n'
    exit 1;;
  strings) # a real output, but figures that are not numbers
    printf 'honest video bytes' > "$out/tiny.mp4"
    printf '{"event":"done","outputs":["%s"],"seconds":{"images":"x","total":"\\u001b[2J"},"iterations":"many"}\\n' "$out/tiny.mp4"
    exit 0;;
  honest|mismatch) printf 'honest video bytes' > "$out/tiny.mp4"; report="$out/tiny.mp4";;
  *) echo "fake node: unknown mode '$mode'" >&2; exit 99;; # never an honest run by accident
esac
printf '{"event":"done","outputs":["%s"],"seconds":{"images":0,"animation":0,"total":0},"iterations":1,"split":{"kernel":0,"color":0,"encode":0,"io":0}}\\n' "$report"
`;
// prepare tries `nodejs` when `node --version` fails: never a real one here
const NO_OTHER_NODE = `#!/bin/sh
echo "fake nodejs: the fake node in $BIN failed to answer --version, so prepare looked for nodejs" >&2
exit 97
`;
const LYING_SHA256SUM = `#!/bin/sh
read -r mode < "$BIN/mode"
case "$mode $*" in
  mismatch*/out/*) /usr/bin/sha256sum "$@" | sed 's/^[0-9a-f]*/${"0".repeat(64)}/';;
  *) exec /usr/bin/sha256sum "$@";;
esac
`;
const BAD_MKTEMP = `#!/bin/sh
read -r mode < "$BIN/mode"
if [ "$mode" = "mktemp" ]; then
  dir="$HOME/.render-remote-run.ab; touch pwned #"; mkdir "$dir"; echo "$dir"; exit 0
fi
exec /usr/bin/mktemp "$@"
`;

const quiet: StageReporter = {
  stage: async (_n, run) => ({ value: await run(), seconds: 0 }),
  progress: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};

/** Every file under dir with its content, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isFile()) files[path.relative(dir, full)] = readFileSync(full, "utf8");
  }
  return files;
}

describeWithSshd("a hostile server cannot write outside --out", () => {
  let sshd: TestSshd;
  const bin = tempDir("rr-hostile-bin-");
  const tools = tempDir("rr-hostile-tools-");
  beforeAll(async () => {
    chmodSync(bin, 0o755);
    for (const [name, text] of [
      ["node", FAKE_NODE],
      ["nodejs", NO_OTHER_NODE],
      ["sha256sum", LYING_SHA256SUM],
      ["mktemp", BAD_MKTEMP],
    ])
      writeFileSync(path.join(bin, name), text, { mode: 0o755 });
    writeFileSync(path.join(bin, "mode"), "honest\n", { mode: 0o644 });
    // The system's programs, but no real node. A real node on PATH once rendered a real MP4 and a refusal
    // test "succeeded": SshHost lost `node --version`'s exit status under load, so prepare took nodejs
    // (fixed; ssh-exit-race.test.ts). And sh goes on down PATH when the fake cannot be run. Either now fails.
    chmodSync(tools, 0o755);
    const linked = new Set(["node", "nodejs"]);
    for (const dir of ["/usr/local/bin", "/usr/bin", "/bin"])
      for (const name of existsSync(dir) ? readdirSync(dir) : []) {
        if (linked.has(name)) continue;
        linked.add(name);
        symlinkSync(path.join(dir, name), path.join(tools, name));
      }
    sshd = await startTestSshd(undefined, { env: { PATH: `${bin}:${tools}`, BIN: bin } });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  // The laptop: a home-like dir with a canary .bashrc, and --out inside it.
  let home: string;
  let out: string;
  let spec: string;
  let before: Record<string, string>;
  beforeEach(() => {
    const root = tempDir("rr-hostile-");
    home = path.join(root, "home");
    out = path.join(home, "out");
    mkdirSync(home);
    writeFileSync(path.join(home, ".bashrc"), "# the user's own\n");
    spec = path.join(root, "spec.json");
    writeFileSync(spec, JSON.stringify({ name: "tiny", width: 64, height: 48, maxIterations: 40, frames: 6, fps: 6 }));
    before = snapshot(root);
  });

  const run = (mode: string, reporter: StageReporter = quiet) => {
    writeFileSync(path.join(bin, "mode"), `${mode}\n`); // a whole line, for the fakes' `read`
    const options: RunOptions = {
      dryRun: false,
      acceptNewHostKey: false,
      keepFrames: false,
      preset: "veryfast",
      reporter,
      signal: new AbortController().signal,
      connectTimeoutSeconds: 20,
      spec,
      out,
      target: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
      identity: sshd.identityFile,
      knownHosts: sshd.knownHostsFile,
    };
    return runOnHost(options);
  };
  const refused = async (mode: string, message: RegExp) => {
    const said: unknown[][] = [];
    const error = await run(mode, { ...quiet, info: (...args) => void said.push(args), warn: (...args) => void said.push(args) }).then(
      // the start of each file it brought home: the fake's "honest video bytes", or a real renderer's MP4
      (result) => ({ succeeded: result, heads: result.outputs.map((file) => readFileSync(file).subarray(0, 24).toString("latin1")) }),
      (caught: unknown) => caught,
    );
    // what came back instead, should a run ever succeed here
    expect(error, JSON.stringify({ result: error, mode: readFileSync(path.join(bin, "mode"), "utf8"), said })).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(message);
    expect(exitCodeFor(error)).toBe(1);
    expect(snapshot(path.dirname(home))).toEqual(before); // the canary and everything else untouched
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]); // no staging dir, no partial file
  };

  it("plays the honest server too: its one reported MP4 arrives (so the refusals below are the checks, not the harness)", async () => {
    const result = await run("honest");
    expect(result.outputs).toEqual([path.join(out, "tiny.mp4")]);
    expect(readFileSync(path.join(out, "tiny.mp4"), "utf8")).toBe("honest video bytes");
  });

  it("takes only numbers from the server's figures: a done event with text where seconds should be is no done event", async () => {
    await refused("strings", /exited without a valid "done" event, so its outputs are unknown; nothing was downloaded/);
  });

  it("refuses ../ through a symlinked directory, which would replace ~/.bashrc", async () => {
    await refused("climb", /the server sent an unexpected path .*w\/\.\.\/\.\.\/\.\.\/\.bashrc/i);
  });

  it("refuses a plain ../ path", async () => {
    await refused("dotdot", /the server sent an unexpected path .*out\/\.\.\/\.bashrc/i);
  });

  it("refuses an absolute path outside the output directory", async () => {
    await refused("absolute", /the server sent an unexpected path .*\/evil/i);
  });

  it("refuses an expected name that is a symlink to a file larger than the job can make, before any transfer", async () => {
    await refused("symlink-big", /reports tiny\.mp4 as 3000000 bytes; a 64x48 render of 6 frame\(s\) gives 1 to \d+/);
  });

  it("removes a file whose checksum does not match and exits 1", async () => {
    await refused("mismatch", /tiny\.mp4 arrived damaged .*it was removed/);
  });

  it("prints none of the server's escape sequences, and takes only numbers as progress", async () => {
    const progress: unknown[][] = [];
    const error = await run("noisy", { ...quiet, progress: (...args) => void progress.push(args) }).catch((caught: unknown) => caught);
    // what came back instead, should a run ever succeed here
    expect(error, JSON.stringify({ result: error, mode: readFileSync(path.join(bin, "mode"), "utf8") })).toBeInstanceOf(RemoteError);
    const message = (error as Error).message;
    expect(message).toMatch(/render failed .*\(exit 1\): bad thing\nRenderer stderr:\nred words/);
    expect(message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(progress).toEqual([]);
  });

  it("refuses a run directory that is not <home>/.render-remote-run.XXXXXXXX, so no advice carries its shell text", async () => {
    const planted = path.join(sshd.homeDir, ".render-remote-run.ab; touch pwned #");
    try {
      await refused("mktemp", /unexpected run directory .*touch .*pwned/);
      expect(existsSync(path.join(sshd.homeDir, "pwned"))).toBe(false);
    } finally {
      rmSync(planted, { recursive: true, force: true });
      rmSync(path.join(sshd.homeDir, "pwned"), { force: true });
    }
  });
});
