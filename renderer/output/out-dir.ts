import { randomBytes } from "node:crypto";
import { mkdir, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../errors.ts";
import { plainReason } from "../fs-reason.ts";

/**
 * The output directory, checked before any work: created if missing, and a probe file written
 * and removed in it. A bad `--out` (a file, a path under a file, a directory we cannot write, a
 * place like /proc that refuses new directories) is bad input, found before a render is thrown
 * away or a server is rented. Directories are made one by one: Node's recursive mkdir loops for
 * ever on /proc.
 */
export interface OutDir {
  /** Absolute path. */
  path: string;
  /** The directories this check created, outermost first. */
  created: string[];
  /** Removes the directories this check created, innermost first, where they are still empty. */
  removeIfUnused(): Promise<void>;
}

export async function prepareOutDir(given: string, flag = "--out"): Promise<OutDir> {
  const absolute = path.resolve(given);
  const shown = `\`${flag} ${given}\``;
  const missing: string[] = [];
  for (let dir = absolute; ; dir = path.dirname(dir)) {
    const found = await stat(dir).catch((error: NodeJS.ErrnoException) => error);
    if (!(found instanceof Error)) {
      if (found.isDirectory()) break;
      if (dir === absolute)
        throw new BadInputError(`${shown} is a file, not a directory. Give a directory (it is created if missing), e.g. ${flag} renders.`);
      throw new BadInputError(
        `${shown} is under ${dir}, which is a file, not a directory. Give a directory (it is created if missing), e.g. ${flag} renders.`,
      );
    }
    if (found.code !== "ENOENT" && found.code !== "ENOTDIR") throw unusable(shown, absolute, dir, found);
    if (dir === path.dirname(dir)) throw unusable(shown, absolute, dir, found);
    missing.unshift(dir);
  }
  const created: string[] = [];
  const removeIfUnused = async () => {
    for (const dir of [...created].reverse()) {
      if (
        await rmdir(dir).then(
          () => false,
          () => true,
        )
      )
        break; // not empty (or gone): keep it and its parents
    }
  };
  try {
    for (const dir of missing) {
      await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw unusable(shown, absolute, dir, error, "cannot be created");
      });
      created.push(dir);
    }
    const probe = path.join(absolute, `.render-remote-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
    await writeFile(probe, "", { flag: "wx" }).catch((error: NodeJS.ErrnoException) => {
      throw unusable(shown, absolute, absolute, error, "is not writable");
    });
    await rm(probe, { force: true });
  } catch (error) {
    await removeIfUnused();
    throw error;
  }
  return { path: absolute, created, removeIfUnused };
}

function unusable(shown: string, absolute: string, dir: string, error: NodeJS.ErrnoException, what = "cannot be used"): BadInputError {
  const where = dir === absolute ? "" : ` (at ${dir})`;
  // ENOENT from mkdir on an existing parent: procfs and the like refuse new entries
  const reason = error.code === "ENOENT" ? "no such file or directory (this file system refuses new entries there)" : plainReason(error);
  return new BadInputError(`${shown} ${what}${where}: ${reason}. Choose a directory you can write to.`, { cause: error });
}
