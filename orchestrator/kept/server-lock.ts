import { randomBytes } from "node:crypto";
import * as z from "zod";
import { BadInputError, RemoteError } from "../errors.ts";
import type { Host } from "../hosts/host.ts";
import { printable } from "../hosts/remote-text.ts";
import { checkedHome } from "../pipeline/upload.ts";

/**
 * One --on render at a time on a kept server, held on the server itself (the
 * one truth two laptops share): a directory under the login user's home,
 * made with an atomic mkdir, naming its holder. Every change to it runs under
 * `flock` on the home directory, so judging a lock stale and replacing it is
 * one step. Scripts are constants; values travel as "$@" (hosts/shell-quote.ts).
 *
 * A lock is live while a process works in the run directory it names (the
 * render: launch.ts starts it there), or, when none does, while its holder
 * touched it less than `graceSeconds` ago (upload and download, when no render
 * runs). The run directory it names gone (its holder's teardown removed it)
 * means stale at once.
 */
export function lockName(keptRunId: string): string {
  return `.render-remote-on.${keptRunId}.lock`;
}
/** Longer than an upload or a download takes between two touches. */
export const LOCK_GRACE_SECONDS = 15 * 60;
/** How long to wait for another client's quick lock step (flock), not for its render. */
const FLOCK_WAIT_SECONDS = "10";

const LIVE = [
  'live=""',
  'dir=$(cat -- "$lock/rundir" 2>/dev/null)',
  'if [ -n "$dir" ] && [ -d /proc/self ] && real=$(cd -- "$dir" 2>/dev/null && pwd -P); then',
  '  for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$real" ] && { live="render"; break; }; done',
  "fi",
  'if [ -z "$live" ] && { [ -z "$dir" ] || [ -d "$dir" ]; }; then',
  '  age=$(( $(date +%s) - $(stat -c %Y -- "$lock/token" 2>/dev/null || echo 0) ))',
  '  [ "$age" -lt "$grace" ] && live="age $age"',
  "fi",
].join("\n");

/** Exit 0: taken; 3: held (prints how it lives, then its owner); 4: could not be made. */
const ACQUIRE = [
  'lock=$1 grace=$2 token=$3 owner=$4 took=""',
  'if [ -e "$lock" ] || [ -L "$lock" ]; then',
  '  [ -d "$lock" ] && [ ! -L "$lock" ] || { echo "$lock is not a directory render-remote made" >&2; exit 4; }',
  LIVE,
  '  if [ -n "$live" ]; then echo "$live"; head -c 2000 -- "$lock/owner" 2>/dev/null; exit 3; fi',
  '  rm -rf -- "$lock" || exit 4',
  '  took="stale"',
  "fi",
  'mkdir -m 700 -- "$lock" || exit 4',
  '{ printf "%s\\n" "$owner" > "$lock/owner" && printf "%s\\n" "$token" > "$lock/token"; } || { rm -rf -- "$lock"; exit 4; }',
  'echo "taken $took"',
].join("\n");

/** Only the holder changes its lock: exit 3 when the token is not ours (the lock was judged stale and taken). */
const OURS = 'lock=$1 token=$2; [ "$(cat -- "$lock/token" 2>/dev/null)" = "$token" ] || exit 3';
const MARK = [
  OURS,
  'printf "%s\\n" "$3" > "$lock/rundir.tmp" && mv -f -- "$lock/rundir.tmp" "$lock/rundir" && touch -- "$lock/token"',
].join("\n");
const TOUCH = [OURS, 'touch -- "$lock/token"'].join("\n");
const RELEASE = [OURS, 'rm -rf -- "$lock"'].join("\n");

/** Who holds the lock, as its holder wrote it; read back from the server, so parsed and bounded. */
const holderSchema = z.object({
  keptRunId: z.string().max(80),
  client: z.string().max(200),
  clientPid: z.number().int(),
  startedAt: z.string().max(40),
  spec: z.string().max(200),
});
export type LockHolder = z.infer<typeof holderSchema>;

/** Another --on render holds the server. Exit 2: nothing was uploaded. */
export class ServerBusyError extends BadInputError {}

