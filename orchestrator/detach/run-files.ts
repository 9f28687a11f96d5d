import * as z from "zod";

/**
 * The files a detached render keeps in its run directory. The client reads
 * them back over SSH, so each is untrusted input: parsed here, once, bounded.
 */
export const RUN_FILES = {
  /** The renderer's pid (the process teardown sends SIGTERM). */
  pid: "render.pid",
  /** The wrapper shell's pid: the session and process-group id of everything the render started. */
  session: "render.session",
  /** `--progress json` events, one per line, appended as the render goes. */
  progress: "progress.jsonl",
  stderr: "render.stderr",
  /** The renderer's exit status, written once it has ended (absent while it runs, or when it was killed with its wrapper). */
  exit: "render.exit",
} as const;

/** A pid as a file holds it: digits only, no sign (a negative pid would signal a whole group), no more than the kernel's 2^22. */
const pidText = z
  .string()
  .regex(/^\d{1,7}\n?$/)
  .transform((text) => Number(text.trim()))
  .pipe(z.number().int().min(2).max(4_194_304));
/** An exit status as `echo $?` writes it: 0 to 255. */
const exitText = z
  .string()
  .regex(/^\d{1,3}\n?$/)
  .transform((text) => Number(text.trim()))
  .pipe(z.number().int().min(0).max(255));

/** The pid in a file the server sent back, or undefined when it is not one. */
export function parsePid(text: string): number | undefined {
  const parsed = pidText.safeParse(text);
  return parsed.success ? parsed.data : undefined;
}

export function parseExitStatus(text: string): number | undefined {
  const parsed = exitText.safeParse(text);
  return parsed.success ? parsed.data : undefined;
}
