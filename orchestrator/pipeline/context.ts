import type { Job } from "../../renderer/spec.ts";
import type { Host } from "../hosts/host.ts";
import type { StageReporter } from "./reporter.ts";
import type { Limits } from "./stage-limits.ts";

/** The stages, in order; teardown always runs last, in finally. */
export const STAGE_NAMES = ["connect", "prepare", "upload", "render", "download", "teardown"] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Everything a run knows. Stages read what earlier stages filled in. */
export interface PipelineContext {
  job: Job;
  /** The renderer bundle to upload (dist/julia-render.mjs). */
  bundlePath: string;
  outDir: string;
  keepFrames: boolean;
  /** Worker count; the host's core count when not given. */
  processes?: number;
  preset: string;
  /** Provisioned hosts: wait for `cloud-init status --wait` before anything else. */
  waitForCloudInit: boolean;
  /** Opens the host: LocalHost, an existing server, or a freshly provisioned one. */
  openHost: (signal: AbortSignal) => Promise<Host>;
  /** Shown in cleanup advice: the argv that reaches the host by hand (["ssh", "-p", "22", "u@h"]); empty for this machine. */
  hostHint: readonly string[];
  signal: AbortSignal;
  reporter: StageReporter;
  /** Stage and idle limits; defaults in stage-limits.ts. */
  limits?: Limits;
  /** Told the run directory's name as soon as it exists, for exact cleanup advice on a forced quit. */
  onRunDir?: (runDir: string) => void;
  /** Told once the renderer runs detached on the host: from now on the run can be attached to. */
  onLaunched?: (runDir: string) => Promise<void> | void;
  /** How long a dropped link is reconnected before the client gives up (the render goes on); default 600. */
  reconnectForSeconds?: number;

  host?: Host;
  remote?: RemoteRun;
  rendered?: { outputs: string[]; seconds: { images: number; animation: number; total: number }; iterations: number };
  /** Local files written by download. */
  downloaded?: string[];
  /** Seconds per finished stage, for the journal and estimates. */
  stageSeconds: Partial<Record<StageName, number>>;
}

export interface RemoteRun {
  /** A fresh 0700 directory under the host user's home, removed at teardown. */
  runDir: string;
  node: string;
  ffmpeg: string;
  cores: number;
  bundle: string;
  spec: string;
  pidFile: string;
}
