import { describe, expect, it } from "vitest";
import { printable } from "./remote-text.ts";

describe("printable: a server's text without its terminal escapes", () => {
  it.each([
    ["CSI colour", "\u001b[31mred\u001b[0m text", "red text"],
    ["OSC title, BEL-terminated", "a\u001b]0;owned title\u0007b", "ab"],
    ["OSC 8 hyperlink, ST-terminated", "\u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\", "click"],
    ["cursor movement and erase", "ok\u001b[2K\u001b[1Afake", "okfake"],
    ["DCS", "x\u001bPq#0;2;0;0;0\u001b\\y", "xy"],
    ["8-bit CSI and carriage return", "a\u009b31mb\rc", "a31mbc"],
    ["bell, backspace, NUL", "a\u0007\u0008\u0000b", "ab"],
    ["a lone ESC at the end", "text\u001b", "text"],
    ["bidi override", "file\u202egnp.exe", "filegnp.exe"],
  ])("strips %s", (_name, input, expected) => {
    expect(printable(input)).toBe(expected);
  });

  it("keeps newlines, tabs and ordinary Unicode", () => {
    expect(printable("line 1\n\tline 2 ✓ é\r\n")).toBe("line 1\n\tline 2 ✓ é\n");
  });
});
