/**
 * The tags every resource of a run carries: the one place they are spelt.
 * The program sets them (render-host.ts); the audit and the teardown sweep
 * find, and only ever delete, what carries them.
 */
export const RENDER_REMOTE_TAG = "render-remote";
export const RUN_TAG_PREFIX = "render-remote-run:";
export const runTag = (runId: string) => `${RUN_TAG_PREFIX}${runId}`;
