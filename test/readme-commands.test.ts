import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithSshd } from "../orchestrator/hosts/testing/describe-with-sshd.ts";
import { startTestSshd, type TestSshd } from "../orchestrator/hosts/testing/sshd.ts";
import { repoRoot } from "./run-bundle.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * The README's shell commands, run as written, so the README cannot drift from the programs.
 *
 * Every line of every ```bash block is a command (a trailing `\` continues it; `  # …` is a comment).
 * Commands joined with `&&` are run part by part. Not run, by rule (and counted, so a rule cannot
 * silently swallow everything):
 * - `npm ci`, `npm test`, `scripts/install-system-deps.sh`: the setup and the test command, which CI runs (.ci/run);
 * - commands that need a cloud account or a server of yours: `--plan` without `--dry-run`, `--target`, `audit`,
 *   `export LINODE_TOKEN=…`.
 * The rest runs with `sh -c` in a scratch directory holding a copy of specs/ (so refine and preview write into the
 * copy, and renders/ lands there), with one rewrite: `npx ` becomes `npx --offline --prefix <this checkout> `, which
 * runs this checkout's programs from another directory and never asks the registry. LINODE_URL points at a closed
 * port (prices come from the dated table at once) and RENDER_REMOTE_HOME is in the scratch dir. An output the
 * comment names (`# renders/seed-default.mp4`) or an `--out` file must exist afterwards.
 *
 * The `--target` example runs too, against the test sshd on 127.0.0.1, with these rewrites: the
 * `ssh://me@workstation:22` URL becomes the test server's, `~/.ssh/id_ed25519` its key, `--known-hosts` its
 * known_hosts is appended, and its spec (specs/spiral.json, 1,800 frames of 1080×1080) is replaced in the scratch
 * copy by the same animation at 96×96 and 12 frames, so the example stays a check of the flags, not a benchmark.
 */
interface ReadmeCommand {
  line: number;
  command: string;
  comment: string;
}

