import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findFfmpeg } from "./ffmpeg.ts";
import { tempDir } from "../../test/temp-dir.ts";

describe("findFfmpeg", () => {
  const root = tempDir("find-ffmpeg-");
  const dir = (name: string) => {
    const full = path.join(root, name);
    mkdirSync(full, { recursive: true });
    return full;
  };
  const notExecutable = dir("plain");
  writeFileSync(path.join(notExecutable, "ffmpeg"), "not a program");
  const directory = dir("dir");
  mkdirSync(path.join(directory, "ffmpeg"));
  const good = dir("good");
  writeFileSync(path.join(good, "ffmpeg"), "#!/bin/sh\n");
  chmodSync(path.join(good, "ffmpeg"), 0o755);

  it("takes the first executable file named ffmpeg along PATH, skipping plain files and directories", () => {
    const PATH = [path.join(root, "missing"), notExecutable, directory, good].join(path.delimiter);
    expect(findFfmpeg({ PATH }, () => undefined)).toBe(path.join(good, "ffmpeg"));
  });

  it("prefers JULIA_RENDER_FFMPEG", () => {
    expect(findFfmpeg({ PATH: good, JULIA_RENDER_FFMPEG: "/opt/ffmpeg" })).toBe("/opt/ffmpeg");
  });

  it("prefers the static build from @ffmpeg-installer to the one on PATH", () => {
    expect(findFfmpeg({ PATH: good })).toMatch(/@ffmpeg-installer[/\\]linux-x64[/\\]ffmpeg$/);
  });

  it("says how to install ffmpeg when there is none", () => {
    expect(() => findFfmpeg({ PATH: notExecutable }, () => undefined)).toThrow(/apt-get install -y ffmpeg/);
  });
});
