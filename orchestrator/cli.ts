import { Command, InvalidArgumentError, Option } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { X264_PRESETS } from "../renderer/output/ffmpeg.ts";

/**
 * Declares the commands and their options, nothing else: each action loads
 * its command module lazily and returns its exit code to index.ts.
 */

const positiveInt = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1024)
    throw new InvalidArgumentError(`${flag} takes a whole number from 1 to 1024, got "${value}".`);
  return parsed;
};
const number = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed)) throw new InvalidArgumentError(`${flag} takes a number, got "${value}".`);
  return parsed;
};
const usd = (value: string) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError(`takes an amount in US dollars, like 3 or 0.5; got "${value}".`);
  return parsed;
};

export function buildProgram(setAction: (action: Promise<number>) => void): Command {
  const program = new Command("render-remote")
    // set before the subcommands, which copy it when created: their usage errors throw too, and index.ts exits 2
    .exitOverride()
    .enablePositionalOptions()
    .version(packageJson.version, "--version", "print the version")
    // the root command has an action, so commander would not add `help <command>` by itself
    .helpCommand("help [command]", "show the options of a command, e.g. `render-remote help estimate`")
    .description(
      "Render a Julia-set animation on a rented Linode, on a server you have, or on this machine, and bring the MP4 home.\nA rented server is always destroyed when the run ends.",
    )
    .option("--spec <file>", "the animation to render (see specs/)")
    .option("--plan <plan>", "rent a Linode: 2core … 64core, a Linode type id, or auto (see `render-remote plans`)")
    .option("--out <dir>", "where the MP4 goes", "renders")
    .option("--dry-run", "render on this machine through the same pipeline; with --plan, also show what would be created and what it costs")
    .option("--target <url>", "render on your own server: ssh://user@host[:port]")
    .option("--on <run-id>", "render on a server kept by `render-remote up` (no provisioning, no prepare); it stays up")
    .option("--identity <keyfile>", "private key for --target (default: your ssh-agent, else ~/.ssh/id_ed25519, id_ecdsa or id_rsa)")
    .option("--accept-new-host-key", "trust an unknown --target host key on first use and record it in known_hosts")
    .option("--known-hosts <file>", "known_hosts file for --target", undefined)
    .option("--keep-frames", "also download every frame as PNG")
    .option("--processes <n>", "render workers (default: every core of the host)", positiveInt("--processes"))
    .addOption(new Option("--preset <name>", "x264 preset").choices([...X264_PRESETS]).default("veryfast"))
    .option("--region <region>", "Linode region", "us-east")
    .option("--ssh-from <cidr>", "allow SSH only from this IPv4 address or CIDR (default: your public IPv4 /32; required behind a proxy)")
    .option("--max-cost <usd>", "refuse to start if the worst case costs more", usd)
    .option("--deadline <duration>", "with --plan auto: finish within this long, e.g. 10m or 1h30m")
    .option(
      "--max-hours <hours>",
      "the server deletes itself this many hours after the run starts, even if this laptop is gone (default: the hours the worst case pays for)",
      Number,
    )
    .option(
      "--connect-timeout <seconds>",
      "how long to wait for sshd (default: 30 for --target, a server that should be up; 300 for a freshly booted --plan server)",
      (v) => positiveInt("--connect-timeout")(v),
    )
    .option(
      "--reconnect-for <duration>",
      "when the link drops mid-render, keep reconnecting this long (the render goes on), e.g. 10m (default) or 1h",
    )
    .option("--json", "print one JSON result object on stdout; progress as JSON lines on stderr")
    .addHelpText(
      "after",
      `
Examples:
  render-remote --dry-run --spec specs/seed-default.json          render here, no account needed
  render-remote --dry-run --plan 48core --spec specs/spiral.json  show the servers and cost, render here
  render-remote --plan 48core --spec specs/spiral.json            rent 48 cores, render, destroy
  render-remote --target ssh://me@workstation --spec specs/spiral.json --identity ~/.ssh/id_ed25519
  render-remote plans                                             plan aliases and live prices
  render-remote preview --spec specs/explore-first-half-10s.json  a contact sheet: frames, times, c values
  render-remote refine --spec specs/explore-first-half-10s.json --from 4s --to 5s   a new spec for that segment
  render-remote audit                                             is anything of ours still billing?
  render-remote runs                                              your runs, newest first, and their state
  render-remote attach rr-20261205-k3x9q2                         pick up a run whose client went away
  render-remote up --plan 48core                                  keep a prepared server for the hour you pay for
  render-remote --on rr-20261205-k3x9q2 --spec specs/spiral.json  render on it: no provisioning, no prepare
  render-remote down rr-20261205-k3x9q2                           destroy a kept server now

Environment:
  LINODE_TOKEN         a Linode personal access token, for --plan, plans' live prices and audit
  LINODE_URL           the Linode API's base URL (default https://api.linode.com/v4; https unless loopback), e.g. a test server
  RENDER_REMOTE_HOME   where runs keep their journal, Pulumi state and keys (default ~/.render-remote)

LINODE_TOKEN: renting (--plan) needs Linodes and Firewalls read/write; audit needs Linodes and Firewalls
read-only (read/write for --destroy); Account read-only only adds the balance line; Account read/write
lets a cloud run make its own token for the server-side deadline. Only an unrestricted user can tag
Linodes, so a restricted user's token cannot rent.

Exit codes: 0 success, 1 render/remote/cloud failure, 2 bad input, 130 interrupted.`,
    )
    .action(() =>
      setAction(
        program.opts().on === undefined
          ? import("./commands/run-command.ts").then((m) => m.runCommand(program.opts()))
          : import("./commands/on-command.ts").then((m) => m.onCommand(program.opts())),
      ),
    );

  program
    .command("audit")
    .description(
      "list every render-remote server, firewall and stack still billing; exit 1 if any, 0 if none.\n" +
        "LINODE_TOKEN: Linodes and Firewalls read-only (read/write for --destroy); Account read-only only for the balance line",
    )
    .option("--destroy", "delete what the audit lists (asks first on a terminal)")
    .option("--yes", "with --destroy: do not ask")
    .option("--json", "print the report as JSON")
    .action((options) => setAction(import("./commands/audit-command.ts").then((m) => m.auditCommand(options))));

  program
    .command("runs")
    .description("list your --target and cloud runs, newest first: id, mode, where, state, start, output, cost so far and deadline")
    .option("--json", "print as JSON")
    .action((options) => setAction(import("./commands/runs-command.ts").then((m) => m.runsCommand(options))));

  program
    .command("attach")
    .description("reconnect to a run whose client is gone: show its progress, bring the results home, verify them and tear down")
    .argument("<run-id>", "the run's id, as `render-remote runs` lists it")
    .option("--reconnect-for <duration>", "when the link drops, keep reconnecting this long, e.g. 10m (default)")
    .option("--connect-timeout <seconds>", "how long to wait for sshd at first (default 30)", (v) => positiveInt("--connect-timeout")(v))
    .option("--json", "progress as JSON lines on stderr; one JSON result on stdout")
    .action((runId: string, options) => setAction(import("./commands/attach-command.ts").then((m) => m.attachCommand(runId, options))));

  program
    .command("up")
    .description(
      "rent and prepare a server and keep it for several `--on` renders, until `down` or its deadline (default: 55 min, inside the first started hour)",
    )
    .option("--plan <plan>", "the server: 2core … 64core or a Linode type id (see `render-remote plans`)")
    .option("--region <region>", "Linode region", "us-east")
    .option("--keep <duration>", "keep it this long, e.g. 55m (one started hour) or 1h55m (two)")
    .option("--max-cost <usd>", "without --keep: keep it for as many started hours as this buys; with --keep: refuse if it costs more", usd)
    .option("--ssh-from <cidr>", "allow SSH only from this IPv4 address or CIDR (default: your public IPv4 /32)")
    .option("--connect-timeout <seconds>", "how long to wait for sshd (default 300)", (v) => positiveInt("--connect-timeout")(v))
    .option("--json", "print the kept server as JSON; progress as JSON lines on stderr")
    .action((options) => setAction(import("./commands/up-command.ts").then((m) => m.upCommand(options))));

  program
    .command("down")
    .description("destroy a kept server now, as a run's teardown does: Pulumi destroy, tag sweep, token revoked, keys deleted")
    .argument("[run-id]", "the kept server's run id, as `render-remote up` or `runs` shows it")
    .option("--all", "destroy every kept server")
    .option("--json", "print the result as JSON")
    .action((runId: string | undefined, options) =>
      setAction(import("./commands/down-command.ts").then((m) => m.downCommand(runId, options))),
    );

  program
    .command("plans")
    .description("plan aliases, the Linode types behind them, vCPUs, RAM and $/hour (live prices when reachable)")
    .option("--region <region>", "price for this region")
    .option("--json", "print as JSON")
    .action((options) => setAction(import("./commands/plans-command.ts").then((m) => m.plansCommand(options))));

  program
    .command("estimate")
    .description("calibrate on this machine, then predict time and cost here and on every plan")
    .option("--spec <file...>", "the animation; several (--spec a.json b.json) also price one kept server (`up`) against separate runs")
    .option("--deadline <duration>", "mark the cheapest plan that finishes within this, e.g. 10m")
    .option("--max-cost <usd>", "leave out plans that cost more", usd)
    .option("--region <region>", "price for this region")
    .addOption(new Option("--preset <name>", "x264 preset").choices([...X264_PRESETS]).default("veryfast"))
    .option("--json", "print as JSON")
    .action((options) => setAction(import("./commands/estimate-command.ts").then((m) => m.estimateCommand(options))));

  program
    .command("preview")
    .description("render a contact sheet here: N labelled thumbnails (frame, time, c) across the animation, one PNG")
    .option("--spec <file>", "the animation to preview")
    .option("--frames <n>", "thumbnails on the sheet, 1 to 400 (default 12)", number("--frames"))
    .option("--out <dir>", "where the sheet goes", "renders")
    .option("--thumb-width <w>", "thumbnail width in pixels (default 240)", number("--thumb-width"))
    .option("--processes <n>", "render workers (default: every core)", positiveInt("--processes"))
    .option("--json", "print the result as JSON; progress as JSON lines on stderr")
    .action((options) => setAction(import("./commands/preview-command.ts").then((m) => m.previewCommand(options))));

  program
    .command("refine")
    .description("write a new spec whose c path is one segment of this one, e.g. seconds 4 to 5")
    .option("--spec <file>", "the animation to take a segment of")
    .option("--from <point>", "where the segment starts: a time like 4s or 4.5s, or a frame number like 120")
    .option("--to <point>", "where it ends, the same way")
    .option("--duration <s>", "seconds in the new animation (default: as the old one)", number("--duration"))
    .option("--fps <n>", "frames per second (default: as the old one)", number("--fps"))
    .option("--frames <n>", "frames in the new animation, instead of --duration", number("--frames"))
    .option("--out <file>", "the new spec (default: next to the old one, named <name>-<from>-<to>.json)")
    .addHelpText(
      "after",
      `
Times map to c linearly over the old animation (c = from + (to - from) × t / duration); frame numbers map to those frames' exact c.

Examples:
  render-remote refine --spec specs/explore-first-half-10s.json --from 4s --to 5s
  render-remote refine --spec specs/explore-first-half-10s.json --from 120 --to 150 --duration 60 --out specs/my-segment.json`,
    )
    .action((options) => setAction(import("./commands/refine-command.ts").then((m) => m.refineCommand(options))));

  return program;
}