export interface ServerLock {
  path: string;
  /** Whether a stale lock (its holder gone) was replaced. */
  tookStale: boolean;
  /** Records the run directory (the render's liveness from now on) and touches the lock. */
  markRunDir(host: Host, runDir: string): Promise<void>;
  /** A sign of life between steps where no render runs. */
  touch(host: Host): Promise<void>;
  /** Removes the lock if it is still ours. */
  release(host: Host): Promise<void>;
}

export interface LockOptions {
  /** Aborts taking the lock; the later steps run without it, so that teardown releases the lock after a Ctrl-C. */
  signal?: AbortSignal;
  name?: string;
  graceSeconds?: number;
  /** For the refusal: the kept server's id, for `down`. */
  runId: string;
}

/** Takes the server's --on lock over this connection, or throws ServerBusyError naming who holds it. */
export async function acquireServerLock(host: Host, holder: LockHolder, options: LockOptions): Promise<ServerLock> {
  const home = checkedHome(await host.homeDir(), host.description);
  const lockPath = `${home}/${options.name ?? lockName(options.runId)}`;
  const token = randomBytes(16).toString("hex");
  const grace = String(options.graceSeconds ?? LOCK_GRACE_SECONDS);
  const underFlock = (on: Host, signal: AbortSignal | undefined, script: string, ...args: string[]) =>
    on.exec(["flock", "-w", FLOCK_WAIT_SECONDS, home, "sh", "-c", script, "server-lock", lockPath, ...args], { signal });
  const result = await underFlock(host, options.signal, ACQUIRE, grace, token, JSON.stringify(holder));
  if (result.exitCode === 3) throw busy(result.stdout, lockPath, options.runId);
  if (result.exitCode !== 0 || !result.stdout.startsWith("taken"))
    throw new RemoteError(
      `Could not take the --on lock ${lockPath} on ${host.description} (exit ${result.exitCode ?? "none"}): ${printable(result.stderr.trim()).slice(0, 500)}. ` +
        "The server needs flock (util-linux). Nothing was uploaded.",
    );
  // each step runs on the connection that works at the time (a reconnect replaces it)
  const step = async (on: Host, what: string, script: string, ...args: string[]): Promise<"done" | "not ours"> => {
    // no signal: the release runs in teardown, after a Ctrl-C has aborted the run's signal
    const done = await underFlock(on, undefined, script, token, ...args);
    if (done.exitCode === 3) return "not ours";
    if (done.exitCode !== 0)
      throw new RemoteError(
        `Could not ${what} the --on lock ${lockPath} on ${on.description} (exit ${done.exitCode ?? "none"}): ${printable(done.stderr.trim()).slice(0, 300)}`,
      );
    return "done";
  };
  const notOurs = (what: string) =>
    new RemoteError(
      `Could not ${what} the --on lock ${lockPath}: another --on took it over as stale; two renders may share the server now.`,
    );
  return {
    path: lockPath,
    tookStale: result.stdout.trim() === "taken stale",
    markRunDir: async (on, runDir) => {
      if ((await step(on, "record the run directory in", MARK, runDir)) === "not ours") throw notOurs("record the run directory in");
    },
    touch: async (on) => {
      if ((await step(on, "touch", TOUCH)) === "not ours") throw notOurs("touch");
    },
    // not ours any more: another --on owns it now, and it is not ours to remove
    release: async (on) => void (await step(on, "release", RELEASE)),
  };
}

function busy(stdout: string, lockPath: string, runId: string): ServerBusyError {
  const [how = "", ...rest] = stdout.split("\n");
  const parsed = (() => {
    try {
      return holderSchema.safeParse(JSON.parse(rest.join("\n")));
    } catch {
      return undefined;
    }
  })();
  const who = parsed?.success
    ? `render of ${printable(parsed.data.spec)} started ${printable(parsed.data.startedAt)} from ${printable(parsed.data.client)} (pid ${parsed.data.clientPid})`
    : "render (its lock names no readable holder)";
  const age = /^age (\d+)$/.exec(how.trim());
  const state = how.trim() === "render" ? "It is rendering now." : age ? `It last showed a sign of life ${age[1]} s ago.` : "";
  return new ServerBusyError(
    `Another --on ${who} is using server ${runId}; two at once are refused (no queueing). ${state} Nothing was uploaded.\n` +
      `Run again when it has finished (its lock is ${lockPath} on the server), or stop everything with: render-remote down ${runId}`,
  );
}
