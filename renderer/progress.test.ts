import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress, parseProgressLine, type ProgressEvent } from "./progress.ts";

const events: ProgressEvent[] = [
  { event: "start", name: "spiral", frames: 300, width: 500, height: 500, workers: 2, kernel: "wasm-simd" },
  { event: "frame", done: 3, total: 300, fps: 120.5, etaSeconds: 2.4 },
  {
    event: "done",
    outputs: ["/tmp/out/spiral.mp4"],
    seconds: { images: 1.5, animation: 0.2, total: 1.7 },
    iterations: 123456789,
    split: { kernel: 2.9, color: 0.1, encode: 0.8, io: 0.05 },
  },
  { event: "error", message: "ffmpeg exited 1" },
];

/** What the renderer writes with --progress json, line by line. */
function written(list: ProgressEvent[]): string[] {
  const stdout = new PassThrough();
  const progress = createProgress("json", stdout);
  for (const event of list) progress.emit(event);
  return String(stdout.read()).trimEnd().split("\n");
}

describe("parseProgressLine: the one reader of the renderer's progress protocol", () => {
  it("reads back every event the renderer writes", () => {
    expect(written(events).map(parseProgressLine)).toEqual(events.map((event) => ({ kind: "event", event })));
  });

  it("reads a rate or ETA that JSON wrote as null (Infinity) back as Infinity", () => {
    const [line] = written([{ event: "frame", done: 0, total: 10, fps: 0, etaSeconds: Infinity }]);
    expect(line).toContain('"etaSeconds":null');
    expect(parseProgressLine(line)).toEqual({ kind: "event", event: { event: "frame", done: 0, total: 10, fps: 0, etaSeconds: Infinity } });
  });

  it.each([
    ["a shell profile's chatter", "Welcome to Ubuntu 24.04"],
    ["an empty line", ""],
    ["JSON that is not an event", '{"hello": 1}'],
    ["an unknown event", '{"event": "reboot"}'],
    ["a frame with a missing field", '{"event": "frame", "done": 1, "total": 2, "fps": 3}'],
    ["a frame with a string count", '{"event": "frame", "done": "1", "total": 2, "fps": 3, "etaSeconds": 1}'],
    ["a negative count", '{"event": "frame", "done": -1, "total": 2, "fps": 3, "etaSeconds": 1}'],
    [
      "outputs that are not strings",
      '{"event": "done", "outputs": [1], "seconds": {"images": 1, "animation": 0, "total": 1}, "iterations": 1, "split": {"kernel": 0, "color": 0, "encode": 0, "io": 0}}',
    ],
    ["an error message of 10 kB", JSON.stringify({ event: "error", message: "x".repeat(10_000) })],
    ["a JSON array", "[1, 2, 3]"],
    ["null", "null"],
  ])("takes %s for a line that is not an event, without throwing", (_label, line) => {
    expect(parseProgressLine(line)).toEqual({ kind: "other", line });
  });
});
