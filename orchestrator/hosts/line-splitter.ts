import { StringDecoder } from "node:string_decoder";

/**
 * Turns a byte stream into complete lines. Chunks split lines (and UTF-8
 * characters) anywhere, so both are buffered until they are whole.
 */
export interface LineSplitter {
  /** Feeds a chunk; returns it decoded, for callers that also keep the full text. */
  write(chunk: Buffer): string;
  /** Flushes a final line that had no newline. */
  end(): string;
}

export function createLineSplitter(onLine?: (line: string) => void): LineSplitter {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const feed = (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      onLine?.(line);
    }
    return text;
  };
  return {
    write: (chunk) => feed(decoder.write(chunk)),
    end: () => {
      const text = feed(decoder.end());
      if (pending !== "") onLine?.(pending);
      pending = "";
      return text;
    },
  };
}
