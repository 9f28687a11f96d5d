import { BadInputError } from "../errors.ts";
import { parseDuration } from "../estimate/predict.ts";
import { DEFAULT_RECONNECT_SECONDS } from "../detach/host-link.ts";

/** --reconnect-for as seconds (default 10 min). A bare number is refused, as for --deadline: 10 could be seconds or minutes. */
export function parseReconnectFor(text: string | undefined): number {
  if (text === undefined) return DEFAULT_RECONNECT_SECONDS;
  const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (bare)
    throw new BadInputError(
      `--reconnect-for ${bare[1]} has no unit: write ${bare[1]}s, ${bare[1]}m or ${bare[1]}h (for example --reconnect-for 10m).`,
    );
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds < 1 || seconds > 7 * 24 * 3600) {
    throw new BadInputError(`--reconnect-for takes a duration from 1s to 168h, like 90s, 10m or 1h30m; got "${text}".`);
  }
  return seconds;
}
