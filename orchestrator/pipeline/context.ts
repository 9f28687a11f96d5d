import type { Job } from "../../renderer/spec.ts";
import type { Host } from "../hosts/host.ts";
import type { StageReporter } from "./reporter.ts";
import type { Limits } from "./stage-limits.ts";

/** The stages, in order; teardown always runs last, in finally. */
export const STAGE_NAMES = ["connect", "prepare", "upload", "render", "download", "teardown"] as const;
export type StageName = (typeof STAGE_NAMES)[number];
export type StageSeconds = Partial<Record<StageName, number>>;

/** What a run is asked to do. Stages only read it; each returns what it makes (below), and the next takes that. */
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
  /** Narrowed to a stage's limit while that stage runs (stage-limits.ts). */
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
  /** A server `render-remote up` prepared already (--on): its toolchain, and the prepare stage is skipped. */
  toolchain?: Toolchain;
  /** Runs in teardown on the working connection, after the run directory is removed and before it closes (--on releases its server lock). */
  beforeClose?: (host: Host) => Promise<void>;
}

/** prepare's result: the commands that run the renderer on the host, and its cores. */
export interface Toolchain {
  node: string;
  ffmpeg: string;
  cores: number;
}

/** upload's result: a fresh 0700 directory under the host user's home (removed at teardown) and the files in it. */
export interface RunDirectory {
  path: string;
  bundle: string;
  spec: string;
  pidFile: string;
}

/** render's result: the outputs the renderer reports (download checks each), its times and iteration count. */
export interface Rendered {
  outputs: string[];
  seconds: { images: number; animation: number; total: number };
  iterations: number;
}

/** What exists so far, for teardown: the host once connected, the run directory from the moment it is made. */
export interface Made {
  host?: Host;
  runDir?: RunDirectory;
}
