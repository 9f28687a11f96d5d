import { describe, expect, it } from "vitest";
import { BoundedHead, BoundedTail, createLineSplitter } from "./line-splitter.ts";

const split = (chunks: (string | Buffer)[], max?: number) => {
  const lines: string[] = [];
  const splitter = createLineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return lines;
};

describe("createLineSplitter", () => {
  it("joins lines split across chunks, and UTF-8 characters split across them", () => {
    const check = Buffer.from("✓");
    expect(split(["ab", "c\nde", Buffer.concat([Buffer.from("f "), check.subarray(0, 1)]), check.subarray(1), "\nlast"])).toEqual([
      "abc",
      "def ✓",
      "last",
    ]);
  });

  it("cuts a line at the cap, drops the rest up to the newline, then carries on", () => {
    expect(split(["0123", "456789", "abc\nok\n"], 5)).toEqual(["01234", "ok"]);
    expect(split(["01234\n"], 5)).toEqual(["01234"]);
    expect(split(["0123456789"], 5)).toEqual(["01234"]); // unterminated: delivered once, cut
  });

  it("never holds more than the cap of an endless line", () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line), 1000);
    for (let i = 0; i < 10_000; i++) splitter.write(Buffer.alloc(1000, 120)); // 10 MB, no newline
    splitter.write(Buffer.from("\nnext\n"));
    expect(lines.map((line) => line.length)).toEqual([1000, 4]);
  });
});

describe("BoundedHead and BoundedTail", () => {
  it("keep the first or last characters and say how much was cut from the tail", () => {
    const head = new BoundedHead(4);
    const tail = new BoundedTail(4);
    for (const chunk of ["abc", "def", "ghi"]) {
      head.append(chunk);
      tail.append(chunk);
    }
    expect(head.toString()).toBe("abcd");
    expect(tail.toString()).toBe("[5 earlier characters not kept]\nfghi");
  });
});
