// A page's own read that failed for a reason other than 404 or 403, carried from the server
// (lib/server.ts `subject()`) to app/error.tsx in the thrown error's digest: in production Next
// hands the browser an error's digest and nothing else of it.
import { errorMessages } from "./errors";

const PREFIX = "divan-read:";

/** The API's status and the failure in words. */
export type ReadFailure = { status: number; messages: string[] };

export function readFailureDigest(status: number, body: unknown): string {
  return PREFIX + JSON.stringify({ status, messages: errorMessages(status, body) });
}

/** The failure a digest carries, or null for any other error (a bug in the hub). */
export function readFailure(digest: string | undefined): ReadFailure | null {
  if (!digest?.startsWith(PREFIX)) return null;
  try {
    const { status, messages } = JSON.parse(digest.slice(PREFIX.length)) as Partial<ReadFailure>;
    if (typeof status !== "number" || !Array.isArray(messages)) return null;
    return { status, messages: messages.filter((message) => typeof message === "string") };
  } catch {
    return null;
  }
}
