/**
 * File-system errors in words for users: "no such file or directory", not ENOENT. Node's own
 * messages ("ENOENT: no such file or directory, open 'x'") name the code first and the file last.
 */
const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "it is a directory",
  EEXIST: "it already exists",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
};

export function plainReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return REASONS[code];
  return plainMessage(error instanceof Error ? error.message : String(error));
}

/** Rewrites Node's "CODE: text, syscall 'path'" parts of a message as "text: path". */
export function plainMessage(message: string): string {
  return message
    .replace(/\b(E[A-Z]+): [^,]*, \w+ '([^']*)'(?: -> '([^']*)')?/g, (whole, code: string, file: string) =>
      REASONS[code] ? `${REASONS[code]}: ${file}` : whole,
    )
    .replace(/\b(E[A-Z]+)\b/g, (code: string) => REASONS[code] ?? code);
}
