import { BadInputError } from "../errors.ts";
import { parseDuration } from "../estimate/predict.ts";

/** --deadline as seconds. A bare number is refused: 10 could mean seconds, minutes or hours, and a guess decides the plan. */
export function parseDeadline(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (bare)
    throw new BadInputError(
      `--deadline ${bare[1]} has no unit: write ${bare[1]}s, ${bare[1]}m or ${bare[1]}h (for example --deadline 10m).`,
    );
  const seconds = parseDuration(text);
  if (!seconds) throw new BadInputError(`--deadline takes a duration like 90s, 10m or 1h30m; got "${text}".`);
  return seconds;
}
