import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { pulumiBackendDir } from "../state/paths.ts";
import { PROJECT_NAME } from "./pulumi-settings.ts";

/** A Pulumi stack in the local backend; the Pulumi module implements this. */
export interface LocalStack {
  name: string;
  /** Resources the stack still holds; undefined when Pulumi does not know (never updated). */
  resourceCount?: number;
}
export interface LocalStacks {
  listStacks(): Promise<LocalStack[]>;
  destroyStack(name: string): Promise<void>;
}

/**
 * The audit's view of local Pulumi stacks. Listing reads the file backend's
 * checkpoints directly (<backend>/.pulumi/stacks/render-remote/<stack>.json),
 * so `audit` works without the Pulumi CLI; only destroying needs the engine.
 */
export function localStacksFromEnv(env: NodeJS.ProcessEnv = process.env): LocalStacks {
  return {
    listStacks: () => readStackCheckpoints(pulumiBackendDir(env)),
    async destroyStack(name) {
      const { createPulumiEngine } = await import("./pulumi-engine.ts");
      const engine = createPulumiEngine(env);
      await engine.destroyStack(name);
    },
  };
}

export async function readStackCheckpoints(backendDir: string): Promise<LocalStack[]> {
  const dir = path.join(backendDir, ".pulumi", "stacks", PROJECT_NAME);
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const stacks: LocalStack[] = [];
  for (const file of files) {
    // Stryker disable next-line Regex: without ^ it differs only for a file name holding a newline, which no stack name can
    const match = /^(.+)\.json(\.gz)?$/.exec(file);
    if (!match) continue; // .bak and lock files
    try {
      const raw = await readFile(path.join(dir, file));
      const checkpoint = JSON.parse((match[2] ? gunzipSync(raw) : raw).toString("utf8")) as {
        checkpoint?: { latest?: { resources?: { type: string }[]; pending_operations?: { type: string }[] } };
      };
      const latest = checkpoint.checkpoint?.latest;
      // the stack itself and its providers are bookkeeping, not billable; a pending CREATE may exist in the account
      const pendingCreates = (latest?.pending_operations ?? []).filter((op) => op.type === "creating").length;
      stacks.push({
        name: match[1],
        resourceCount:
          latest?.resources === undefined
            ? undefined
            : latest.resources.filter((r) => !r.type.startsWith("pulumi:")).length + pendingCreates,
      });
    } catch {
      stacks.push({ name: match[1] });
    }
  }
  return stacks;
}
