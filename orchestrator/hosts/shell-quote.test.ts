import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BadInputError } from "../errors.ts";
import { commandLine, quoteArg } from "./shell-quote.ts";
import { NASTY_ARGS } from "./testing/nasty-args.ts";

/** Runs `printf '%s\0' args…` through a real shell and returns the argv it received. */
function roundTrip(shell: string, args: readonly string[]): string[] {
  const line = commandLine(["printf", "%s\\0", ...args]);
  const result = spawnSync(shell, ["-c", line], { encoding: "buffer" });
  expect(result.status, `${shell} stderr: ${result.stderr}`).toBe(0);
  const parts = result.stdout.toString("utf8").split("\0");
  parts.pop(); // printf ends every argument with \0, so the last piece is empty
  return parts;
}

const shells = ["/bin/sh", "/bin/bash"].filter((shell) => existsSync(shell));

describe("quoteArg", () => {
  it("leaves plain words readable and quotes everything else", () => {
    expect(quoteArg("node")).toBe("node");
    expect(quoteArg("/home/rrtest/run-1/julia-render.mjs")).toBe("/home/rrtest/run-1/julia-render.mjs");
    expect(quoteArg("--progress")).toBe("--progress");
    expect(quoteArg("")).toBe("''");
    expect(quoteArg("a b")).toBe("'a b'");
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg("a=b")).toBe("'a=b'");
    expect(quoteArg("~")).toBe("'~'");
    expect(quoteArg("if")).toBe("'if'");
  });

  it("rejects NUL bytes with a message that names the value", () => {
    expect(() => quoteArg("a\0b")).toThrow(BadInputError);
    expect(() => quoteArg("a\0b")).toThrow(/"a\\u0000b".*NUL byte/);
  });

  it("rejects lone surrogates, which cannot be sent unchanged", () => {
    expect(() => quoteArg("x\uD800")).toThrow(/not valid Unicode/);
    expect(quoteArg("😀")).toBe("'😀'");
  });
});

describe("commandLine", () => {
  it("refuses an empty argv", () => {
    expect(() => commandLine([])).toThrow(/program name/);
  });

  it("quotes a reserved word in command position so it runs as a program", () => {
    const result = spawnSync("/bin/sh", ["-c", `${commandLine(["if"])} 2>&1; echo "status=$?"`], { encoding: "utf8" });
    // Unquoted, `if` alone is a syntax error; quoted, it is looked up as a command and not found.
    expect(result.stdout).toMatch(/status=127/);
  });

  for (const shell of shells) {
    it(`passes every nasty argument through ${shell} byte for byte, one at a time`, () => {
      for (const arg of NASTY_ARGS) {
        expect(roundTrip(shell, [arg])).toEqual([arg]);
      }
    });

    it(`passes all nasty arguments through ${shell} together, in order`, () => {
      expect(roundTrip(shell, NASTY_ARGS)).toEqual(NASTY_ARGS);
    });

    it(`survives random strings built from shell metacharacters in ${shell}`, () => {
      const alphabet = [
        "'",
        '"',
        "\\",
        "$",
        "`",
        "(",
        ")",
        ";",
        "&",
        "|",
        "<",
        ">",
        "*",
        "?",
        "[",
        "]",
        "{",
        "}",
        "~",
        "!",
        "#",
        "=",
        " ",
        "\t",
        "\n",
        "-",
        "a",
        "é",
        "😀",
      ];
      let seed = 12345; // deterministic: a failure reproduces
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const args = Array.from({ length: 300 }, () =>
        Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
      );
      expect(roundTrip(shell, args)).toEqual(args);
    });
  }

  it("builds a line that the shell runs as one program, not several", () => {
    const result = spawnSync("/bin/sh", ["-c", commandLine(["echo", "a; echo injected"])], { encoding: "utf8" });
    expect(result.stdout).toBe("a; echo injected\n");
  });
});
