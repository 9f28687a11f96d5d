import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { RenderError } from "../errors.ts";

/**
 * Every output is written into a private staging directory next to its final
 * place and moved there only when the whole run succeeded, so a failed or
 * interrupted run leaves nothing half-written under a final name.
 */
export class OutputStaging {
  private readonly moves: { from: string; to: string }[] = [];
  private constructor(
    readonly outDir: string,
    readonly dir: string,
  ) {}

  static async create(outDir: string, name: string): Promise<OutputStaging> {
    await mkdir(outDir, { recursive: true });
    return new OutputStaging(outDir, await mkdtemp(path.join(outDir, `.${name}.partial-`)));
  }

  /** A staging path whose file will land at `finalPath` (relative to the output dir) on commit. */
  stage(finalPath: string): string {
    // both ends resolved, and each must stay inside its directory: a name like ../.bashrc never gets here
    const staged = inside(this.dir, finalPath);
    const to = inside(this.outDir, finalPath);
    this.moves.push({ from: staged, to });
    return staged;
  }

  /** Drops a staged file (one that failed its checks): removed now, never moved. */
  async unstage(staged: string): Promise<void> {
    const index = this.moves.findIndex((move) => move.from === staged);
    if (index !== -1) this.moves.splice(index, 1);
    await rm(staged, { force: true });
  }

  async write(finalPath: string, data: Uint8Array): Promise<string> {
    const staged = this.stage(finalPath);
    await mkdir(path.dirname(staged), { recursive: true });
    await writeFile(staged, data, { flag: "wx" });
    return this.moves.at(-1)!.to;
  }

  /** Removes the previous run's frames of this name, so none are left stale. */
  async removeStaleFrames(name: string): Promise<void> {
    const framesDir = path.join(this.outDir, "frames");
    const pattern = new RegExp(`^${name.replace(/[.]/g, "\\.")}_\\d{5,}\\.png$`);
    const existing = await readdir(framesDir).catch(() => [] as string[]);
    await Promise.all(existing.filter((file) => pattern.test(file)).map((file) => rm(path.join(framesDir, file), { force: true })));
  }

  /** Moves everything staged to its final name (rename: atomic on one file system). */
  async commit(): Promise<string[]> {
    for (const { from, to } of this.moves) {
      await mkdir(path.dirname(to), { recursive: true });
      await rename(from, to);
    }
    await this.discard();
    return this.moves.map((move) => move.to);
  }

  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** `dir/relative`, refused unless it lies strictly inside dir. */
function inside(dir: string, relative: string): string {
  const base = path.resolve(dir);
  const resolved = path.resolve(base, relative);
  if (path.isAbsolute(relative) || !resolved.startsWith(base + path.sep)) {
    throw new RenderError(`Refusing to write ${JSON.stringify(relative)}: it resolves to ${resolved}, outside ${base}.`);
  }
  return resolved;
}
