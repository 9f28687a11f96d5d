import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { tempDir } from "../../test/temp-dir.ts";
import { estimateCommand } from "./estimate-command.ts";

/** estimate with several specs: each one's table, then a kept server priced against separate runs (real calibration, fallback prices). */
const saved = { ...process.env };
let dir: string;
beforeAll(() => {
  dir = tempDir("estimate-kept-");
  Object.assign(process.env, { RENDER_REMOTE_HOME: path.join(dir, "state") });
  delete process.env.LINODE_TOKEN; // the fallback price table: no network
  for (const name of ["one", "two", "three"])
    writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ name, width: 64, height: 48, maxIterations: 40, frames: 4, fps: 4 }));
});
afterAll(() => {
  for (const key of ["RENDER_REMOTE_HOME", "LINODE_TOKEN"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

async function stdoutOf(run: () => Promise<number>): Promise<{ exit: number; stdout: string }> {
  let stdout = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    return { exit: await run(), stdout };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

it("one spec: the table, and a line on the kept-server option", async () => {
  const { exit, stdout } = await stdoutOf(() => estimateCommand({ spec: [path.join(dir, "one.json")], json: false }));
  expect(exit).toBe(0);
  expect(stdout).toMatch(/^one: [\d.]+ G iterations/);
  expect(stdout).toContain("Several renders in a row? A kept server (render-remote up --plan P, then --on <run-id> for each)");
}, 120_000);

it("three specs: separate runs pay three started hours, one kept server one, with the arithmetic (also as JSON)", async () => {
  const specs = ["one", "two", "three"].map((name) => path.join(dir, `${name}.json`));
  const { exit, stdout } = await stdoutOf(() => estimateCommand({ spec: specs }));
  expect(exit).toBe(0);
  for (const name of ["one", "two", "three"]) expect(stdout).toMatch(new RegExp(`^${name}: [\\d.]+ G iterations`, "m"));
  const [, plan, hourly] = /^3 renders on (\S+) \(\$([\d.]+)\/h\):$/m.exec(stdout)!;
  const usd = (hours: number) => `$${(Math.ceil(hours * Number(hourly) * 100) / 100).toFixed(2)}`;
  expect(stdout).toContain(`separate runs: 1 + 1 + 1 = 3 started hours × $${hourly} = ${usd(3)}`);
  expect(stdout).toContain(`within 1 started hour (deadline after 55m) × $${hourly} = ${usd(1)}.`);
  expect(stdout).toContain(`npx render-remote up --plan ${plan}, then npx render-remote --on <run-id> --spec FILE for each`);

  const json = JSON.parse((await stdoutOf(() => estimateCommand({ spec: specs, json: true }))).stdout);
  expect(json.specs.map((s: { job: string }) => s.job)).toEqual(["one", "two", "three"]);
  expect(json.kept).toMatchObject({ plan, separate: { hours: 3 }, kept: { hours: 1, keep: "55m" } });
}, 240_000);
