import { StringDecoder } from "node:string_decoder";

/**
 * Turns a byte stream into complete lines. Chunks split lines (and UTF-8
 * characters) anywhere, so both are buffered until they are whole. A line
 * longer than maxLineLength is cut there (its head delivered, the rest
 * dropped up to the next newline): a server that never sends a newline cannot
 * make the buffer grow without bound, and each chunk is scanned once.
 */
export interface LineSplitter {
  /** Feeds a chunk; returns it decoded, for callers that also keep the text. */
  write(chunk: Buffer): string;
  /** Flushes a final line that had no newline. */
  end(): string;
}

export const MAX_LINE_LENGTH = 64 * 1024;

export function createLineSplitter(onLine?: (line: string) => void, maxLineLength = MAX_LINE_LENGTH): LineSplitter {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let dropping = false; // inside an over-long line, after its head was delivered
  const feed = (text: string) => {
    if (!onLine) return text;
    let start = 0;
    // only the new text is searched: the pending part is known to hold no newline
    for (let newline = text.indexOf("\n", start); newline !== -1; newline = text.indexOf("\n", start)) {
      if (!dropping) onLine((pending + text.slice(start, newline)).slice(0, maxLineLength));
      pending = "";
      dropping = false;
      start = newline + 1;
    }
    if (!dropping) {
      pending += text.slice(start, start + maxLineLength - pending.length);
      if (pending.length >= maxLineLength) {
        onLine(pending);
        pending = "";
        dropping = true;
      }
    }
    return text;
  };
  return {
    write: (chunk) => feed(decoder.write(chunk)),
    end: () => {
      const text = feed(decoder.end());
      if (pending !== "" && onLine) onLine(pending);
      pending = "";
      dropping = false;
      return text;
    },
  };
}

/** Keeps the last `limit` characters of a stream of text, with a note of how much was cut. */
export class BoundedTail {
  private text = "";
  private dropped = 0;
  constructor(private readonly limit: number) {}

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * this.limit) this.trim(); // amortised: trim only when twice over
  }

  toString(): string {
    this.trim();
    return this.dropped > 0 ? `[${this.dropped} earlier characters not kept]\n${this.text}` : this.text;
  }

  private trim(): void {
    if (this.text.length <= this.limit) return;
    this.dropped += this.text.length - this.limit;
    this.text = this.text.slice(-this.limit);
  }
}

/** Keeps the first `limit` characters of a stream of text (what a parser reads); the rest is dropped. */
export class BoundedHead {
  private text = "";
  constructor(private readonly limit: number) {}

  append(chunk: string): void {
    if (this.text.length < this.limit) this.text += chunk.slice(0, this.limit - this.text.length);
  }

  toString(): string {
    return this.text;
  }
}
