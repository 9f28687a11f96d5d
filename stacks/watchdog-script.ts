/**
 * The watchdog every rented server carries (cloud-init writes it, root-owned,
 * to WATCHDOG_HELPER). POSIX sh and curl only: it must work before node is
 * installed and without the renderer bundle. orchestrator/cloud/watchdog.ts
 * arms it over SSH; the login user's sudo rule allows exactly `arm`.
 *
 *   sudo -n render-remote-watchdog arm RUN_ID INSTANCE_ID FIREWALL_ID DEADLINE END API_URL RETRY_S < token
 *
 * `arm` stores the token from stdin in a root-only file and starts `run`
 * detached (systemd-run when systemd is up, setsid nohup otherwise). At
 * DEADLINE (Unix seconds) `run` deletes the instance, then the firewall, by id,
 * retrying every RETRY_S until END (the token's expiry). The token never
 * appears in an argv: curl reads its header from stdin (-K -), written by
 * printf, a shell builtin. Stopped by a signal, it removes its files and ends.
 */
export const WATCHDOG_HELPER = "/usr/local/sbin/render-remote-watchdog";

/** Where `run` logs what it did, readable by the login user (attach shows it). */
export const watchdogLogFile = (runId: string, root = "") => `${root}/var/log/render-remote/watchdog-${runId}.log`;

export const WATCHDOG_SCRIPT = String.raw`#!/bin/sh
# render-remote watchdog: deletes this server at its run's deadline (see render-remote's README).
set -u
# Tests only: real sudo clears the environment, so on a server this is always empty.
root=${"${"}RENDER_REMOTE_WATCHDOG_ROOT:-}
mode=${"${"}1:-}
[ $# -eq 8 ] || { echo "usage: render-remote-watchdog arm|run RUN_ID INSTANCE_ID FIREWALL_ID DEADLINE END API_URL RETRY_S" >&2; exit 2; }
shift
run=$1 instance=$2 firewall=$3 deadline=$4 end=$5 api=$6 retry=$7
case $run in ''|*[!A-Za-z0-9_-]*) echo "not a run id: $run" >&2; exit 2;; esac
for n in "$instance" "$firewall" "$deadline" "$end" "$retry"; do case $n in ''|*[!0-9]*) echo "not a number: $n" >&2; exit 2;; esac; done
case $api in https://*|http://127.*|http://localhost[:/]*) ;; *) echo "the API URL must be https (plain http only to loopback)" >&2; exit 2;; esac
case $api in *[!A-Za-z0-9:/._-]*) echo "not an API URL: $api" >&2; exit 2;; esac
state=$root/var/lib/render-remote/$run
logdir=$root/var/log/render-remote
log=$logdir/watchdog-$run.log
stamp() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
say() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >> "$log"; }

if [ "$mode" = arm ]; then
  command -v curl >/dev/null 2>&1 || { echo "curl is not installed" >&2; exit 3; }
  if [ -s "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then echo "already armed"; exit 0; fi
  umask 077
  mkdir -p "$state" && chmod 700 "$state" && rm -f "$state/token" "$state/pid" || exit 3
  (set -C; cat > "$state/token") || exit 3
  umask 022
  mkdir -p "$logdir" || exit 3
  if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
    systemd-run --quiet --collect --unit "render-remote-watchdog-$run" /bin/sh "$0" run "$@" || exit 3
  else
    setsid nohup /bin/sh "$0" run "$@" </dev/null >/dev/null 2>&1 &
  fi
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -s "$state/pid" ] && { echo "armed"; exit 0; }
    sleep 0.5
  done
  echo "the watchdog did not start" >&2; exit 3
fi
[ "$mode" = run ] || { echo "unknown mode: $mode" >&2; exit 2; }

nap_pid=
nap() { sleep "$1" & nap_pid=$!; wait "$nap_pid"; nap_pid=; }
quit() { [ -z "$nap_pid" ] || kill "$nap_pid" 2>/dev/null; rm -rf "$state"; say "$1"; exit "$2"; }
trap 'quit "stopped by a signal; nothing was deleted after this line; its token file is removed" 0' TERM INT HUP
echo $$ > "$state/pid"
token=
IFS= read -r token < "$state/token" || true
case $token in ''|*[!A-Za-z0-9]*) quit "no usable token in $state/token; nothing will be deleted" 3;; esac
say "armed for run $run: at $(stamp "$deadline") deletes instance $instance, then firewall $firewall; retries until $(stamp "$end")"
while :; do
  left=$(( deadline - $(date +%s) ))
  [ "$left" -gt 0 ] || break
  [ "$left" -le 30 ] || left=30
  nap "$left"
done
say "deadline reached: deleting this server"
delete() {
  while :; do
    code=$(printf 'header = "Authorization: Bearer %s"\n' "$token" | curl -q -s -o /dev/null -w '%{http_code}' --max-time 30 -X DELETE -K - "$api$2") || true
    case $code in
      200|204) say "deleted $1 (DELETE $2: $code)"; return 0;;
      404) say "$1 was already gone (DELETE $2: 404)"; return 0;;
      401) say "DELETE $2: 401: the token was revoked or has expired; retrying every $retry s until $(stamp "$end")";;
      *) say "DELETE $2: ${"${"}code:-no answer}; retrying every $retry s until $(stamp "$end")";;
    esac
    [ "$(date +%s)" -lt "$end" ] || return 1
    nap "$retry"
  done
}
delete "instance $instance" "/linode/instances/$instance" || quit "gave up at $(stamp "$end"): instance $instance may still exist; run: render-remote audit --destroy" 1
delete "firewall $firewall" "/networking/firewalls/$firewall" || quit "gave up at $(stamp "$end"): firewall $firewall may still exist; run: render-remote audit --destroy" 1
quit "done: instance $instance and firewall $firewall deleted" 0
`;