function readmeCommands(markdown: string): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let inBash = false;
  let pending: ReadmeCommand | undefined;
  markdown.split("\n").forEach((text, index) => {
    if (text.startsWith("```")) {
      inBash = !inBash && text.trim() === "```bash";
      return;
    }
    if (!inBash || text.trim() === "" || text.trim().startsWith("#")) return;
    const hash = text.search(/\s{2,}#\s/);
    const code = (hash === -1 ? text : text.slice(0, hash)).trim();
    const comment = hash === -1 ? "" : text.slice(hash).replace(/^\s*#\s*/, "");
    const current = pending ?? { line: index + 1, command: "", comment: "" };
    current.command = `${current.command} ${code.replace(/\\$/, "")}`.trim();
    current.comment = `${current.comment} ${comment}`.trim();
    pending = code.endsWith("\\") ? current : undefined;
    if (!pending) commands.push(current);
  });
  return commands;
}

const SETUP = /^(npm ci|npm run lint|npm test|scripts\/install-system-deps\.sh)$/;
const NEEDS_ACCOUNT = (part: string) =>
  /^export LINODE_TOKEN=/.test(part) ||
  /^npx render-remote (audit|up|down)\b/.test(part) ||
  / --on /.test(part) ||
  (/ --plan /.test(part) && !/ --dry-run\b/.test(part));
const NEEDS_SERVER = (part: string) => / --target /.test(part);

const commands = readmeCommands(readFileSync(path.join(repoRoot, "README.md"), "utf8"));
const parts = commands.flatMap(({ line, command, comment }) => command.split(" && ").map((part) => ({ line, part: part.trim(), comment })));
const runnable = parts.filter(({ part }) => !SETUP.test(part) && !NEEDS_ACCOUNT(part) && !NEEDS_SERVER(part));
const targetExamples = parts.filter(({ part }) => NEEDS_SERVER(part));

describe("the README's commands", () => {
  it("are found, and each is a way this checkout runs: npx render-remote, npx julia-render, npm, scripts/", () => {
    expect(commands.length).toBeGreaterThanOrEqual(15);
    expect(runnable.length).toBeGreaterThanOrEqual(10);
    expect(targetExamples).toHaveLength(1);
    for (const { line, part } of parts) {
      expect(part, `README.md line ${line}: after npm ci only npx finds render-remote and julia-render`).toMatch(
        /^(npx (render-remote|julia-render) |npm |scripts\/|export LINODE_TOKEN=)/,
      );
    }
  });

  describe("run as written in a scratch copy of the checkout", () => {
    let scratch = "";
    beforeAll(() => {
      scratch = tempDir("readme-");
      cpSync(path.join(repoRoot, "specs"), path.join(scratch, "specs"), { recursive: true });
    });

    it.each(runnable.map(({ line, part, comment }) => [`line ${line}: ${part}`, part, comment]))("%s", async (_title, part, comment) => {
      const result = await runHere(scratch, part);
      expect(result.exitCode, String(result.all)).toBe(0);
      const named = [...comment.matchAll(/\brenders\/\S+\.(?:mp4|png)\b/g)].map((match) => match[0]);
      const outFile = / --out (\S+\.json)\b/.exec(part)?.[1];
      for (const file of [...named, ...(outFile ? [outFile] : [])])
        expect(existsSync(path.join(scratch, file)), `${file} after: ${part}`).toBe(true);
    });
  });
});

describeWithSshd("the README's --target example, against a real sshd on 127.0.0.1", () => {
  let sshd: TestSshd;
  let scratch = "";
  beforeAll(async () => {
    sshd = await startTestSshd();
    scratch = tempDir("readme-target-");
    cpSync(path.join(repoRoot, "specs"), path.join(scratch, "specs"), { recursive: true });
    const spiral = JSON.parse(readFileSync(path.join(scratch, "specs", "spiral.json"), "utf8")) as Record<string, unknown>;
    delete spiral.duration;
    writeFileSync(path.join(scratch, "specs", "spiral.json"), JSON.stringify({ ...spiral, width: 96, frames: 12 }));
  });
  afterAll(async () => sshd?.stop());

  it.each(targetExamples.map(({ line, part }) => [`line ${line}: ${part}`, part]))("%s", async (_title, part) => {
    expect(part).toContain("ssh://me@workstation:22");
    expect(part).toContain("--identity ~/.ssh/id_ed25519");
    const rewritten = `${part
      .replace("ssh://me@workstation:22", `ssh://${sshd.user}@127.0.0.1:${sshd.port}`)
      .replace("~/.ssh/id_ed25519", sshd.identityFile)} --known-hosts ${sshd.knownHostsFile}`;
    const result = await runHere(scratch, rewritten);
    expect(result.exitCode, String(result.all)).toBe(0);
    expect(existsSync(path.join(scratch, "renders", "spiral.mp4"))).toBe(true);
  });
});

/** Runs a README command in `cwd`, through this checkout's programs (see the top of this file). */
function runHere(cwd: string, part: string) {
  const command = part.replace(/^npx /, `npx --offline --prefix ${repoRoot} `);
  return execa("sh", ["-c", command], {
    cwd,
    reject: false,
    all: true,
    env: { ...process.env, LINODE_URL: "http://127.0.0.1:9/v4", RENDER_REMOTE_HOME: path.join(cwd, "state"), CI: "1" },
  });
}

// The parser, on a sample with a continuation and comments.
describe("readmeCommands", () => {
  it("joins continued lines, splits off comments, skips other blocks", () => {
    const sample =
      "text\n```bash\n# a comment line\nnpx a --x 1 \\\n      --y 2      # out: renders/a.mp4\nnpx b\n```\n```cron\nnot this\n```\n";
    expect(readmeCommands(sample)).toEqual([
      { line: 4, command: "npx a --x 1 --y 2", comment: "out: renders/a.mp4" },
      { line: 6, command: "npx b", comment: "" },
    ]);
    expect(execFileSync("sh", ["-c", "echo ok"], { encoding: "utf8" })).toBe("ok\n");
  });
});
