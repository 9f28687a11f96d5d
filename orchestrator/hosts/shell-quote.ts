import { BadInputError } from "../errors.ts";

/**
 * The one place where values become remote shell text. SSH sends a command as
 * a single string that the remote user's shell parses, so every argument is
 * wrapped in POSIX single quotes: inside them nothing is special except the
 * closing quote, which we write as '\'' (close, escaped quote, reopen).
 * That holds for sh, dash, bash, ksh and zsh alike.
 */

// Words that need no quoting. `=` is left out (a first word `a=b` is an
// assignment) and so is `~` (tilde expansion); reserved words are checked below.
const SAFE_WORD = /^[A-Za-z0-9_./:@%+,-]+$/;

// With the u flag a valid surrogate pair is one code point, so only lone halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

// In command position these are parsed as syntax, not as a program name.
const RESERVED_WORDS = new Set([
  "case",
  "coproc",
  "do",
  "done",
  "elif",
  "else",
  "esac",
  "fi",
  "for",
  "function",
  "if",
  "in",
  "select",
  "then",
  "time",
  "until",
  "while",
]);

/** Quotes one argument so the remote shell passes it through byte for byte. */
export function quoteArg(value: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`quoteArg expects a string, got ${typeof value}.`);
  }
  if (value.includes("\0")) {
    // C strings end at NUL: the remote program would silently get a truncated value.
    throw new BadInputError(
      `Cannot pass ${JSON.stringify(value)} to a remote command: it contains a NUL byte, which no program can receive as an argument. Remove the NUL byte from the value.`,
    );
  }
  if (LONE_SURROGATE.test(value)) {
    // A lone surrogate has no UTF-8 encoding; it would arrive as U+FFFD, not as given.
    throw new BadInputError(
      `Cannot pass ${JSON.stringify(value)} to a remote command: it is not valid Unicode (lone surrogate), so it cannot be sent unchanged.`,
    );
  }
  if (SAFE_WORD.test(value) && !RESERVED_WORDS.has(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Joins an argument vector into one command line; argv[0] is the program. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new TypeError("commandLine needs at least the program name (argv was empty).");
  }
  return argv.map(quoteArg).join(" ");
}
