// Pages read the API on the server, as the person whose request it is: their cookie goes
// straight to DIVAN_API_URL (not through the browser), with the forwarding headers the proxy
// sends too (lib/upstream.ts). Nothing is cached: every answer is this person's, now.
import type { AsyncLocalStorage } from "node:async_hooks";
import { headers } from "next/headers";
import { forbidden, notFound } from "next/navigation";
import { cache } from "react";
import type { Session, StreamPosition, Unread, User } from "@/api/types";
import { AUTH } from "./allauth";
import { API } from "./api";
import { readFailureDigest } from "./readFailure";
import { UPSTREAM, forwarding } from "./upstream";

/** An answer of the API: its data, or its status and error body. */
export type Read<T> = { ok: true; data: T } | { ok: false; status: number; body: unknown };

/** GET `url` as the visitor, with `extra` headers. */
async function readAsVisitor<T>(url: URL, extra: Record<string, string>): Promise<Read<T>> {
  const incoming = await headers();
  const protocol = incoming.get("x-forwarded-proto") ?? "http";
  const request: Record<string, string> = { accept: "application/json", ...forwarding(incoming, protocol), ...extra };
  const cookie = incoming.get("cookie");
  if (cookie) request.cookie = cookie;
  const language = incoming.get("accept-language");
  if (language) request["accept-language"] = language;
  // A GET is safe to send again: up to twice more if the connection failed (gunicorn closes an
  // idle kept-alive connection after 2 s, and the pool may pick it just then, or another such).
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(url, { headers: request, cache: "no-store", redirect: "manual" });
      const body: unknown = await response.json().catch(() => null);
      if (response.ok) return { ok: true, data: body as T };
      return { ok: false, status: response.status, body };
    } catch (error) {
      if (attempt < 2) continue;
      console.error(`the API did not answer GET ${url.pathname}:`, error);
      return { ok: false, status: 502, body: { detail: "Divan's API is not answering. Try again in a moment." } };
    }
  }
}

/**
 * GET `path` (under the communities API unless it starts with "/") as the visitor; read once
 * per request (a page's metadata and its body share it).
 */
export const read = cache(async function read<T>(path: string): Promise<Read<T>> {
  return readAsVisitor<T>(new URL(path.startsWith("/") ? path : API + path, UPSTREAM), {});
}) as <T>(path: string) => Promise<Read<T>>;

/**
 * GET django-allauth's `path` (under its browser API) as the visitor, with `header` set to
 * `value` when given (the key of a verification or reset link): its answer's envelope on a 2xx,
 * and on a 4xx too (a 401 says who is not signed in and which flow is pending; a 400 why a key
 * is refused). Read once per request.
 */
export const readAuth = cache(async function readAuth<T>(
  path: string,
  header?: string,
  value?: string,
): Promise<Read<T>> {
  return readAsVisitor<T>(new URL(AUTH + path, UPSTREAM), header && value !== undefined ? { [header]: value } : {});
}) as <T>(path: string, header?: string, value?: string) => Promise<Read<T>>;

/** The page's own read failed for a reason other than 404 or 403 (the API down, a 5xx, a 429). */
class ReadFailed extends Error {
  /** What app/error.tsx reads: the status and the failure in words (lib/readFailure.ts). */
  readonly digest: string;

  constructor(status: number, body: unknown) {
    super(`the API answered ${status} to the page's own read`);
    this.digest = readFailureDigest(status, body);
  }
}

// Where server.mjs keeps the status of the page being rendered: Next answers 500 for any page
// that throws, and server.mjs puts this one in its place (absent under `next start`: then 500).
const PAGE_STATUS = Symbol.for("divan.hub.pageStatus");

function answerWith(status: number): void {
  const storage = (globalThis as { [PAGE_STATUS]?: AsyncLocalStorage<{ status?: number }> })[PAGE_STATUS];
  const store = storage?.getStore();
  if (store) store.status = status;
}

/**
 * The page's own subject: what the API does not show this person is the page's 404 (hidden,
 * or not there), what it refuses them is its 403. Any other failure (the API down, a 5xx, a
 * 429) is the page's error, shown by app/error.tsx, with the API's status as the page's.
 */
export function subject<T>(answer: Read<T>): T {
  if (answer.ok) return answer.data;
  if (answer.status === 404) notFound();
  if (answer.status === 401 || answer.status === 403) forbidden();
  // A redirect is no answer a page can use: the hub is the gateway that got a bad one.
  const status = answer.status >= 400 ? answer.status : 502;
  answerWith(status);
  throw new ReadFailed(status, answer.body);
}

/** Who is signed in, read once per request (the layout and the page share it). */
export const viewer = cache(async (): Promise<User | null> => {
  const session = await read<Session>("/api/auth/session/");
  return session.ok ? ((session.data.user as User | null) ?? null) : null;
});

/**
 * The bell's unread count, read beside the session (the layout reads both at once): null for a
 * visitor without a cookie (nobody signed in), or when the API does not give it.
 */
export const unreadCount = cache(async (): Promise<Unread | null> => {
  if (!(await headers()).get("cookie")) return null;
  const answer = await read<Unread>("notifications/unread/");
  return answer.ok ? answer.data : null;
});

/**
 * Where the visitor's live stream stands as the page is read: its first stream opens from here,
 * so that nothing published between this read and the stream is missed. Null: not signed in,
 * or the API did not say (the stream then starts where it opens).
 */
export const streamPosition = cache(async (): Promise<string | null> => {
  if (!(await headers()).get("cookie")) return null;
  const answer = await read<StreamPosition>("live/position/");
  return answer.ok ? answer.data.last_event_id : null;
});
