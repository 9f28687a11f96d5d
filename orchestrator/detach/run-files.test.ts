import { expect, it } from "vitest";
import { parseExitStatus, parsePid } from "./run-files.ts";

it("reads a pid and an exit status as the wrapper writes them, and nothing else", () => {
  expect(parsePid("4242\n")).toBe(4242);
  expect(parseExitStatus("0\n")).toBe(0);
  expect(parseExitStatus("143\n")).toBe(143);
  for (const hostile of ["", "-1\n", "0\n", "1\n", "12 34", "99999999", "4242\n\n", "$(reboot)", "4242; rm -rf ~", "0x10"])
    expect(parsePid(hostile)).toBeUndefined();
  for (const hostile of ["", "256", "-1", "1 2", "abc", "00001"]) expect(parseExitStatus(hostile)).toBeUndefined();
});
