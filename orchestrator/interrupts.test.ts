import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { trapInterrupts, type Interrupts } from "./interrupts.ts";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe("trapInterrupts", () => {
  let trap: Interrupts | undefined;
  afterEach(() => trap?.dispose());

  it("the first Ctrl-C aborts the run; a second during cleanup says what a forced quit would leave", () => {
    const stderr = new Capture();
    trap = trapInterrupts(stderr);
    trap.setLeftoverAdvice("run rr-1's g6-dedicated-48 server; remove it with: render-remote audit --destroy --yes");
    expect(trap.signal.aborted).toBe(false);
    process.emit("SIGINT", "SIGINT");
    expect(trap.signal.aborted).toBe(true);
    expect(stderr.text).toMatch(/^\nCtrl-C: stopping; cleaning up first/);
    process.emit("SIGINT", "SIGINT");
    expect(stderr.text).toMatch(
      /Still cleaning up\. Quitting now may leave: run rr-1's g6-dedicated-48 server; remove it with: render-remote audit --destroy --yes\./,
    );
  });

  it("says Ctrl-C when ora's stdin handler emits SIGINT without a name", () => {
    const stderr = new Capture();
    trap = trapInterrupts(stderr);
    (process.emit as (event: string) => boolean)("SIGINT"); // what ora does on a Ctrl-C keypress while a spinner runs
    expect(trap.signal.aborted).toBe(true);
    expect(stderr.text).toBe("\nCtrl-C: stopping; cleaning up first (Ctrl-C again to see what a forced quit would leave).\n");
    expect(stderr.text).not.toMatch(/undefined/);
  });

  it("SIGHUP (the terminal closed) stops a run the same way, so teardown runs", () => {
    const stderr = new Capture();
    trap = trapInterrupts(stderr);
    process.emit("SIGHUP", "SIGHUP");
    expect(trap.signal.aborted).toBe(true);
    expect(stderr.text).toMatch(/SIGHUP: stopping; cleaning up first/);
  });

  it("SIGTERM stops a run the same way, and dispose() lets go of the signals", () => {
    const stderr = new Capture();
    trap = trapInterrupts(stderr);
    const before = process.listenerCount("SIGTERM");
    process.emit("SIGTERM", "SIGTERM");
    expect(trap.signal.aborted).toBe(true);
    trap.dispose();
    expect(process.listenerCount("SIGTERM")).toBe(before - 1);
    trap = undefined;
  });
});
