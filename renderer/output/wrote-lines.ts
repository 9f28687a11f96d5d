import path from "node:path";

/**
 * "Wrote …" lines for a run's outputs: each video or image on its own line, and the frames
 * (OUT/frames/<name>_00000.png …) as one line, however many there are.
 */
export function wroteLines(outputs: readonly string[], show: (file: string) => string = (file) => file): string[] {
  const isFrame = (file: string) => path.basename(path.dirname(file)) === "frames" && /_\d{5,}\.png$/.test(file);
  const frames = outputs.filter(isFrame).sort();
  const lines = outputs.filter((file) => !isFrame(file)).map((file) => `Wrote ${show(file)}`);
  if (frames.length === 1) lines.push(`Wrote 1 frame: ${show(frames[0])}`);
  else if (frames.length > 1) lines.push(`Wrote ${frames.length} frames: ${show(frames[0])} … ${path.basename(frames.at(-1)!)}`);
  return lines;
}

/** A path under `outDir` shown under the --out the user gave (relative stays relative), anything else absolute. */
export function showUnder(given: string): (file: string) => string {
  const outDir = path.resolve(given);
  return (file) => {
    const absolute = path.resolve(file);
    return absolute.startsWith(`${outDir}${path.sep}`) ? path.join(given, path.relative(outDir, absolute)) : absolute;
  };
}
